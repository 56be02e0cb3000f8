import { useState } from 'react';
import type { Channel } from '@autopilot/contracts';
import { Link } from '../../app/router';
import { ago } from '../../lib/format';
import { ErrorNote } from '../../lib/ui';
import { AddChannelDialog } from './AddChannelDialog';
import { ChannelActions } from './ChannelActions';
import { useChannels } from './data';
import { channelState, filtersSummary, KIND_LABEL } from './logic';

/** Enabled, failing or disabled, as colour and words. */
export function StateBadge({ c }: { c: Pick<Channel, 'enabled' | 'disabledReason' | 'consecutiveFailures'> }) {
  const s = channelState(c);
  return <span className={`ch-tone ch-${s.tone}`}>{s.label}</span>;
}

function ChannelCard({ c, canTest, canManage }: { c: Channel; canTest: boolean; canManage: boolean }) {
  const s = channelState(c);
  return (
    <li className="st-item" data-testid="channel" data-id={c.id} data-kind={c.kind} data-enabled={c.enabled}>
      <div className="st-item-head">
        <span className={`ch-kind ch-kind-${c.kind}`}>{KIND_LABEL[c.kind]}</span>
        <strong className="st-grow">
          <Link href={`/channels/${encodeURIComponent(c.id)}`}>{c.name}</Link>
        </strong>
        <StateBadge c={c} />
      </div>
      {s.reason && (
        <p className="st-error small" role="note">
          Disabled: {s.reason}
        </p>
      )}
      <dl className="st-facts">
        <div>
          <dt>Target</dt>
          <dd className="st-mono">{c.target}</dd>
        </div>
        <div>
          <dt>Filters</dt>
          <dd>{filtersSummary(c.filters)}</dd>
        </div>
        <div>
          <dt>Delivered / failed / pending</dt>
          <dd>
            <span className="ch-ok-text">{c.delivered}</span> / <span className={c.failed ? 'ch-bad-text' : undefined}>{c.failed}</span> / <span>{c.pending}</span>
          </dd>
        </div>
        <div>
          <dt>Last delivery</dt>
          <dd>{ago(c.lastDeliveryAt)}</dd>
        </div>
      </dl>
      <ChannelActions c={c} canTest={canTest} canManage={canManage} />
    </li>
  );
}

/** Every outbound channel of the workspace, with the add dialog. */
export function ChannelList({ canTest, canManage }: { canTest: boolean; canManage: boolean }) {
  const q = useChannels();
  const [adding, setAdding] = useState(false);
  const items = q.data?.items ?? [];
  return (
    <section className="ch-page st-section" data-testid="channels-page">
      <div className="page-head">
        <h1>Channels</h1>
        <span className="spacer" />
        {canManage && (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            Add channel
          </button>
        )}
      </div>
      <p className="st-lead">Where events go out: Slack, signed webhooks to any URL, e-mail. Each channel gets the event types, severities and repositories its filters name.</p>
      {q.isError && <ErrorNote error={q.error} retry={() => void q.refetch()} />}
      {q.isPending && <p className="muted">Loading…</p>}
      {q.data && items.length === 0 && (
        <div className="st-card" data-testid="channels-empty">
          <p className="st-muted">No channel yet.{canManage ? ' Add one to get notifications in Slack, at your own endpoint, or by e-mail.' : ' An admin can add one.'}</p>
        </div>
      )}
      <ul className="st-list" aria-label="Channels">
        {items.map((c) => (
          <ChannelCard key={c.id} c={c} canTest={canTest} canManage={canManage} />
        ))}
      </ul>
      {canManage && <AddChannelDialog open={adding} onClose={() => setAdding(false)} />}
    </section>
  );
}
