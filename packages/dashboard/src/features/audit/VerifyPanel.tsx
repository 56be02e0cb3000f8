import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../lib/api';
import { ErrorNote } from '../../lib/ui';
import type { AuditCheckpoint } from './types';
import { auditCalls } from './data';

const checkpointsKey = ['audit', 'checkpoints'] as const;

/** "Verify" recomputes the whole chain on the server; the answer is shown as it is: OK with the size and head, or the first bad entry. */
export function VerifyPanel() {
  const api = useApi();
  const verify = useMutation({ mutationFn: () => auditCalls(api).verify() });
  const r = verify.data;
  return (
    <div className="card audit-verify" data-testid="audit-verify">
      <div className="audit-verify-head">
        <h2>Chain check</h2>
        <span className="spacer" />
        <button type="button" className="primary" onClick={() => verify.mutate()} disabled={verify.isPending}>
          {verify.isPending ? 'Verifying…' : 'Verify'}
        </button>
      </div>
      {verify.isError && <ErrorNote error={verify.error} />}
      {!r && !verify.isError && <p className="muted small" style={{ margin: 0 }}>Not checked yet in this visit.</p>}
      {r &&
        (r.ok ? (
          <div className="audit-result ok" role="status" data-testid="verify-result" data-ok="true">
            <strong>✓ OK</strong> — {r.size} entr{r.size === 1 ? 'y' : 'ies'}, every link intact.
            {r.headHash && (
              <div>
                Head hash: <span className="audit-hash">{r.headHash}</span>
              </div>
            )}
          </div>
        ) : (
          <div className="audit-result bad" role="alert" data-testid="verify-result" data-ok="false">
            <strong>✗ The chain is broken</strong>
            {r.firstBadSeq !== null && (
              <div>
                First bad entry: <strong data-testid="verify-first-bad">#{r.firstBadSeq}</strong>
              </div>
            )}
            {r.reason && <div>Why: {r.reason}</div>}
            <div className="small">
              {r.size} entr{r.size === 1 ? 'y' : 'ies'} checked. Entries from the first bad one on cannot be trusted; compare with an exported checkpoint.
            </div>
          </div>
        ))}
    </div>
  );
}

function download(cp: AuditCheckpoint) {
  const blob = new Blob([`${JSON.stringify(cp, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `audit-checkpoint-${cp.size}.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Signed checkpoints (size + head hash + ed25519 signature): make one now, download any as JSON to keep elsewhere. */
export function Checkpoints() {
  const api = useApi();
  const qc = useQueryClient();
  const list = useQuery({ queryKey: checkpointsKey, queryFn: ({ signal }) => auditCalls(api).checkpoints(signal), retry: false });
  const make = useMutation({ mutationFn: () => auditCalls(api).checkpoint(), onSuccess: () => void qc.invalidateQueries({ queryKey: checkpointsKey }) });
  const items = list.data?.items ?? [];
  return (
    <section aria-labelledby="audit-cp-title" className="audit-page" data-testid="audit-checkpoints">
      <div className="page-head" style={{ marginBottom: 0 }}>
        <h2 id="audit-cp-title" style={{ margin: 0 }}>
          Checkpoints
        </h2>
        <span className="spacer" />
        <button type="button" onClick={() => make.mutate()} disabled={make.isPending}>
          {make.isPending ? 'Signing…' : 'Make checkpoint now'}
        </button>
      </div>
      <p className="muted small" style={{ margin: 0 }}>
        A checkpoint is the chain’s size and head hash, signed by this server. Keep copies outside: a truncated or rewritten chain no longer matches them.
      </p>
      {make.isError && <ErrorNote error={make.error} />}
      {list.isError ? (
        <ErrorNote error={list.error} retry={() => void list.refetch()} />
      ) : !list.data ? (
        <p className="muted">Loading checkpoints…</p>
      ) : items.length === 0 ? (
        <p className="muted">No checkpoint yet.</p>
      ) : (
        <ul className="audit-checkpoints">
          {items.map((cp) => (
            <li key={`${cp.size}-${cp.at}`} data-testid="audit-checkpoint">
              <strong>{cp.size} entries</strong>
              <span className="muted small">{new Date(cp.at).toLocaleString()}</span>
              <span className="audit-hash" title="Head hash">
                {cp.headHash}
              </span>
              <button type="button" onClick={() => download(cp)}>
                Download JSON
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
