import { routes, type ExportTableName, type ImportResult } from '@autopilot/contracts';
import { errorFromResponse } from './errors';
import { withQuery, type Transport } from './http';
import { endpoints, type Endpoint } from './route';

const r = routes.transfer;

/** What an export call takes: tables (omitted = the defaults) and a passphrase (seals every secret; omitted = left out). */
export interface ExportOptions {
  tables?: readonly ExportTableName[];
  passphrase?: string;
  signal?: AbortSignal;
}

/** Client methods of routes.transfer: the catalog (JSON), the export (the raw NDJSON stream), the import (a file's text or bytes). */
export function transferApi(t: Transport) {
  const endpoint = endpoints(t);
  const raw = <R, F>(route: R, f: F): Endpoint<R, F> => Object.assign(f as object, { route }) as Endpoint<R, F>;
  async function exportResponse(opts: ExportOptions): Promise<Response> {
    const res = opts.passphrase
      ? await t.send(r.exportSealed.path, {
          method: 'POST',
          headers: t.headers({ accept: 'application/x-ndjson', 'content-type': 'application/json' }),
          body: JSON.stringify({ ...(opts.tables ? { tables: opts.tables } : {}), passphrase: opts.passphrase }),
          signal: opts.signal,
        })
      : await t.send(withQuery(r.exportPlain.path, { tables: opts.tables?.join(',') }), { method: 'GET', headers: t.headers({ accept: 'application/x-ndjson' }), signal: opts.signal });
    if (!res.ok) throw await errorFromResponse(res);
    return res;
  }
  return {
    tables: endpoint(r.tables, (call) => () => call({})),
    /** The export as a stream of bytes (`Response.body`): pipe it to a file. */
    exportStream: raw(r.exportPlain, async (opts: Omit<ExportOptions, 'passphrase'> = {}) => (await exportResponse(opts)).body!),
    /** A sealed export as a stream of bytes. */
    exportSealedStream: raw(r.exportSealed, async (opts: ExportOptions & { passphrase: string }) => (await exportResponse(opts)).body!),
    /** The whole export as text (small workspaces, tests). */
    exportText: async (opts: ExportOptions = {}) => (await exportResponse(opts)).text(),
    /** Imports an export file; `dryRun` validates only. A problem is an ApiError whose issues name the lines. */
    import: raw(r.import, async (file: string | Uint8Array | ReadableStream<Uint8Array>, opts: { passphrase?: string; dryRun?: boolean; signal?: AbortSignal } = {}): Promise<ImportResult> => {
      const res = await t.send(withQuery(r.import.path, { dryRun: opts.dryRun ? 'true' : undefined }), {
        method: 'POST',
        headers: t.headers({ 'content-type': 'application/x-ndjson', ...(opts.passphrase ? { 'x-autopilot-passphrase': opts.passphrase } : {}) }),
        body: file as BodyInit,
        signal: opts.signal,
        ...(file instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit);
      if (!res.ok) throw await errorFromResponse(res);
      return (await res.json()) as ImportResult;
    }),
  };
}
