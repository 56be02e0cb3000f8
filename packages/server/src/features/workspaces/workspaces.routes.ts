import { z } from '@hono/zod-openapi';
import { ApiKeyInfo, CreateApiKeyBody, CreatedApiKey, CreatedWorkspace, CreateWorkspaceBody, Me, WorkspaceList, ApiKeyList } from '@autopilot/contracts';
import { apiRoute, jsonBody, jsonOk } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { WorkspacesService } from './workspaces.service';

const tags = ['workspaces'];

/** /api/me, /api/keys and /api/workspaces: thin handlers over the workspaces service. */
export function registerWorkspacesRoutes(app: ApiApp, deps: { service: WorkspacesService; simulated: boolean }) {
  const { service } = deps;

  app.openapi(apiRoute({ method: 'get', path: '/api/me', tags, summary: 'The calling key, its workspace and role', responses: { 200: jsonOk(Me) } }), (c) => {
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

  app.openapi(apiRoute({ method: 'get', path: '/api/keys', tags, summary: 'API keys of this workspace (never the keys themselves)', responses: { 200: jsonOk(ApiKeyList) } }), async (c) => {
    return c.json({ items: await service.listKeys(c.get('auth').workspaceId) }, 200);
  });

  app.openapi(
    apiRoute({ method: 'post', path: '/api/keys', tags, summary: 'Create an API key (shown once; owner and admin keys by owners only)', request: { body: jsonBody(CreateApiKeyBody) }, responses: { 201: jsonOk(CreatedApiKey, 'Created') } }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(await service.createKey(c.get('auth'), body.name, body.role), 201);
    },
  );

  app.openapi(
    apiRoute({
      method: 'delete',
      path: '/api/keys/{id}',
      tags,
      summary: 'Revoke an API key and its log-in sessions (owner and admin keys by owners only; never the last owner key)',
      request: { params: z.object({ id: z.string().min(1).max(64) }) },
      responses: { 200: jsonOk(ApiKeyInfo) },
    }),
    async (c) => {
      return c.json(await service.revokeKey(c.get('auth'), c.req.valid('param').id), 200);
    },
  );

  app.openapi(apiRoute({ method: 'get', path: '/api/workspaces', tags, summary: 'Workspaces this key can see', responses: { 200: jsonOk(WorkspaceList) } }), async (c) => {
    return c.json({ items: await service.listWorkspaces(c.get('auth')) }, 200);
  });

  app.openapi(
    apiRoute({
      method: 'post',
      path: '/api/workspaces',
      tags,
      summary: 'Create a workspace with its first owner key (owners of the default workspace only)',
      request: { body: jsonBody(CreateWorkspaceBody) },
      responses: { 201: jsonOk(CreatedWorkspace, 'Created') },
    }),
    async (c) => c.json(await service.createWorkspace(c.get('auth'), c.req.valid('json').name), 201),
  );
}
