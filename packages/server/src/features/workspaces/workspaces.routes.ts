import { routes } from '@autopilot/contracts';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { WorkspacesService } from './workspaces.service';

const r = routes.workspaces;

/** /api/me, /api/keys and /api/workspaces: thin handlers over the workspaces service (which applies the role rules). */
export function registerWorkspacesRoutes(app: ApiApp, deps: { service: WorkspacesService; simulated: boolean }) {
  const { service } = deps;

  app.openapi(apiRoute(r.me), (c) => {
    const a = c.get('auth');
    return c.json(
      {
        workspace: { id: a.workspaceId, name: a.workspaceName },
        key: { id: a.keyId, name: a.keyName, role: a.role, publicId: a.keyPublicId, prefix: a.keyPrefix },
        simulated: deps.simulated,
      },
      200,
    );
  });
  app.openapi(apiRoute(r.listKeys), async (c) => c.json({ items: await service.listKeys(workspaceOf(c)) }, 200));
  app.openapi(apiRoute(r.createKey), async (c) => {
    const body = c.req.valid('json');
    return c.json(await service.createKey(c.get('auth'), body.name, body.role, body.expiresAt), 201);
  });
  app.openapi(apiRoute(r.revokeKey), async (c) => c.json(await service.revokeKey(c.get('auth'), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.list), async (c) => c.json({ items: await service.listWorkspaces(c.get('auth')) }, 200));
  app.openapi(apiRoute(r.create), async (c) => c.json(await service.createWorkspace(c.get('auth'), c.req.valid('json').name), 201));
  app.openapi(apiRoute(r.update), async (c) => c.json(await service.renameWorkspace(c.get('auth'), c.req.valid('param').id, c.req.valid('json').name), 200));
}
