import { routes } from '@autopilot/contracts';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { ChannelsServiceImpl } from './channels.service';

const r = routes.channels;

/** Thin handlers for every route of `routes.channels`; roles come from the declarations. */
export function registerChannelsRoutes(app: ApiApp, service: ChannelsServiceImpl) {
  app.openapi(apiRoute(r.list), async (c) => c.json(await service.list(workspaceOf(c), c.req.valid('query')), 200));
  app.openapi(apiRoute(r.create), async (c) => c.json(await service.create(workspaceOf(c), c.req.valid('json')), 201));
  app.openapi(apiRoute(r.get), async (c) => c.json(await service.get(workspaceOf(c), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.update), async (c) => c.json(await service.update(workspaceOf(c), c.req.valid('param').id, c.req.valid('json')), 200));
  app.openapi(apiRoute(r.remove), async (c) => {
    await service.remove(workspaceOf(c), c.req.valid('param').id);
    return c.body(null, 204);
  });
  app.openapi(apiRoute(r.rotateSecret), async (c) => c.json(await service.rotateSecret(workspaceOf(c), c.req.valid('param').id, c.req.valid('json')), 200));
  app.openapi(apiRoute(r.test), async (c) => c.json(await service.test(workspaceOf(c), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.deliveries), async (c) => c.json(await service.deliveries(workspaceOf(c), c.req.valid('param').id, c.req.valid('query')), 200));
  app.openapi(apiRoute(r.delivery), async (c) => c.json(await service.delivery(workspaceOf(c), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.retry), async (c) => c.json(await service.retry(workspaceOf(c), c.req.valid('param').id), 200));
}
