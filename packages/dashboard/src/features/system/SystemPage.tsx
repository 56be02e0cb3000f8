import { useQuery } from '@tanstack/react-query';
import type { Health } from '@autopilot/contracts';
import { useApi } from '../../lib/api';
import { ago, duration, ms } from '../../lib/format';
import { ErrorNote } from '../../lib/ui';

function Status({ status }: { status: Health['status'] }) {
  return <span className={`pill pill-${status}`}>{status}</span>;
}

/** The Jules accounts sessions are mirrored from, with their last sync and error. */
function JulesAccounts() {
  const api = useApi();
  const q = useQuery({ queryKey: ['health', 'jules-accounts'], queryFn: ({ signal }) => api.sessions.accounts.list(signal), refetchInterval: 30_000 });
  if (!q.data || q.data.items.length === 0) return null;
  return (
    <>
      <h2>Jules accounts</h2>
      <div className="table-wrap">
        <table className="table" data-testid="jules-accounts">
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Origin</th>
              <th scope="col">Key</th>
              <th scope="col">Last sync</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {q.data.items.map((a) => (
              <tr key={a.id}>
                <th scope="row">{a.name}</th>
                <td>{a.origin}</td>
                <td className="mono">••••{a.keyLast4}</td>
                <td>{ago(a.lastSyncAt)}</td>
                <td className="error-text">{a.lastError ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** The health page: mode, every component with status and latency, every background loop, Jules accounts. */
export function SystemPage() {
  const api = useApi();
  const q = useQuery({ queryKey: ['health'], queryFn: ({ signal }) => api.health(signal), refetchInterval: 10_000 });
  if (q.isPending) return <p className="muted">Loading health…</p>;
  if (q.isError) return <ErrorNote error={q.error} retry={() => void q.refetch()} />;
  const h = q.data;
  return (
    <section className="system" data-testid="health">
      <div className="page-head">
        <h1>System</h1>
        <Status status={h.status} />
      </div>
      <dl className="facts">
        <div>
          <dt>Version</dt>
          <dd>{h.version}</dd>
        </div>
        <div>
          <dt>Uptime</dt>
          <dd>{duration(h.uptimeSeconds)}</dd>
        </div>
        <div>
          <dt>Instance</dt>
          <dd className="mono">{h.instanceId}</dd>
        </div>
        {Object.entries(h.mode).map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>

      <h2>Components</h2>
      <div className="table-wrap">
        <table className="table" data-testid="components">
          <thead>
            <tr>
              <th scope="col">Component</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Latency
              </th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {h.components.map((c) => (
              <tr key={c.name}>
                <th scope="row">{c.name}</th>
                <td>
                  <Status status={c.status} />
                </td>
                <td className="num">{ms(c.latencyMs)}</td>
                <td className="muted">{c.detail ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Background loops</h2>
      {h.loops.length === 0 ? (
        <p className="muted">No background loops are running.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="loops">
            <thead>
              <tr>
                <th scope="col">Loop</th>
                <th scope="col">State</th>
                <th scope="col">Last run</th>
                <th scope="col" className="num">
                  Ticks
                </th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {h.loops.map((l) => (
                <tr key={l.name}>
                  <th scope="row">{l.name}</th>
                  <td>{l.running ? <span className="pill pill-ok">running</span> : <span className="pill pill-down">stopped</span>}</td>
                  <td>{ago(l.lastRunAt)}</td>
                  <td className="num">{l.ticks}</td>
                  <td className="error-text">{l.lastError ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <JulesAccounts />
      <p className="muted">
        API reference: <a href="/api/docs">/api/docs</a> (OpenAPI document at <a href="/api/openapi.json">/api/openapi.json</a>).
      </p>
    </section>
  );
}
