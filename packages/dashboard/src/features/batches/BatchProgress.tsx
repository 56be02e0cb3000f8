import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Batch, BatchCounts, BatchItem } from '@autopilot/contracts';
import { Link } from '../../app/router';
import { useApi } from '../../lib/api';
import { errorsOf } from '../settings/settings-ui';
import { itemText, progressOf } from './batch-logic';
import { batchKeys, useBatchActions } from './data';
import './batches.css';

/** created / total as a bar (failed in red beside it), with role=progressbar for assistive technology. */
export function ProgressBar({ counts, compact, label }: { counts: BatchCounts; compact?: boolean; label: string }) {
  const p = progressOf(counts);
  return (
    <div className={`bt-progress${compact ? ' compact' : ''}`}>
      <div className="bt-bar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={p.total} aria-valuenow={p.created} aria-valuetext={p.label} data-testid="batch-progress">
        <span className="bt-bar-created" style={{ width: `${p.createdPct}%` }} />
        <span className="bt-bar-failed" style={{ width: `${p.failedPct}%` }} />
      </div>
      <span className="bt-progress-text" data-testid="batch-progress-text">
        {compact ? `${p.created} / ${p.total}${p.failed ? `, ${p.failed} failed` : ''}` : p.label}
      </span>
    </div>
  );
}

const STATE_CLASS: Record<BatchItem['state'], string> = { queued: '', dispatching: 'pill-degraded', created: 'pill-ok', failed: 'pill-down', cancelled: '' };

function ItemRow({ batchId, item }: { batchId: string; item: BatchItem }) {
  const api = useApi();
  const qc = useQueryClient();
  const retry = useMutation({
    mutationFn: () => api.dispatch.retry(item.intentId),
    onSuccess: () => void qc.invalidateQueries({ queryKey: batchKeys.one(batchId) }),
  });
  return (
    <li className={`bt-item ${item.state}`} data-testid="batch-item" data-state={item.state}>
      <span className="bt-item-n" aria-label={`Item ${item.index + 1}${item.row ? `, row ${item.row}` : ''}`}>
        {item.index + 1}
      </span>
      {/* Labels come from the user's list or Jules: text only. */}
      <span className="bt-item-label">{item.label}</span>
      <span className={`pill ${STATE_CLASS[item.state]}`}>{item.state}</span>
      <span className="bt-item-text">
        {item.state === 'created' && item.sessionId ? <Link href={`/sessions/${encodeURIComponent(item.sessionId)}`}>Open session</Link> : itemText(item)}
      </span>
      {item.state === 'failed' && (
        <span className="bt-item-actions">
          <button type="button" onClick={() => retry.mutate()} disabled={retry.isPending}>
            {retry.isPending ? 'Retrying…' : 'Retry'}
          </button>
          {retry.isError && <span className="st-field-error">{errorsOf(retry.error).message}</span>}
        </span>
      )}
    </li>
  );
}

/** A batch's progress bar, cancel and retry, and every item with its state (live through useBatch). */
export function BatchProgressView({ batch }: { batch: Batch }) {
  const { cancel, retry } = useBatchActions(batch.id);
  const p = progressOf(batch.counts);
  const actionError = cancel.error ?? retry.error;
  return (
    <div className="bt-view" data-testid="batch-view" data-batch-state={batch.state}>
      <ProgressBar counts={batch.counts} label={`Progress of ${batch.name}`} />
      <div className="st-actions start">
        <span className="pill">{batch.state}</span>
        {batch.state === 'running' && !p.settled && (
          <button type="button" className="danger" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
            {cancel.isPending ? 'Cancelling…' : 'Cancel batch'}
          </button>
        )}
        {batch.counts.failed > 0 && (
          <button type="button" onClick={() => retry.mutate()} disabled={retry.isPending}>
            {retry.isPending ? 'Retrying…' : `Retry ${batch.counts.failed} failed`}
          </button>
        )}
        {actionError ? (
          <span className="st-field-error" role="alert">
            {errorsOf(actionError).message}
          </span>
        ) : null}
      </div>
      <ol className="bt-items" aria-label="Items">
        {batch.items.map((i) => (
          <ItemRow key={i.intentId} batchId={batch.id} item={i} />
        ))}
      </ol>
    </div>
  );
}
