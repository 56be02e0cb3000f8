import { routes, type CreateBatchBody } from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.batches;

/** Batches: many sessions through the dispatcher, with a dry run, progress, cancel and retry. */
export function batchesApi(t: Transport) {
  const endpoint = endpoints(t);
  return {
    list: endpoint(r.list, (call) => (q: { state?: 'running' | 'done' | 'cancelled'; limit?: number; cursor?: string } = {}, signal?: AbortSignal) => call({ query: { ...q }, signal })),
    /** Dry run: the items and every problem, nothing stored. */
    preview: endpoint(r.preview, (call) => (body: CreateBatchBody, signal?: AbortSignal) => call({ body, signal })),
    create: endpoint(r.create, (call) => (body: CreateBatchBody) => call({ body })),
    get: endpoint(r.get, (call) => (id: string, signal?: AbortSignal) => call({ params: { id }, signal })),
    cancel: endpoint(r.cancel, (call) => (id: string) => call({ params: { id } })),
    retry: endpoint(r.retry, (call) => (id: string) => call({ params: { id } })),
  };
}
