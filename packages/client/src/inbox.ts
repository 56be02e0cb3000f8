import { routes, type BulkNoticeBody, type NoticeQuery, type UpdateNoticeBody } from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.inbox;

/** The notification center: list, counts, read / dismiss / snooze, bulk changes. */
export function inboxApi(t: Transport) {
  const endpoint = endpoints(t);
  return {
    list: endpoint(r.list, (call) => (q: Partial<Omit<NoticeQuery, 'limit'>> & { limit?: number } = {}, signal?: AbortSignal) => call({ query: { ...q }, signal })),
    counts: endpoint(r.counts, (call) => (signal?: AbortSignal) => call({ signal })),
    get: endpoint(r.get, (call) => (id: string, signal?: AbortSignal) => call({ params: { id }, signal })),
    update: endpoint(r.update, (call) => (id: string, body: UpdateNoticeBody) => call({ params: { id }, body })),
    bulk: endpoint(r.bulk, (call) => (body: BulkNoticeBody) => call({ body })),
  };
}
