import { routes } from '@autopilot/contracts';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { BatchesService } from './batches.service';

const r = routes.batches;

/** /api/batches, and the template launch (a batch too, so it is registered here, beside the dispatcher). */
export function registerBatchesRoutes(app: ApiApp, deps: { service: BatchesService }) {
  const { service } = deps;
  app.openapi(apiRoute(r.list), async (c) => c.json(await service.list(workspaceOf(c), c.req.valid('query')), 200));
  app.openapi(apiRoute(r.preview), async (c) => c.json(await service.preview(workspaceOf(c), c.req.valid('json')), 200));
  app.openapi(apiRoute(r.create), async (c) => {
    const { batch, created } = await service.create(workspaceOf(c), c.req.valid('json'));
    return created ? c.json(batch, 201) : c.json(batch, 200);
  });
  app.openapi(apiRoute(r.get), async (c) => c.json(await service.get(workspaceOf(c), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.cancel), async (c) => c.json(await service.cancel(workspaceOf(c), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.retry), async (c) => c.json(await service.retry(workspaceOf(c), c.req.valid('param').id), 200));
  // The launch declares only 201: the same idempotency key again answers the first launch's batch with it too.
  app.openapi(apiRoute(routes.templates.launch), async (c) => {
    const { batch } = await service.launch(workspaceOf(c), c.req.valid('param').id, c.req.valid('json'));
    return c.json(batch, 201);
  });
}
