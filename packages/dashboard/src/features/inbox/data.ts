import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { BulkNoticeBody, UpdateNoticeBody } from '@autopilot/contracts';
import { useApi } from '../../lib/api';
import { useToast } from '../../lib/toasts';
import { queryOf, type NoticeFilter } from './logic';

/** Query keys of the notification center; every one is under ['inbox'], which lib/events.tsx invalidates on inbox.* events. */
export const inboxKeys = {
  all: ['inbox'] as const,
  bell: ['inbox', 'bell'] as const,
  page: (f: NoticeFilter) => ['inbox', 'page', f] as const,
  recent: ['inbox', 'recent'] as const,
};

/** The bell's latest notices (the inbox view) with the workspace's unread count. */
export function useBellNotices(limit = 20) {
  const api = useApi();
  return useQuery({ queryKey: [...inboxKeys.bell, limit], queryFn: ({ signal }) => api.inbox.list({ view: 'inbox', limit }, signal), retry: false, staleTime: 30_000 });
}

/** The notifications page: the filtered list, one keyset page at a time ("Load more"). */
export function useNoticePages(f: NoticeFilter, limit = 50) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: inboxKeys.page(f),
    queryFn: ({ pageParam, signal }) => api.inbox.list({ ...queryOf(f), limit, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    retry: false,
  });
}

/** Everything of the last weeks (all views), for the chart: one page of up to 500. */
export function useRecentNotices() {
  const api = useApi();
  return useQuery({ queryKey: inboxKeys.recent, queryFn: ({ signal }) => api.inbox.list({ view: 'all', limit: 500 }, signal), retry: false, staleTime: 60_000 });
}

/** Changes to notifications (shared by the workspace): one at a time, or in bulk; the lists refetch after each. */
export function useNoticeActions() {
  const api = useApi();
  const qc = useQueryClient();
  const toast = useToast();
  const done = () => void qc.invalidateQueries({ queryKey: inboxKeys.all });
  const failed = (err: Error) => toast({ title: 'Could not change the notification', body: err.message, level: 'error' });
  const one = useMutation({ mutationFn: (v: { id: string } & UpdateNoticeBody) => api.inbox.update(v.id, { read: v.read, dismissed: v.dismissed, snoozedUntil: v.snoozedUntil }), onSuccess: done, onError: failed });
  const bulk = useMutation({ mutationFn: (b: BulkNoticeBody) => api.inbox.bulk(b), onSuccess: done, onError: failed });
  return { one, bulk, busy: one.isPending || bulk.isPending };
}
