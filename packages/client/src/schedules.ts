import { routes, type PageQuery, type RouteBody } from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.schedules;

/** Schedules (cron or interval in an IANA zone): CRUD, pause/resume, next runs and run history. */
export function schedulesApi(t: Transport) {
  const endpoint = endpoints(t);
  return {
    list: endpoint(r.list, (call) => (signal?: AbortSignal) => call({ signal })),
    get: endpoint(r.get, (call) => (id: string, signal?: AbortSignal) => call({ params: { id }, signal })),
    create: endpoint(r.create, (call) => (body: RouteBody<typeof r.create>) => call({ body })),
    update: endpoint(r.update, (call) => (id: string, body: RouteBody<typeof r.update>) => call({ params: { id }, body })),
    remove: endpoint(r.remove, (call) => (id: string) => call({ params: { id } })),
    pause: endpoint(r.pause, (call) => (id: string) => call({ params: { id } })),
    resume: endpoint(r.resume, (call) => (id: string) => call({ params: { id } })),
    /** The next `count` fire times (default 5), in UTC and in the schedule's zone. */
    next: endpoint(r.next, (call) => (id: string, count?: number, signal?: AbortSignal) => call({ params: { id }, query: count ? { count } : {}, signal })),
    runs: endpoint(r.runs, (call) => (id: string, page: Partial<PageQuery> = {}, signal?: AbortSignal) => call({ params: { id }, query: page, signal })),
  };
}
