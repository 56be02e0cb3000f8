import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError } from '@autopilot/client';
import type { AuditCheckpoint, AuditVerifyResult } from '@autopilot/contracts';
import { useApi } from '../../lib/api';
import { ErrorNote } from '../../lib/ui';
import { entries, reasonWords } from './logic';

const checkpointsKey = ['audit', 'checkpoints'] as const;

/** What went wrong with a call made by a button (the message the server gave, or the network's). */
const failure = (err: unknown) => (err instanceof ApiError || err instanceof Error ? err.message : String(err));

function VerifyResult({ r }: { r: AuditVerifyResult }) {
  if (r.ok)
    return (
      <div className="audit-result ok" role="status" data-testid="verify-result" data-ok="true">
        <strong>✓ OK</strong> — the chain holds {entries(r.size)}
        {r.firstSeq > 0 && ` (from #${r.firstSeq}; older ones removed by retention)`}; {entries(r.checked)} recomputed, every link intact;{' '}
        {r.checkpointsChecked === 1 ? '1 signed checkpoint matches' : `${r.checkpointsChecked} signed checkpoints match`}.
        {r.headHash && (
          <div className="small">
            Head hash: <span className="audit-hash">{r.headHash}</span>
          </div>
        )}
      </div>
    );
  return (
    <div className="audit-result bad" role="alert" data-testid="verify-result" data-ok="false" data-reason={r.reason ?? ''}>
      <strong>✗ The chain is broken</strong>
      {r.firstBadSeq !== null ? (
        <div>
          First bad entry: <strong data-testid="verify-first-bad">#{r.firstBadSeq}</strong>
        </div>
      ) : (
        <div>No single entry is to blame: a stored checkpoint is wrong.</div>
      )}
      <div data-testid="verify-reason">{reasonWords(r.reason)}</div>
      {r.message && (
        <div className="small" data-testid="verify-message">
          Server’s words: {r.message}
        </div>
      )}
      <div className="small">
        {entries(r.checked)} checked before the break. Entries from the first bad one on cannot be trusted; compare with an exported checkpoint.
      </div>
    </div>
  );
}

/** "Verify" recomputes the whole chain on the server; the answer is shown as it is: OK with the counts, or the first bad entry and why. */
export function VerifyPanel() {
  const api = useApi();
  const verify = useMutation({ mutationFn: () => api.audit.verify() });
  return (
    <div className="card audit-verify" data-testid="audit-verify">
      <div className="audit-verify-head">
        <h2>Chain check</h2>
        <span className="spacer" />
        <button type="button" className="primary" onClick={() => verify.mutate()} disabled={verify.isPending}>
          {verify.isPending ? 'Verifying…' : 'Verify'}
        </button>
      </div>
      {verify.isError && (
        <p className="error-text" role="alert" style={{ margin: 0 }}>
          Could not verify: {failure(verify.error)}
        </p>
      )}
      {!verify.data && !verify.isError && (
        <p className="muted small" style={{ margin: 0 }}>
          Not checked yet in this visit.
        </p>
      )}
      {verify.data && !verify.isPending && <VerifyResult r={verify.data} />}
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

/**
 * Signed checkpoints (size + head hash + ed25519 signature), newest first: admins make one now; any can be downloaded
 * as JSON to keep elsewhere (`autopilot audit verify --checkpoint FILE`).
 */
export function Checkpoints({ canCheckpoint }: { canCheckpoint: boolean }) {
  const api = useApi();
  const qc = useQueryClient();
  const list = useQuery({ queryKey: checkpointsKey, queryFn: ({ signal }) => api.audit.checkpoints(signal), retry: false });
  const make = useMutation({ mutationFn: () => api.audit.checkpoint(), onSuccess: () => void qc.invalidateQueries({ queryKey: checkpointsKey }) });
  const items = list.data?.items ?? [];
  return (
    <section aria-labelledby="audit-cp-title" className="audit-page" data-testid="audit-checkpoints">
      <div className="page-head" style={{ marginBottom: 0 }}>
        <h2 id="audit-cp-title" style={{ margin: 0 }}>
          Checkpoints
        </h2>
        <span className="spacer" />
        {canCheckpoint && (
          <button type="button" onClick={() => make.mutate()} disabled={make.isPending}>
            {make.isPending ? 'Signing…' : 'Checkpoint now'}
          </button>
        )}
      </div>
      <p className="muted small" style={{ margin: 0 }}>
        A checkpoint is the chain’s size and head hash, signed by this server. Keep copies outside: a truncated or rewritten chain no longer matches them.
      </p>
      {make.isError && (
        <p className="error-text" role="alert" style={{ margin: 0 }}>
          No checkpoint made: {failure(make.error)}
        </p>
      )}
      {list.isError ? (
        <ErrorNote error={list.error} retry={() => void list.refetch()} />
      ) : !list.data ? (
        <p className="muted">Loading checkpoints…</p>
      ) : items.length === 0 ? (
        <p className="muted" data-testid="audit-no-checkpoint">
          No checkpoint yet.
        </p>
      ) : (
        <ul className="audit-checkpoints">
          {items.map((cp) => (
            <li key={`${cp.size}-${cp.at}`} data-testid="audit-checkpoint" data-size={cp.size}>
              <strong>{entries(cp.size)}</strong>
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
