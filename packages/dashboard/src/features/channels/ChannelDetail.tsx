import { useState } from 'react';
import type { ChannelDelivery } from '@autopilot/contracts';

type DeliverySummary = Omit<ChannelDelivery, 'payload' | 'attemptLog'>;
import { Link } from '../../app/router';
import { ago } from '../../lib/format';
import { ErrorNote } from '../../lib/ui';
import { dateTime } from '../settings/settings-ui';
import { ChannelActions } from './ChannelActions';
import { StateBadge } from './ChannelList';
import { useChannel, useChannelActions, useDeliveries, useDelivery } from './data';
import { attemptSummary, channelState, DELIVERY_TONE, filtersSummary, KIND_LABEL } from './logic';

const STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;

function Attempts({ id }: { id: string }) {
  const q = useDelivery(id, true);
  if (q.isError) return <ErrorNote error={q.error} retry={() => void q.refetch()} />;
  if (!q.data) return <p className="muted small">Loading attempts…</p>;
  if (!q.data.attemptLog.length) return <p className="muted small">No attempt yet.</p>;
  return (
    <ol className="ch-attempts" aria-label="Attempts" data-testid="attempts">
      {q.data.attemptLog.map((a) => (
        <li key={a.n} className={a.ok ? 'ch-attempt-ok' : 'ch-attempt-bad'}>
          <span className="ch-attempt-n">#{a.n}</span> <time dateTime={a.at}>{dateTime(a.at)}</time> · {attemptSummary(a)}
          {a.manual && <span className="pill ch-manual">manual</span>}
        </li>
      ))}
    </ol>
  );
}

function DeliveryRow({ d, canRetry }: { d: DeliverySummary; canRetry: boolean }) {
  const [open, setOpen] = useState(false);
  const { retry } = useChannelActions();
  const panel = `ch-attempts-${d.id}`;
  return (
    <li className="ch-delivery" data-testid="delivery" data-id={d.id} data-status={d.status}>
      <div className="ch-delivery-head">
        <span className={`ch-tone ch-${DELIVERY_TONE[d.status]}`}>{d.status}</span>
        <span className="st-mono ch-etype">{d.eventType}</span>
        <span className="muted small">
          {d.attempts} attempt{d.attempts === 1 ? '' : 's'} · {ago(d.createdAt)}
        </span>
        <span className="spacer" />
        <button type="button" className="ch-small" aria-expanded={open} aria-controls={panel} onClick={() => setOpen((o) => !o)}>
          {open ? 'Hide attempts' : 'Attempts'}
        </button>
        {canRetry && (d.status === 'failed' || d.status === 'pending') && (
          <button type="button" className="ch-small" disabled={retry.isPending} onClick={() => retry.mutate(d.id)} aria-label={`Retry delivery ${d.id}`}>
            {retry.isPending ? 'Retrying…' : 'Retry'}
          </button>
        )}
      </div>
      {d.status === 'pending' && d.nextAttemptAt && <p className="small muted ch-line">Next attempt {dateTime(d.nextAttemptAt)}</p>}
      {d.lastError && <p className="small ch-bad-text ch-line">Last error: {d.lastError}</p>}
      <p className="small muted ch-line">
        webhook-id <span className="st-mono">{d.id}</span>
        {d.deliveredAt && <> · delivered {dateTime(d.deliveredAt)}</>}
      </p>
      {open && (
        <div id={panel}>
          <Attempts id={d.id} />
        </div>
      )}
    </li>
  );
}

/** One channel: what it is, its actions, and its deliveries with every attempt. */
export function ChannelDetail({ id, canTest, canManage }: { id: string; canTest: boolean; canManage: boolean }) {
  const q = useChannel(id);
  const [status, setStatus] = useState<(typeof STATUSES)[number] | ''>('');
  const deliveries = useDeliveries(id, status);
  const items = deliveries.data?.pages.flatMap((p) => p.items) ?? [];
  if (q.isError) return <ErrorNote error={q.error} retry={() => void q.refetch()} />;
  const c = q.data;
  return (
    <section className="ch-page st-section" data-testid="channel-detail">
      <p className="small">
        <Link href="/channels">← Channels</Link>
      </p>
      {!c ? (
        <p className="muted">Loading…</p>
      ) : (
        <div className="st-card st-form">
          <div className="st-item-head">
            <span className={`ch-kind ch-kind-${c.kind}`}>{KIND_LABEL[c.kind]}</span>
            <h1 className="st-grow ch-title">{c.name}</h1>
            <StateBadge c={c} />
          </div>
          {channelState(c).reason && <p className="st-error small">Disabled: {channelState(c).reason}</p>}
          <dl className="st-facts">
            <div>
              <dt>Target</dt>
              <dd className="st-mono">{c.target}</dd>
            </div>
            <div>
              <dt>Filters</dt>
              <dd>{filtersSummary(c.filters)}</dd>
            </div>
            {c.secretLast4 && (
              <div>
                <dt>Signing secret</dt>
                <dd className="st-mono">…{c.secretLast4}</dd>
              </div>
            )}
            <div>
              <dt>Delivered / failed / pending</dt>
              <dd>
                {c.delivered} / {c.failed} / {c.pending}
              </dd>
            </div>
            <div>
              <dt>Last delivery</dt>
              <dd>{ago(c.lastDeliveryAt)}</dd>
            </div>
          </dl>
          <ChannelActions c={c} canTest={canTest} canManage={canManage} afterDelete="/channels" />
        </div>
      )}
      <div className="page-head ch-deliveries-head">
        <h2>Deliveries</h2>
        <label htmlFor="ch-status" className="small">
          Status
        </label>
        <select id="ch-status" value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
          <option value="">Any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      {deliveries.isError && <ErrorNote error={deliveries.error} retry={() => void deliveries.refetch()} />}
      {deliveries.data && items.length === 0 && <p className="muted">No delivery{status ? ` ${status}` : ''} yet. A test or a matching event makes one.</p>}
      <ul className="ch-deliveries" aria-label="Deliveries">
        {items.map((d) => (
          <DeliveryRow key={d.id} d={d} canRetry={canTest} />
        ))}
      </ul>
      {deliveries.hasNextPage && (
        <button type="button" onClick={() => void deliveries.fetchNextPage()} disabled={deliveries.isFetchingNextPage}>
          {deliveries.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}
