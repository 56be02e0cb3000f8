import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { HookEndpoint } from '@autopilot/contracts';
import { Link } from '../../app/router';
import { useApi } from '../../lib/api';
import { ago } from '../../lib/format';
import { useToast } from '../../lib/toasts';
import { ErrorNote } from '../../lib/ui';
import { dateTime, Modal } from '../settings/settings-ui';
import { errorFields, hookKeys, useDeliveries, useDelivery, usePowers, type DeliveryStatus } from './data';
import { DELIVERY_STATUSES, resultLinks, statusPill } from './delivery-logic';

/** One delivery: redacted headers, the payload pretty-printed, what each matched rule did (with links), Replay. */
function DeliveryDetail({ id, onReplayed }: { id: string; onReplayed: (newId: string) => void }) {
  const api = useApi();
  const qc = useQueryClient();
  const toast = useToast();
  const powers = usePowers();
  const d = useDelivery(id);
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function replay() {
    setConfirm(false);
    setError(null);
    try {
      const r = await api.hooks.replay(id);
      toast({ level: 'success', title: 'Replay queued', body: 'A new delivery runs through the current rules.' });
      void qc.invalidateQueries({ queryKey: hookKeys.all });
      onReplayed(r.delivery.id);
    } catch (err) {
      setError(errorFields(err).message);
    }
  }

  if (d.isError) return <ErrorNote error={d.error} retry={() => void d.refetch()} />;
  if (!d.data) return <p className="st-muted">Loading…</p>;
  const x = d.data;
  return (
    <div className="hk-detail st-form" data-testid="delivery-detail">
      <div className="st-item-head">
        <h3 className="st-wrap">Delivery {x.deliveryId}</h3>
        <span className={statusPill(x.status)}>{x.status}</span>
        {x.replayOf && <span className="st-hint">replay of {x.replayOf}</span>}
        <span className="spacer" />
        {powers.act && (
          <button type="button" onClick={() => setConfirm(true)}>
            Replay
          </button>
        )}
      </div>
      {x.error && <p className="st-error">{x.error}</p>}
      {error && (
        <p className="st-error" role="alert">
          {error}
        </p>
      )}
      <h4>What the rules did</h4>
      {x.results.length === 0 ? (
        <p className="st-muted">{x.status === 'queued' ? 'Not processed yet.' : 'No rule acted.'}</p>
      ) : (
        <ul className="st-list" data-testid="delivery-results">
          {x.results.map((r, i) => (
            <li key={`${r.ruleId}-${i}`} className="st-item">
              <div className="st-item-head">
                <strong>{r.ruleName}</strong>
                <span className="pill">{r.kind}</span>
                <span className={r.outcome === 'done' ? 'pill pill-ok' : r.outcome === 'failed' ? 'pill pill-down' : 'pill'}>{r.outcome}</span>
              </div>
              <p className="st-wrap hk-action">{r.detail}</p>
              <div className="sc-links">
                {resultLinks(r).map((l) => (
                  <Link key={l.href} href={l.href}>
                    {l.label}
                  </Link>
                ))}
              </div>
            </li>
          ))}
        </ul>
      )}
      <h4>Headers (secrets redacted)</h4>
      <dl className="tp-rendered hk-headers">
        {Object.entries(x.headers).map(([k, v]) => (
          <div key={k} className="hk-var">
            <dt>{k}</dt>
            <dd className="st-mono">{v}</dd>
          </div>
        ))}
      </dl>
      <h4>Payload</h4>
      <pre className="hk-pre" tabIndex={0} aria-label="Payload" data-testid="delivery-payload">
        {JSON.stringify(x.payload, null, 2)}
      </pre>
      <Modal open={confirm} onClose={() => setConfirm(false)} labelledBy="hk-replay-title" testId="replay-dialog">
        <div className="st-form">
          <h2 id="hk-replay-title">Replay this delivery?</h2>
          <p>It runs through the endpoint&apos;s current rules again as a new delivery: its actions act again (sessions, batches, messages, notifications).</p>
          <div className="st-actions">
            <button type="button" onClick={() => setConfirm(false)}>
              Cancel
            </button>
            <button type="button" className="primary" onClick={() => void replay()}>
              Replay
            </button>
          </div>
        </div>
      </Modal>
    </div>
  );
}

/** The endpoint's delivery log: newest first, live, a status filter, Load more; a row opens its detail. */
export function DeliveryLog({ endpoint }: { endpoint: HookEndpoint }) {
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  const [open, setOpen] = useState<string | null>(null);
  const log = useDeliveries(endpoint.id, status);
  const items = log.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="st-card st-form" aria-labelledby="hk-log-title" data-testid="delivery-log">
      <div className="st-item-head">
        <h2 id="hk-log-title">Delivery log</h2>
        <span className="spacer" />
        <label htmlFor="hk-log-status">Status</label>
        <select id="hk-log-status" value={status} onChange={(e) => setStatus(e.target.value as DeliveryStatus | '')}>
          <option value="">All</option>
          {DELIVERY_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      {log.isError && <ErrorNote error={log.error} retry={() => void log.refetch()} />}
      {log.data && items.length === 0 && <p className="st-muted">No delivery{status ? ` with status ${status}` : ''} yet.</p>}
      {items.length > 0 && (
        <ul className="st-list" aria-label="Deliveries">
          {items.map((d) => (
            <li key={d.id} className="st-item" data-testid="delivery-row" data-status={d.status}>
              <div className="st-item-head">
                <button type="button" className="ghost hk-open" aria-expanded={open === d.id} onClick={() => setOpen(open === d.id ? null : d.id)}>
                  <span className={statusPill(d.status)}>{d.status}</span> <strong className="st-wrap">{d.event ?? 'delivery'}</strong>
                </button>
                {d.replayOf && <span className="pill">replay</span>}
                <span className="spacer" />
                <time dateTime={d.receivedAt} title={dateTime(d.receivedAt)}>
                  {ago(d.receivedAt)}
                </time>
              </div>
              <p className="st-hint st-wrap">
                {d.matched.length ? `Matched: ${d.matched.join(', ')}` : 'No rule matched'} · received {dateTime(d.receivedAt)}
                {d.processedAt ? `, processed ${dateTime(d.processedAt)}` : ', not processed yet'}
              </p>
              {open === d.id && <DeliveryDetail id={d.id} onReplayed={() => setStatus('')} />}
            </li>
          ))}
        </ul>
      )}
      {log.hasNextPage && (
        <div className="st-actions">
          <button type="button" disabled={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
            {log.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </section>
  );
}
