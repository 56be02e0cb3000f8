import {
  ApiKeyInfo,
  ApiKeyList,
  AuthSessionInfo,
  LoggedOut,
  CreatedApiKey,
  CreatedWorkspace,
  Health,
  Me,
  WorkspaceList,
  type Role,
} from '@autopilot/contracts';
import { createTransport, type ClientOptions, type Transport } from './http';
import { sessionsApi } from './sessions';
import { keeperApi } from './keeper';
import { llmApi } from './llm';
import { subscribeEvents, type SubscribeOptions, type Subscription } from './events';

const enc = encodeURIComponent;

/**
 * A typed client for the orchestrator's API. Every response is parsed with the contract's zod schema, so a
 * dashboard, CLI or editor extension gets exactly the types the server validated against; failures throw ApiError.
 */
export function createClient(opts: ClientOptions) {
  const t: Transport = createTransport(opts);
  const { request } = t;
  return {
    /** The calling key, its workspace and role, and whether sessions are simulated. */
    me: (signal?: AbortSignal) => request({ method: 'GET', path: '/api/me', schema: Me, signal }),
    /** Dashboard log-in: exchange a key for the HttpOnly session cookie, ask who the session is, log out. */
    auth: {
      login: (apiKey: string) => request({ method: 'POST', path: '/api/auth/session', body: { apiKey }, schema: AuthSessionInfo }),
      session: (signal?: AbortSignal) => request({ method: 'GET', path: '/api/auth/session', schema: AuthSessionInfo, signal }),
      logout: () => request({ method: 'DELETE', path: '/api/auth/session', schema: LoggedOut }),
    },
    /** Every component and loop with status and latency. */
    health: (signal?: AbortSignal) => request({ method: 'GET', path: '/api/health', schema: Health, signal }),
    keys: {
      list: () => request({ method: 'GET', path: '/api/keys', schema: ApiKeyList }),
      create: (body: { name: string; role?: Role }) => request({ method: 'POST', path: '/api/keys', body, schema: CreatedApiKey }),
      revoke: (id: string) => request({ method: 'DELETE', path: `/api/keys/${enc(id)}`, schema: ApiKeyInfo }),
    },
    workspaces: {
      list: () => request({ method: 'GET', path: '/api/workspaces', schema: WorkspaceList }),
      create: (body: { name: string }) => request({ method: 'POST', path: '/api/workspaces', body, schema: CreatedWorkspace }),
    },
    /** Jules sessions mirrored by the orchestrator. */
    sessions: sessionsApi(t),
    /** The keeper: settings, ledger, notifications, per-session pause. */
    keeper: keeperApi(t),
    /** LLM providers, budgets, usage and breakers. */
    llm: llmApi(t),
    /** Follows the live event stream with reconnect and Last-Event-ID resume; call close() to stop. */
    events: (o: SubscribeOptions): Subscription => subscribeEvents(t, o),
    /** The raw transport, for endpoints this client does not wrap yet. */
    transport: t,
  };
}

export type ApiClient = ReturnType<typeof createClient>;
