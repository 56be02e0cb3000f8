import { createHash } from 'node:crypto';
import type { ComponentHealth } from '@autopilot/contracts';
import type { GitHubConnection, PutGitHubConnectionBody } from '@autopilot/contracts/github';
import { iso, type Clock } from '../../platform/clock';
import type { SecretBox } from '../../platform/crypto';
import { AppError, badRequest, notFound } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { Outbound } from '../../platform/outbound';
import {
  createGitHubClient,
  GITHUB_API_URL,
  GitHubAuthError,
  GitHubError,
  GitHubNotFound,
  GitHubRateLimited,
  type GitHubClient,
  type GitHubClientOptions,
} from '../../integrations/github';
import type { GitHubConnectionsTable, GitHubStore } from './github.store';

export interface GitHubDeps {
  store: GitHubStore;
  secrets: SecretBox;
  clock: Clock;
  log: Logger;
  /** User-supplied API URLs go through `outbound.fetch`; the operator's default through `outbound.trusted`. */
  outbound: Pick<Outbound, 'fetch' | 'check' | 'trusted'>;
  /** GITHUB_API_URL, else https://api.github.com. */
  defaultApiUrl?: string;
  /** Extra client options (tests: etag capacity, maxWaitMs). */
  clientOptions?: Partial<Pick<GitHubClientOptions, 'maxWaitMs' | 'etagCapacity'>>;
}

/** How long a person saving a token waits for a rate-limit reset before being told to come back. */
const CHECK_MAX_WAIT_MS = 3000;

const NONE: GitHubConnection = { kind: 'none' };
const trimSlash = (u: string) => u.replace(/\/+$/, '');

/**
 * The GitHub connection of each workspace: one token, checked live with GET /user before it is stored sealed,
 * shown only as its last 4 characters; one cached client per workspace (its ETag cache and rate-limit budget
 * live as long as the connection does).
 */
export function createGitHubService(deps: GitHubDeps) {
  const { store, secrets, clock } = deps;
  const defaultApiUrl = trimSlash(deps.defaultApiUrl ?? GITHUB_API_URL);
  const clients = new Map<string, { fingerprint: string; client: GitHubClient }>();

  const apiUrlOf = (r: GitHubConnectionsTable) => r.api_url ?? defaultApiUrl;

  function makeClient(token: string, apiUrl: string | null): GitHubClient {
    return createGitHubClient({
      baseUrl: apiUrl ?? defaultApiUrl,
      token,
      // A URL a user typed meets the address guard on every connection; the operator's default is trusted.
      fetch: apiUrl === null ? deps.outbound.trusted.fetch : deps.outbound.fetch,
      clock,
      log: deps.log,
      ...deps.clientOptions,
    });
  }

  function toConnection(r: GitHubConnectionsTable): GitHubConnection {
    const status = clients.get(r.workspace_id)?.client.status();
    return {
      kind: 'token',
      apiUrl: apiUrlOf(r),
      tokenLast4: r.token_last4,
      login: r.login,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      rateLimit: { remaining: status?.remaining ?? null, limit: status?.limit ?? null, resetAt: status?.resetAt ?? null },
      lastError: r.last_error,
    };
  }

  /** Creation-time check of a user-supplied URL; the connect-time guard still checks every connection. */
  async function checkApiUrl(url: string) {
    try {
      await deps.outbound.check(url);
    } catch (err) {
      deps.log.debug({ reason: (err as { reason?: string }).reason }, 'GitHub API URL refused');
      throw badRequest('apiUrl is not reachable from this server or points to a private, loopback or link-local address (see AUTOPILOT_OUTBOUND_ALLOW)', [
        { path: 'body.apiUrl', message: 'not reachable or not a public address' },
      ]);
    }
  }

  /** GET /user with the token; a refusal is a 400 naming body.token, an address that is not GitHub one naming body.apiUrl. */
  async function verifyToken(token: string, apiUrl: string | null): Promise<{ login: string; client: GitHubClient }> {
    const where = apiUrl === null ? 'GitHub' : `The server at ${apiUrl}`;
    const field = apiUrl === null ? 'body.token' : 'body.apiUrl';
    const client = makeClient(token, apiUrl);
    let login: unknown;
    try {
      login = (await client.octokit.rest.users.getAuthenticated({ request: { maxWaitMs: CHECK_MAX_WAIT_MS } })).data?.login;
    } catch (err) {
      if (!(err instanceof GitHubError)) throw err;
      if (err instanceof GitHubAuthError) {
        throw badRequest(`GitHub refused this token (HTTP ${err.status}): check that it is a valid, unexpired token (a fine-grained personal access token)`, [
          { path: 'body.token', message: 'GitHub refused this token' },
        ]);
      }
      if (err instanceof GitHubRateLimited) {
        const retryAfterMs = Math.max(0, err.resetAt - clock.now());
        throw new AppError('rate_limited', `GitHub is limiting requests from this token until ${new Date(err.resetAt).toISOString()}; nothing was saved`, { retryAfterMs });
      }
      if (err instanceof GitHubNotFound) throw badRequest(`${where} has no GitHub API there (HTTP 404): GitHub Enterprise URLs end in /api/v3`, [{ path: field, message: 'no GitHub API at this address' }]);
      if (err.status !== undefined && err.status >= 500) {
        throw new AppError('upstream_unavailable', `${where} is unavailable right now (HTTP ${err.status}); nothing was saved, try again in a moment`, { upstream: { status: err.status } });
      }
      const what = err.status === undefined ? 'could not be reached' : `answered HTTP ${err.status}`;
      // As a Jules key check: a token that cannot be checked is not saved, and the answer is the caller's to act on (400).
      if (apiUrl === null) throw badRequest(`The token could not be checked: GitHub ${what}; nothing was saved`, [{ path: 'body.token', message: `not checked: GitHub ${what}` }]);
      throw badRequest(`The token could not be checked: ${where} ${what}. Nothing was saved; check apiUrl`, [{ path: 'body.apiUrl', message: `not checked: the server ${what}` }]);
    }
    if (typeof login !== 'string' || login.length === 0 || login.length > 100) {
      throw badRequest(`${where} answered GET /user with something that is not GitHub's user`, [{ path: field, message: 'not a GitHub API' }]);
    }
    return { login, client };
  }

  const fingerprintOf = (r: GitHubConnectionsTable) => createHash('sha256').update(`${r.api_url ?? ''}\n${r.token_sealed}`).digest('hex');

  return {
    /** The workspace's connection as the API shows it (never the token). */
    async connection(workspaceId: string): Promise<GitHubConnection> {
      const row = await store.get(workspaceId);
      return row ? toConnection(row) : NONE;
    },

    /** Connects (or replaces the connection) once GitHub accepted the token at the URL it will be used with. */
    async connect(workspaceId: string, body: PutGitHubConnectionBody): Promise<GitHubConnection> {
      const apiUrl = body.apiUrl === undefined ? null : trimSlash(body.apiUrl);
      if (apiUrl !== null) await checkApiUrl(apiUrl);
      const { login, client } = await verifyToken(body.token, apiUrl);
      const now = iso(clock);
      const row = await store.put({
        workspace_id: workspaceId,
        api_url: apiUrl,
        token_sealed: secrets.encrypt(body.token),
        token_last4: body.token.slice(-4),
        login,
        created_at: now,
        updated_at: now,
        last_error: null,
      });
      // The checked client becomes the workspace's: its budget (from GET /user) shows at once.
      clients.set(workspaceId, { fingerprint: fingerprintOf(row), client });
      deps.log.info({ workspaceId, login, custom: apiUrl !== null }, 'GitHub connected');
      return toConnection(row);
    },

    /** Removes the connection; its stored token is deleted. */
    async disconnect(workspaceId: string): Promise<GitHubConnection> {
      if (!(await store.remove(workspaceId))) throw notFound('GitHub connection');
      clients.delete(workspaceId);
      return NONE;
    },

    /** The workspace's client (one per workspace, rebuilt when the token or URL changes), or null when not connected. */
    async clientFor(workspaceId: string): Promise<GitHubClient | null> {
      const row = await store.get(workspaceId);
      if (!row) {
        clients.delete(workspaceId);
        return null;
      }
      const fingerprint = fingerprintOf(row);
      const hit = clients.get(workspaceId);
      if (hit && hit.fingerprint === fingerprint) return hit.client;
      const client = makeClient(secrets.decrypt(row.token_sealed), row.api_url);
      clients.set(workspaceId, { fingerprint, client });
      return client;
    },

    /** What a poll or webhook handler saw go wrong with the connection (null: working again); shown as lastError. */
    recordError: (workspaceId: string, message: string | null) => store.setError(workspaceId, message === null ? null : message.slice(0, 500), iso(clock)),

    /**
     * One `github` health component: degraded while any workspace's client waits for a rate-limit reset.
     * Aggregated, because /api/health is global and must not reveal other workspaces.
     */
    healthComponents(): ComponentHealth[] {
      if (clients.size === 0) return [];
      const waiting = [...clients.values()].map((c) => c.client.status()).filter((s) => s.waitingUntil !== null);
      const until = waiting.map((s) => s.waitingUntil as string).sort().at(-1);
      return [{
        name: 'github',
        status: waiting.length ? 'degraded' : 'ok',
        latencyMs: null,
        detail: waiting.length ? `${waiting.length} of ${clients.size} GitHub clients wait for the rate-limit reset (until ${until})` : `${clients.size} GitHub clients within their rate limit`,
      }];
    },
  };
}
export type GitHubService = ReturnType<typeof createGitHubService>;
