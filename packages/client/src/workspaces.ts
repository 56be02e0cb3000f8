import { routes, type Role } from '@autopilot/contracts';
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
      create: endpoint(r.createKey, (call) => (body: { name: string; role?: Role; expiresAt?: string | null }) => call({ body })),
      revoke: endpoint(r.revokeKey, (call) => (id: string) => call({ params: { id } })),
    },
    workspaces: {
      list: endpoint(r.list, (call) => () => call({})),
      create: endpoint(r.create, (call) => (body: { name: string }) => call({ body })),
      /** Renames a workspace (admins and owners of it). */
      update: endpoint(r.update, (call) => (id: string, body: { name: string }) => call({ params: { id }, body })),
    },
  };
}
