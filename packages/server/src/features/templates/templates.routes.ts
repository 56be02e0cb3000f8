import { routes } from '@autopilot/contracts';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { TemplatesService } from './templates.service';

const r = routes.templates;

/** /api/templates: CRUD (writes: members and up, enforced by apiRoute) and the two previews. */
export function registerTemplatesRoutes(app: ApiApp, deps: { service: TemplatesService }) {
  const { service } = deps;
  app.openapi(apiRoute(r.list), async (c) => c.json(await service.list(workspaceOf(c), c.req.valid('query')), 200));
  app.openapi(apiRoute(r.previewDraft), async (c) => {
    const body = c.req.valid('json');
    return c.json(service.previewDraft(body.template, body.values), 200);
  });
  app.openapi(apiRoute(r.get), async (c) => c.json(await service.get(workspaceOf(c), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.create), async (c) => c.json(await service.create(workspaceOf(c), c.req.valid('json')), 201));
  app.openapi(apiRoute(r.update), async (c) => c.json(await service.update(workspaceOf(c), c.req.valid('param').id, c.req.valid('json')), 200));
  app.openapi(apiRoute(r.remove), async (c) => {
    await service.remove(workspaceOf(c), c.req.valid('param').id);
    return c.body(null, 204);
  });
  app.openapi(apiRoute(r.preview), async (c) => c.json(await service.preview(workspaceOf(c), c.req.valid('param').id, c.req.valid('json').values), 200));
}
