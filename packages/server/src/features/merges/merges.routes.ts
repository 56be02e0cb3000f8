import { routes, type ArchiveFinishedBody, type ArchiveFinishedResult } from '@autopilot/contracts';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';

const r = routes.pulls;

/** POST /api/github/archive-finished: members and up (apiRoute enforces the declaration's minRole). */
export function registerMergesRoutes(app: ApiApp, deps: { archiveFinished(ws: string, body: ArchiveFinishedBody): Promise<ArchiveFinishedResult> }) {
  app.openapi(apiRoute(r.archiveFinished), async (c) => c.json(await deps.archiveFinished(workspaceOf(c), c.req.valid('json')), 200));
}
