import { routes } from '@autopilot/contracts';
import { stream } from 'hono/streaming';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { TransferService } from './transfer.service';
import { PASSPHRASE_HEADER } from './transfer.validate';

const r = routes.transfer;

/** /api/export (admins and owners), /api/import (owners), /api/export/tables. */
export function registerTransferRoutes(app: ApiApp, deps: { service: TransferService }) {
  const { service } = deps;
  const respond = (c: Parameters<Parameters<ApiApp['openapi']>[1]>[0], lines: AsyncGenerator<string>, name: string) => {
    c.header('content-type', 'application/x-ndjson; charset=utf-8');
    c.header('content-disposition', `attachment; filename="${name}"`);
    c.header('cache-control', 'no-store');
    return stream(c, async (s) => {
      s.onAbort(() => void lines.return(undefined));
      // A failure mid-way ends the stream without its trailer: an import of the cut file is refused.
      for await (const chunk of lines) await s.write(chunk);
    });
  };
  const fileName = () => `autopilot-export-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.ndjson`;

  app.openapi(apiRoute(r.tables), (c) => c.json(service.tables(), 200));
  app.openapi(apiRoute(r.exportPlain), async (c) => {
    const tables = c.req.valid('query').tables?.split(',').map((s) => s.trim()).filter(Boolean);
    return respond(c, await service.export(workspaceOf(c), tables), fileName()) as never;
  });
  app.openapi(apiRoute(r.exportSealed), async (c) => {
    const body = c.req.valid('json');
    return respond(c, await service.export(workspaceOf(c), body.tables, body.passphrase), fileName()) as never;
  });
  app.openapi(apiRoute(r.import), async (c) => {
    const dryRun = c.req.valid('query').dryRun === 'true';
    const passphrase = c.req.header(PASSPHRASE_HEADER) || undefined;
    const text = await c.req.text();
    return c.json(await service.import(workspaceOf(c), text, { passphrase, dryRun }), 200);
  });
}
