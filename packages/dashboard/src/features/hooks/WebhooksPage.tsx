import { useState } from 'react';
import type { HookEndpoint, HookEndpointSaved } from '@autopilot/contracts';
import { Link } from '../../app/router';
import { ago } from '../../lib/format';
import { ErrorNote } from '../../lib/ui';
import '../settings/settings-pages.css';
import '../templates/templates.css';
import { CreateEndpointDialog } from './CreateEndpointDialog';
import { useEndpoint, useEndpoints, usePowers } from './data';
import { payloadUrl } from './delivery-logic';
import { DeliveryLog } from './DeliveryLog';
import { EndpointSettings } from './EndpointSettings';
import { PRESET_LABELS } from './presets';
import { RulesWorkbench } from './RulesWorkbench';
import { CopyButton, SecretOnce } from './SecretOnce';
import './hooks.css';

function Row({ e }: { e: HookEndpoint }) {
  return (
    <li className="st-item" data-testid="hook-row">
      <div className="st-item-head">
        <Link href={`/webhooks/${encodeURIComponent(e.id)}`}>
          <strong>{e.name}</strong>
        </Link>
        <span className="pill">{PRESET_LABELS[e.preset]}</span>
        <span className={e.enabled ? 'pill pill-ok' : 'pill pill-degraded'}>{e.enabled ? 'enabled' : 'disabled'}</span>
      </div>
      <div className="hk-url">
        <code className="st-mono">{payloadUrl(e.url, window.location.origin)}</code>
        <CopyButton text={payloadUrl(e.url, window.location.origin)} label="Copy URL" />
      </div>
      <dl className="st-facts">
        <div>
          <dt>Deliveries</dt>
          <dd>{e.deliveries}</dd>
        </div>
        <div>
          <dt>Rejected</dt>
          <dd className={e.rejected ? 'hk-bad' : undefined}>{e.rejected}</dd>
        </div>
        <div>
          <dt>Last delivery</dt>
          <dd>{e.lastDeliveryAt ? <time dateTime={e.lastDeliveryAt}>{ago(e.lastDeliveryAt)}</time> : <span className="st-muted">none yet</span>}</dd>
        </div>
        <div>
          <dt>Rules</dt>
          <dd>
            {e.rules.length} ({e.mode === 'first' ? 'first match' : 'every match'})
          </dd>
        </div>
      </dl>
    </li>
  );
}

function EndpointList() {
  const list = useEndpoints();
  const powers = usePowers();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<HookEndpointSaved | null>(null);
  const items = list.data?.items ?? [];
  return (
    <section className="st-section">
      <div className="page-head">
        <h1>Webhooks</h1>
        <span className="spacer" />
        {powers.edit && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New endpoint
          </button>
        )}
      </div>
      <p className="st-lead">Endpoints other tools post to (Slack, Linear, Jira, GitHub, anything that signs Standard Webhooks). Each checks its sender&apos;s signature, logs the delivery and runs its rules: launch a template or a session, run a batch, message a session, notify.</p>
      {list.isError && <ErrorNote error={list.error} retry={() => void list.refetch()} />}
      {list.isLoading && <p className="st-muted">Loading…</p>}
      {list.data && items.length === 0 && <p className="st-note">No endpoint yet{powers.edit ? ': add one with New endpoint.' : '.'}</p>}
      {items.length > 0 && (
        <ul className="st-list" aria-label="Webhook endpoints">
          {items.map((e) => (
            <Row key={e.id} e={e} />
          ))}
        </ul>
      )}
      {powers.edit && <CreateEndpointDialog open={creating} onClose={() => setCreating(false)} onCreated={setCreated} />}
      <SecretOnce saved={created} onClose={() => setCreated(null)} />
    </section>
  );
}

function EndpointPage({ id }: { id: string }) {
  const ep = useEndpoint(id);
  return (
    <section className="st-section hk-page">
      <div className="page-head">
        <Link href="/webhooks">← Webhooks</Link>
        <h1 className="st-wrap">{ep.data?.name ?? 'Endpoint'}</h1>
      </div>
      {ep.isError && <ErrorNote error={ep.error} retry={() => void ep.refetch()} />}
      {ep.isLoading && <p className="st-muted">Loading…</p>}
      {ep.data && (
        <>
          <EndpointSettings endpoint={ep.data} />
          {/* Drafts restart only when the saved rules change (a live delivery refetches the endpoint too). */}
          <RulesWorkbench key={JSON.stringify(ep.data.rules)} endpoint={ep.data} />
          <DeliveryLog endpoint={ep.data} />
        </>
      )}
    </section>
  );
}

/** Webhooks: the endpoints, or one endpoint (settings, rules editor with its test pane, delivery log). */
export function WebhooksPage({ id }: { id?: string }) {
  return id ? <EndpointPage id={id} /> : <EndpointList />;
}
