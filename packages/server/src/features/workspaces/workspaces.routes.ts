import { routes, type SessionPerson } from '@autopilot/contracts';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp, AuthContext } from '../../platform/http/types';
import type { WorkspacesService } from './workspaces.service';
import type { Members } from './members.service';
import type { Invites } from './invites.service';

const r = routes.workspaces;

/** /api/me, /api/keys and /api/workspaces: thin handlers over the workspaces service (which applies the role rules). */
export function registerWorkspacesRoutes(app: ApiApp, deps: { service: WorkspacesService; simulated: boolean; members: Members; invites: Invites; describe?: (a: AuthContext) => Promise<SessionPerson | null> }) {
  const { service } = deps;

  app.openapi(apiRoute(r.me), async (c) => {
    const a = c.get('auth');
    const person = (await deps.describe?.(a)) ?? null;
    return c.json(
      {
        workspace: { id: a.workspaceId, name: a.workspaceName },
        key: { id: a.keyId, name: a.keyName, role: a.role, publicId: a.keyPublicId, prefix: a.keyPrefix },
        simulated: deps.simulated,
        person,
      },
      200,
    );
  });
  app.openapi(apiRoute(r.listKeys), async (c) => c.json({ items: await service.listKeys(workspaceOf(c)) }, 200));
  app.openapi(apiRoute(r.createKey), async (c) => {
    const body = c.req.valid('json');
    return c.json(await service.createKey(c.get('auth'), body.name, body.role, body.expiresAt, body.scopes, body.limits), 201);
  });
  app.openapi(apiRoute(r.revokeKey), async (c) => c.json(await service.revokeKey(c.get('auth'), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.updateKey), async (c) => c.json(await service.updateKey(c.get('auth'), c.req.valid('param').id, c.req.valid('json')), 200));
  app.openapi(apiRoute(r.keyUsage), async (c) => c.json(await service.keyUsage(c.get('auth'), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.list), async (c) => c.json({ items: await service.listWorkspaces(c.get('auth')) }, 200));
  app.openapi(apiRoute(r.create), async (c) => {
    const body = c.req.valid('json');
    return c.json(await service.createWorkspace(c.get('auth'), body.name, body.slug), 201);
  });
  app.openapi(apiRoute(r.get), async (c) => c.json(await service.getWorkspace(c.get('auth'), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.update), async (c) => c.json(await service.renameWorkspace(c.get('auth'), c.req.valid('param').id, c.req.valid('json')), 200));
  app.openapi(apiRoute(r.delete), async (c) => c.json(await service.deleteWorkspace(c.get('auth'), c.req.valid('param').id, c.req.valid('query').confirm), 200));
  registerMembersRoutes(app, deps);
}

/** Members and invitations of the caller's workspace, and accepting an invitation. */
function registerMembersRoutes(app: ApiApp, deps: { members: Members; invites: Invites }) {
  const { members, invites } = deps;
  app.openapi(apiRoute(r.listMembers), async (c) => c.json({ items: await members.list(c.get('auth'), c.req.valid('param').id) }, 200));
  app.openapi(apiRoute(r.updateMember), async (c) => {
    const p = c.req.valid('param');
    return c.json(await members.setRole(c.get('auth'), p.id, p.userId, c.req.valid('json').role), 200);
  });
  app.openapi(apiRoute(r.removeMember), async (c) => {
    const p = c.req.valid('param');
    return c.json(await members.remove(c.get('auth'), p.id, p.userId), 200);
  });
  app.openapi(apiRoute(r.listInvites), async (c) => c.json({ items: await invites.list(c.get('auth'), c.req.valid('param').id) }, 200));
  app.openapi(apiRoute(r.createInvite), async (c) => c.json(await invites.create(c.get('auth'), c.req.valid('param').id, c.req.valid('json'), new URL(c.req.url).origin), 201));
  app.openapi(apiRoute(r.revokeInvite), async (c) => {
    const p = c.req.valid('param');
    return c.json(await invites.revoke(c.get('auth'), p.id, p.inviteId), 200);
  });
  app.openapi(apiRoute(r.acceptInvite), async (c) => c.json(await invites.acceptAs(c.get('auth'), c.req.valid('json').token), 200));
  // Public (platform/http/auth.ts PUBLIC_API_ROUTES): no caller, so no scope to check.
  app.openapi(apiRoute({ ...r.peekInvite, scope: undefined }), async (c) => c.json(await invites.preview(c.req.valid('param').token), 200));
}
