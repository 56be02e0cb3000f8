import { useEffect, useMemo } from 'react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { Batch } from '@autopilot/contracts';
import { useApi } from '../../lib/api';
import { useLiveEvent } from '../../lib/events';
import { throttle } from '../dispatch/quota-logic';
import { applyProgress, patchBatchLists as patchLists } from './batch-logic';

export type BatchStateFilter = '' | 'running' | 'done' | 'cancelled';

export const batchKeys = {
  all: ['batches'] as const,
  list: (state: BatchStateFilter) => ['batches', 'list', state || 'all'] as const,
  one: (id: string) => ['batches', 'one', id] as const,
};

/** A refetch at most this often while a batch's events arrive (its counts move at once from the event itself). */
const ITEMS_THROTTLE_MS = 700;
/** Without events (a dropped stream), a running batch is read again this often. */
const RUNNING_POLL_MS = 10_000;

/**
 * One batch with every item, live: a `batch.progress` event moves its counts at once, and it and the batch's
 * `dispatch.updated` events (an item's place in line, its session, its error) refetch the items, throttled.
 */
export function useBatch(id: string | null, initial?: Batch) {
  const api = useApi();
  const qc = useQueryClient();
  const query = useQuery({
    queryKey: batchKeys.one(id ?? ''),
    queryFn: ({ signal }) => api.batches.get(id!, signal),
    enabled: id !== null,
    initialData: initial && initial.id === id ? initial : undefined,
    refetchInterval: (q) => (q.state.data?.state === 'running' ? RUNNING_POLL_MS : false),
  });
  const refetch = useMemo(() => throttle(() => void qc.invalidateQueries({ queryKey: batchKeys.one(id ?? '') }), ITEMS_THROTTLE_MS), [qc, id]);
  useEffect(() => () => refetch.cancel(), [refetch]);
  useLiveEvent((e) => {
    if (!id) return;
    if (e.type === 'batch.progress' && e.data.id === id) {
      qc.setQueryData<Batch>(batchKeys.one(id), (old) => (old ? applyProgress(old, e.data) : old));
      refetch.call();
    } else if (e.type === 'dispatch.updated' && e.data.origin.kind === 'batch' && e.data.origin.id === id) refetch.call();
  });
  return query;
}

/** Batches newest first (optionally of one state), in pages; counts follow `batch.progress` live. */
export function useBatches(state: BatchStateFilter) {
  const api = useApi();
  const qc = useQueryClient();
  const query = useInfiniteQuery({
    queryKey: batchKeys.list(state),
    queryFn: ({ pageParam, signal }) => api.batches.list({ ...(state && { state }), limit: 50, ...(pageParam && { cursor: pageParam }) }, signal),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  // A batch not on the loaded pages (new, or its state left the filter) needs the list read again.
  const refetch = useMemo(() => throttle(() => void qc.invalidateQueries({ queryKey: batchKeys.list(state) }), 2_000), [qc, state]);
  useEffect(() => () => refetch.cancel(), [refetch]);
  useLiveEvent((e) => {
    if (e.type !== 'batch.progress') return;
    const shown = query.data?.pages.some((p) => p.items.some((b) => b.id === e.data.id));
    if (shown && (!state || state === e.data.state)) {
      const { id, state: s, ...counts } = e.data;
      patchLists(qc, { id, state: s, counts });
    } else refetch.call();
  });
  return query;
}

/** Cancel and retry of a batch: the answer is the batch as it is now, put straight into the caches. */
export function useBatchActions(id: string) {
  const api = useApi();
  const qc = useQueryClient();
  const done = (b: Batch) => {
    qc.setQueryData(batchKeys.one(b.id), b);
    patchLists(qc, b);
  };
  const cancel = useMutation({ mutationFn: () => api.batches.cancel(id), onSuccess: done });
  const retry = useMutation({ mutationFn: () => api.batches.retry(id), onSuccess: done });
  return { cancel, retry };
}

/** Stores a batch just started, so its page and the list show it without waiting for a read. */
export function rememberBatch(qc: QueryClient, b: Batch) {
  qc.setQueryData(batchKeys.one(b.id), b);
  void qc.invalidateQueries({ queryKey: ['batches', 'list'] });
}
