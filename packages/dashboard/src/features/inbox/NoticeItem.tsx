import type { Notice } from '@autopilot/contracts';
import { Link } from '../../app/router';
import { ago } from '../../lib/format';
import { useNoticeActions } from './data';
import { countLabel, safeLink, SEVERITY, SNOOZE_LABEL, snoozeUntil, STATUS_LABEL, type SnoozeChoice } from './logic';

/** The severity as colour, icon and text (never colour alone). */
export function SeverityBadge({ severity }: { severity: Notice['severity'] }) {
  const s = SEVERITY[severity];
  return (
    <span className={`ntc-sev ntc-${s.tone}`} data-severity={severity}>
      <span aria-hidden="true">{s.icon}</span> {s.label}
    </span>
  );
}

function Snooze({ n, disabled }: { n: Notice; disabled: boolean }) {
  const { one } = useNoticeActions();
  const choose = (c: SnoozeChoice, el: HTMLElement) => {
    el.closest('details')?.removeAttribute('open');
    one.mutate({ id: n.id, snoozedUntil: snoozeUntil(c).toISOString() });
  };
  return (
    <details className="ntc-snooze">
      <summary className="ntc-btn" aria-label={`Snooze: ${n.title}`}>
        Snooze
      </summary>
      <div className="ntc-snooze-menu card" role="group" aria-label="Snooze until">
        {(Object.keys(SNOOZE_LABEL) as SnoozeChoice[]).map((c) => (
          <button key={c} type="button" className="ghost small" disabled={disabled} onClick={(e) => choose(c, e.currentTarget)}>
            {SNOOZE_LABEL[c]}
          </button>
        ))}
      </div>
    </details>
  );
}

/**
 * One notification: severity, title, body, age, repeats, links, and its actions (read, snooze, dismiss or bring
 * back). Text comes from sessions and webhooks: it is shown as text and wraps; links are checked (safeLink).
 */
export function NoticeItem({ n, canAct, onNavigate, selectable }: { n: Notice; canAct: boolean; onNavigate?: () => void; selectable?: { checked: boolean; onChange: (v: boolean) => void } }) {
  const { one, busy } = useNoticeActions();
  const links = n.links.map((l) => ({ label: l.label, link: safeLink(l.href) })).filter((l) => l.link);
  const count = countLabel(n.count);
  return (
    <li className={`ntc ntc-status-${n.status} ntc-border-${SEVERITY[n.severity].tone}`} data-testid="notification" data-id={n.id} data-kind={n.kind} data-status={n.status} data-severity={n.severity}>
      <div className="ntc-head">
        {selectable && <input type="checkbox" className="ntc-check" checked={selectable.checked} onChange={(e) => selectable.onChange(e.target.checked)} aria-label={`Select: ${n.title}`} />}
        <SeverityBadge severity={n.severity} />
        <strong className="ntc-title">{n.title}</strong>
        {count && (
          <span className="ntc-count" title={`Happened ${n.count} times`} aria-label={`${n.count} times`}>
            {count}
          </span>
        )}
        {n.status !== 'read' && <span className={`pill ntc-pill ntc-pill-${n.status}`}>{STATUS_LABEL[n.status]}</span>}
      </div>
      {n.body && <p className="ntc-body">{n.body}</p>}
      {n.status === 'resolved' && n.resolvedReason && <p className="ntc-resolved small">Resolved {ago(n.resolvedAt)}: {n.resolvedReason}</p>}
      {n.status === 'snoozed' && n.snoozedUntil && <p className="muted small">Snoozed until {new Date(n.snoozedUntil).toLocaleString()}</p>}
      {links.length > 0 && (
        <ul className="ntc-links">
          {links.map(({ label, link }) => (
            <li key={`${label}${link!.href}`}>
              {link!.external ? (
                <a href={link!.href} target="_blank" rel="noopener noreferrer">
                  {label} <span aria-hidden="true">↗</span>
                </a>
              ) : (
                <Link href={link!.href} onClick={onNavigate}>
                  {label}
                </Link>
              )}
            </li>
          ))}
        </ul>
      )}
      <div className="ntc-foot">
        <time className="muted small" dateTime={n.lastAt} title={new Date(n.lastAt).toLocaleString()}>
          {ago(n.lastAt)}
        </time>
        {n.repo && <span className="muted small mono ntc-repo">{n.repo}</span>}
        <span className="spacer" />
        {canAct && (
          <div className="ntc-actions">
            {n.status === 'unread' && (
              <button type="button" className="ntc-btn" disabled={busy} onClick={() => one.mutate({ id: n.id, read: true })} aria-label={`Mark read: ${n.title}`}>
                Mark read
              </button>
            )}
            {n.status === 'read' && (
              <button type="button" className="ntc-btn" disabled={busy} onClick={() => one.mutate({ id: n.id, read: false })} aria-label={`Mark unread: ${n.title}`}>
                Mark unread
              </button>
            )}
            {n.status === 'snoozed' && (
              <button type="button" className="ntc-btn" disabled={busy} onClick={() => one.mutate({ id: n.id, snoozedUntil: null })} aria-label={`Unsnooze: ${n.title}`}>
                Unsnooze
              </button>
            )}
            {(n.status === 'unread' || n.status === 'read') && <Snooze n={n} disabled={busy} />}
            {n.status === 'dismissed' ? (
              <button type="button" className="ntc-btn" disabled={busy} onClick={() => one.mutate({ id: n.id, dismissed: false })} aria-label={`Bring back: ${n.title}`}>
                Bring back
              </button>
            ) : (
              <button type="button" className="ntc-btn" disabled={busy} onClick={() => one.mutate({ id: n.id, dismissed: true })} aria-label={`Dismiss: ${n.title}`}>
                Dismiss
              </button>
            )}
          </div>
        )}
      </div>
    </li>
  );
}
