import { routes } from '@autopilot/contracts';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { InboxService } from './inbox.types';

const r = routes.inbox;

/** /api/notifications: list, counts, one, update (members), bulk (members); the workspace comes from the key. */
export function registerInboxRoutes(app: ApiApp, deps: { service: InboxService }) {
  const { service } = deps;
  app.openapi(apiRoute(r.list), async (c) => c.json(await service.list(workspaceOf(c), c.req.valid('query')), 200));
  app.openapi(apiRoute(r.counts), async (c) => c.json(await service.counts(workspaceOf(c)), 200));
  app.openapi(apiRoute(r.bulk), async (c) => c.json(await service.bulk(workspaceOf(c), c.req.valid('json')), 200));
  app.openapi(apiRoute(r.get), async (c) => c.json(await service.get(workspaceOf(c), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.update), async (c) => c.json(await service.update(workspaceOf(c), c.req.valid('param').id, c.req.valid('json')), 200));
}
