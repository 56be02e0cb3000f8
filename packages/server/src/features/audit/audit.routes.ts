import { routes } from '@autopilot/contracts';
import { stream } from 'hono/streaming';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { AuditService } from './audit.service';

const r = routes.audit;

/** /api/audit, /api/audit/verify, /api/audit/checkpoints (GET, POST), /api/audit/export: admins and owners (the contract). */
export function registerAuditRoutes(app: ApiApp, deps: { service: AuditService }) {
  const { service } = deps;
  app.openapi(apiRoute(r.list), async (c) => c.json(await service.list(workspaceOf(c), c.req.valid('query')), 200));
  app.openapi(apiRoute(r.verify), async (c) => c.json(await service.verify(workspaceOf(c)), 200));
  app.openapi(apiRoute(r.checkpoints), async (c) => c.json({ items: await service.checkpoints(workspaceOf(c)) }, 200));
  app.openapi(apiRoute(r.checkpoint), async (c) => c.json(await service.checkpoint(workspaceOf(c)), 201));
  app.openapi(apiRoute(r.export), (c) => {
    const lines = service.exportLines(workspaceOf(c), c.req.valid('query').fromSeq);
    c.header('content-type', 'application/x-ndjson; charset=utf-8');
    c.header('content-disposition', `attachment; filename="audit-${workspaceOf(c)}.ndjson"`);
    c.header('cache-control', 'no-store');
    return stream(c, async (s) => {
      s.onAbort(() => void lines.return(undefined));
      for await (const line of lines) await s.write(line);
    }) as never;
  });
}
