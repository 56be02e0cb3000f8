import { useEffect, useId, useRef, useState } from 'react';
import type { Me } from '@autopilot/contracts';
import { Link } from '../../app/router';
import { useBellNotices, useNoticeActions } from './data';
import { badgeText } from './logic';
import { NoticeItem } from './NoticeItem';
import './inbox.css';

/**
 * The notification center in the top bar: a bell with the workspace's unread count (live: inbox.* events refetch
 * it) and a panel with the latest notices. Escape or a click outside closes it and gives the focus back to the bell.
 */
export function Bell({ me }: { me: Me }) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const q = useBellNotices();
  const { bulk, busy } = useNoticeActions();
  const canAct = me.key.role !== 'viewer';
  const unread = q.data?.unread ?? 0;

  useEffect(() => {
    if (!open) return;
    panel.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    const onDown = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!panel.current?.contains(t) && !button.current?.contains(t)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onDown);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onDown);
    };
  }, [open]);

  const items = q.data?.items ?? [];
  const close = () => setOpen(false);
  return (
    <div className="ntc-center">
      <button
        ref={button}
        type="button"
        className="ghost ntc-bell"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={unread ? `Notifications, ${unread} unread` : 'Notifications'}
        data-testid="bell"
        onClick={() => setOpen((o) => !o)}
      >
        <svg className="ntc-bell-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
          <path d="M12 3a6 6 0 0 0-6 6v3.6l-1.7 2.9A1 1 0 0 0 5.2 17h13.6a1 1 0 0 0 .9-1.5L18 12.6V9a6 6 0 0 0-6-6Z" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round" />
          <path d="M9.5 19a2.5 2.5 0 0 0 5 0" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
        </svg>
        {unread > 0 && (
          <span className="ntc-bell-count" data-testid="bell-count" aria-hidden="true">
            {badgeText(unread)}
          </span>
        )}
      </button>
      {open && (
        <div ref={panel} id={panelId} className="ntc-panel card" role="dialog" aria-label="Notifications" tabIndex={-1} data-testid="notifications-panel">
          <div className="ntc-panel-head">
            <h2>Notifications</h2>
            <span className="muted small" aria-live="polite">
              {unread} unread
            </span>
            <span className="spacer" />
            {canAct && (
              <button type="button" className="ntc-btn" disabled={busy || unread === 0} onClick={() => bulk.mutate({ filter: { view: 'unread' }, read: true })}>
                Mark all read
              </button>
            )}
          </div>
          {q.isError && <p className="error-text">Could not load notifications: {(q.error as Error).message}</p>}
          {q.isPending && <p className="muted">Loading…</p>}
          {q.data && items.length === 0 && <p className="muted">Nothing needs you.</p>}
          <ul className="ntc-list" data-loaded={q.data ? 'true' : 'false'}>
            {items.map((n) => (
              <NoticeItem key={n.id} n={n} canAct={canAct} onNavigate={close} />
            ))}
          </ul>
          <div className="ntc-panel-foot">
            <Link href="/notifications" onClick={close}>
              See all
            </Link>
          </div>
        </div>
      )}
    </div>
  );
}
