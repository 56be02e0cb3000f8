import { routes, type AuditListQuery } from '@autopilot/contracts';
import { errorFromResponse } from './errors';
import { withQuery, type Transport } from './http';
import { endpoints, type Endpoint } from './route';

const r = routes.audit;

export type AuditFilter = Partial<Pick<AuditListQuery, 'actor' | 'action' | 'target' | 'from' | 'to' | 'order' | 'limit' | 'cursor'>>;

/** Client methods of routes.audit (issue #16): entries, verification, checkpoints, the NDJSON export. */
export function auditApi(t: Transport) {
  const endpoint = endpoints(t);
  const raw = <R, F>(route: R, f: F): Endpoint<R, F> => Object.assign(f as object, { route }) as Endpoint<R, F>;
  async function exportResponse(opts: { fromSeq?: number; signal?: AbortSignal }): Promise<Response> {
    const res = await t.send(withQuery(r.export.path, { fromSeq: opts.fromSeq }), { method: 'GET', headers: t.headers({ accept: 'application/x-ndjson' }), signal: opts.signal });
    if (!res.ok) throw await errorFromResponse(res);
    return res;
  }
  return {
    list: endpoint(r.list, (call) => (q: AuditFilter = {}, signal?: AbortSignal) => call({ query: { ...q }, signal })),
    /** Recomputes the whole chain on the server and checks the stored checkpoints: {ok, firstBadSeq, reason}. */
    verify: endpoint(r.verify, (call) => (signal?: AbortSignal) => call({ signal })),
    checkpoints: endpoint(r.checkpoints, (call) => (signal?: AbortSignal) => call({ signal })),
    /** Signs a checkpoint now (and exports it to the configured directory / URL). */
    checkpoint: endpoint(r.checkpoint, (call) => () => call({})),
    /** The chain as an NDJSON byte stream (header line, then one entry per line). */
    exportStream: raw(r.export, async (opts: { fromSeq?: number; signal?: AbortSignal } = {}) => (await exportResponse(opts)).body!),
    /** The whole export as text (small chains, tests). */
    exportText: async (opts: { fromSeq?: number; signal?: AbortSignal } = {}) => (await exportResponse(opts)).text(),
  };
}
