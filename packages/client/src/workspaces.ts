import { routes, type KeyLimitsBody, type Role, type UpdateApiKeyBody } from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.workspaces;

/** The workspaces feature: who the key is, the dashboard log-in, API keys and workspaces. */
export function workspacesApi(t: Transport) {
  const endpoint = endpoints(t);
  return {
    /** The calling key, its workspace and role, and whether sessions are simulated. */
    me: endpoint(r.me, (call) => (signal?: AbortSignal) => call({ signal })),
    /** Dashboard log-in: exchange a key for the HttpOnly session cookie, ask who the session is, log out. */
    auth: {
      login: endpoint(r.login, (call) => (apiKey: string) => call({ body: { apiKey } })),
      session: endpoint(r.session, (call) => (signal?: AbortSignal) => call({ signal })),
      logout: endpoint(r.logout, (call) => () => call({})),
      /** A one-click dashboard log-in link for the calling key (`/login/<token>`, single use, 10 minutes). */
      link: endpoint(r.createLink, (call) => () => call({})),
    },
    keys: {
      list: endpoint(r.listKeys, (call) => () => call({})),
      create: endpoint(r.createKey, (call) => (body: { name: string; role?: Role; expiresAt?: string | null; scopes?: string[] | null; limits?: KeyLimitsBody }) => call({ body })),
      revoke: endpoint(r.revokeKey, (call) => (id: string) => call({ params: { id } })),
      /** Renames a key, changes its scopes (never beyond the caller's) or its limits (applied at once). */
      update: endpoint(r.updateKey, (call) => (id: string, body: UpdateApiKeyBody) => call({ params: { id }, body })),
      /** Requests today and LLM spend this month against the key's limits. */
      usage: endpoint(r.keyUsage, (call) => (id: string, signal?: AbortSignal) => call({ params: { id }, signal })),
    },
    workspaces: {
      list: endpoint(r.list, (call) => () => call({})),
      create: endpoint(r.create, (call) => (body: { name: string; slug?: string }) => call({ body })),
      get: endpoint(r.get, (call) => (id: string) => call({ params: { id } })),
      /** Renames a workspace and/or changes its slug (admins and owners of it). */
      update: endpoint(r.update, (call) => (id: string, body: { name?: string; slug?: string }) => call({ params: { id }, body })),
      /** Deletes a workspace and everything in it (owners; `confirm` = its slug). */
      delete: endpoint(r.delete, (call) => (id: string, confirm: string) => call({ params: { id }, query: { confirm } })),
    },
    members: {
      list: endpoint(r.listMembers, (call) => (workspaceId: string) => call({ params: { id: workspaceId } })),
      update: endpoint(r.updateMember, (call) => (workspaceId: string, userId: string, role: Role) => call({ params: { id: workspaceId, userId }, body: { role } })),
      /** Removes a member; your own id leaves the workspace. */
      remove: endpoint(r.removeMember, (call) => (workspaceId: string, userId: string) => call({ params: { id: workspaceId, userId } })),
    },
    invites: {
      list: endpoint(r.listInvites, (call) => (workspaceId: string) => call({ params: { id: workspaceId } })),
      create: endpoint(r.createInvite, (call) => (workspaceId: string, body: { email: string; role?: Role }) => call({ params: { id: workspaceId }, body })),
      revoke: endpoint(r.revokeInvite, (call) => (workspaceId: string, inviteId: string) => call({ params: { id: workspaceId, inviteId } })),
      /** Accepts an invitation as the signed-in person. */
      accept: endpoint(r.acceptInvite, (call) => (token: string) => call({ body: { token } })),
      /** What an invitation is for (works without signing in). */
      peek: endpoint(r.peekInvite, (call) => (token: string) => call({ params: { token } })),
    },
  };
}
