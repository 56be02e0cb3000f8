import type { Batch, BatchCounts, BatchItem, BatchSummary, DispatchIntent } from '@autopilot/contracts';
import type { BatchesTable, BatchItemsTable } from '../../platform/db/schema';

/**
 * A batch as the API shows it. Nothing about progress is stored on the batch: its items are dispatch intents, and
 * the counts, the state and the last change are read from them each time, so they cannot drift apart.
 */

export function countsOf(intents: readonly DispatchIntent[]): BatchCounts {
  const c: BatchCounts = { total: intents.length, queued: 0, dispatching: 0, created: 0, failed: 0, cancelled: 0 };
  for (const i of intents) c[i.state] += 1;
  return c;
}

/** running while an item may still be sent; cancelled when a person cancelled items before they were sent. */
export function stateOf(row: Pick<BatchesTable, 'cancelled_at'>, c: BatchCounts): Batch['state'] {
  if (c.queued + c.dispatching > 0) return 'running';
  return row.cancelled_at !== null && c.cancelled > 0 ? 'cancelled' : 'done';
}

const latest = (a: string, b: string) => (b > a ? b : a);

export function summaryOf(row: BatchesTable, intents: readonly DispatchIntent[]): BatchSummary {
  const counts = countsOf(intents);
  return {
    id: row.id,
    name: row.name,
    state: stateOf(row, counts),
    accountId: row.account_id,
    origin: { kind: row.origin_kind as BatchSummary['origin']['kind'], id: row.origin_id },
    templateId: row.template_id,
    idempotencyKey: row.idempotency_key,
    counts,
    createdAt: row.created_at,
    updatedAt: intents.reduce((at, i) => latest(at, i.updatedAt), row.updated_at),
  };
}

/**
 * The batch with its items in order. An item whose intent is gone (its Jules account was removed, which removes
 * the account's intents) is left out rather than shown with a made-up state.
 */
export function batchOf(row: BatchesTable, items: readonly BatchItemsTable[], intents: readonly DispatchIntent[]): Batch {
  const byId = new Map(intents.map((i) => [i.id, i]));
  const shown: BatchItem[] = [];
  for (const it of items) {
    const intent = byId.get(it.intent_id);
    if (!intent) continue;
    shown.push({
      index: Number(it.idx),
      row: it.row === null ? null : Number(it.row),
      label: it.label,
      intentId: intent.id,
      state: intent.state,
      request: intent.request,
      sessionId: intent.sessionId,
      error: intent.error,
      position: intent.state === 'queued' ? intent.position : null,
      eta: intent.state === 'queued' ? intent.eta : null,
      waitingFor: intent.state === 'queued' ? intent.waitingFor : null,
    });
  }
  return { ...summaryOf(row, intents), items: shown };
}
