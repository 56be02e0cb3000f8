import { createHash } from 'node:crypto';
import type { ComponentHealth } from '@autopilot/contracts';
import type { GitHubConnection, PutGitHubAppConnectionBody, PutGitHubConnectionBody, PutGitHubTokenConnectionBody } from '@autopilot/contracts/github';
import { iso, type Clock } from '../../platform/clock';
import type { SecretBox } from '../../platform/crypto';
import { AppError, badRequest, notFound } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { Outbound } from '../../platform/outbound';
import {
  createGitHubClient,
  createInstallationAuth,
  InvalidAppPrivateKey,
  parseAppPrivateKey,
  type InstallationAuth,
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
  /** GITHUB_API_URL (or demo mode's GitHub simulator), else https://api.github.com. */
  defaultApiUrl?: string;
  /**
   * Demo mode (integrations/github/demo.ts): this workspace is connected with the GitHub simulator's token at the
   * default URL the first time it is looked at, if it has no connection then (once per process).
   */
  demo?: { workspaceId: string; token: string };
  /** Extra client options (tests: etag capacity, maxWaitMs). */
  clientOptions?: Partial<Pick<GitHubClientOptions, 'maxWaitMs' | 'etagCapacity'>>;
}

/** How long a person saving a token waits for a rate-limit reset before being told to come back. */
const CHECK_MAX_WAIT_MS = 3000;

const NONE: GitHubConnection = { kind: 'none' };
const trimSlash = (u: string) => u.replace(/\/+$/, '');

/**
 * The GitHub connection of each workspace: a token (checked live with GET /user) or a GitHub App installation
 * (checked by minting an installation token), stored sealed and never shown; one cached client per workspace (its
 * ETag cache and rate-limit budget live as long as the connection does; an app's token is renewed inside it).
 */
export function createGitHubService(deps: GitHubDeps) {
  const { store, secrets, clock } = deps;
  const defaultApiUrl = trimSlash(deps.defaultApiUrl ?? GITHUB_API_URL);
  const clients = new Map<string, { fingerprint: string; client: GitHubClient; auth?: InstallationAuth }>();

  const apiUrlOf = (r: GitHubConnectionsTable) => r.api_url ?? defaultApiUrl;
  // A URL a user typed meets the address guard on every connection; the operator's default is trusted.
  const fetchFor = (apiUrl: string | null) => (apiUrl === null ? deps.outbound.trusted.fetch : deps.outbound.fetch);

  function makeClient(token: string | InstallationAuth, apiUrl: string | null): GitHubClient {
    return createGitHubClient({ baseUrl: apiUrl ?? defaultApiUrl, token, fetch: fetchFor(apiUrl), clock, log: deps.log, ...deps.clientOptions });
  }

  function installationAuth(a: { appId: number; privateKeyPem: string; installationId: number }, apiUrl: string | null): InstallationAuth {
    return createInstallationAuth({
      baseUrl: apiUrl ?? defaultApiUrl, appId: a.appId, privateKey: parseAppPrivateKey(a.privateKeyPem), installationId: a.installationId, fetch: fetchFor(apiUrl), clock,
    });
  }

  /** The stored row's client: as the token, or as the app installation (its token minted and renewed on demand). */
  function clientOf(r: GitHubConnectionsTable): { client: GitHubClient; auth?: InstallationAuth } {
    const secret = secrets.decrypt(r.token_sealed);
    if (r.kind !== 'app') return { client: makeClient(secret, r.api_url) };
    const auth = installationAuth({ appId: Number(r.app_id), privateKeyPem: secret, installationId: Number(r.installation_id) }, r.api_url);
    return { client: makeClient(auth, r.api_url), auth };
  }

  function toConnection(r: GitHubConnectionsTable): GitHubConnection {
    const hit = clients.get(r.workspace_id);
    const status = hit?.client.status();
    const rateLimit = { remaining: status?.remaining ?? null, limit: status?.limit ?? null, resetAt: status?.resetAt ?? null };
    if (r.kind === 'app') {
      const expires = hit?.auth?.expiresAt() ?? null;
      return {
        kind: 'app', apiUrl: apiUrlOf(r), appId: Number(r.app_id), installationId: Number(r.installation_id), appSlug: r.app_slug ?? '',
        account: r.account ?? '', login: r.login, repositories: r.repositories, tokenExpiresAt: expires === null ? null : iso(expires),
        createdAt: r.created_at, updatedAt: r.updated_at, rateLimit, lastError: r.last_error,
      };
    }
    return {
      kind: 'token',
      apiUrl: apiUrlOf(r),
      tokenLast4: r.token_last4,
      login: r.login,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      rateLimit,
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

  const fingerprintOf = (r: GitHubConnectionsTable) =>
    createHash('sha256').update([r.kind, r.api_url ?? '', r.app_id ?? '', r.installation_id ?? '', r.token_sealed].join('\n')).digest('hex');

  /** GitHub's refusal of an app check as a 400 naming the field at fault (or 429/503 as for a token). */
  function appCheckFailed(err: unknown, apiUrl: string | null, step: 'app' | 'installation' | 'token' | 'repositories'): never {
    if (!(err instanceof GitHubError)) throw err;
    const where = apiUrl === null ? 'GitHub' : `The server at ${apiUrl}`;
    if (err instanceof GitHubRateLimited) {
      throw new AppError('rate_limited', `GitHub is limiting requests from this installation until ${new Date(err.resetAt).toISOString()}; nothing was saved`, { retryAfterMs: Math.max(0, err.resetAt - clock.now()) });
    }
    if (err.status !== undefined && err.status >= 500) {
      throw new AppError('upstream_unavailable', `${where} is unavailable right now (HTTP ${err.status}); nothing was saved, try again in a moment`, { upstream: { status: err.status } });
    }
    if (err instanceof GitHubAuthError && step !== 'repositories') {
      throw badRequest(`GitHub refused the app's JWT (HTTP ${err.status}): check that appId is the app's id and privateKey is a current private key of that app`, [
        { path: 'body.privateKey', message: 'GitHub refused a JWT signed with this key for this appId' },
      ]);
    }
    if (err instanceof GitHubNotFound && step === 'app') {
      throw badRequest(`${where} has no GitHub App API there (HTTP 404)${apiUrl === null ? '' : ': GitHub Enterprise URLs end in /api/v3'}`, [{ path: apiUrl === null ? 'body.appId' : 'body.apiUrl', message: 'no GitHub App API at this address' }]);
    }
    if (err instanceof GitHubNotFound && step !== 'repositories') {
      throw badRequest(`The app has no installation with this id (HTTP 404): install it on the account and use the id from the installation's settings URL`, [
        { path: 'body.installationId', message: 'no such installation of this app' },
      ]);
    }
    const what = err.status === undefined ? 'could not be reached' : `answered HTTP ${err.status}`;
    throw badRequest(`The app could not be checked: ${where} ${what} (${err.op}); nothing was saved`, [
      { path: apiUrl === null ? 'body.installationId' : 'body.apiUrl', message: `not checked: ${what}` },
    ]);
  }

  /**
   * The app checked live before it is stored: GET /app (slug) and GET /app/installations/{id} (account) as the app,
   * an installation token minted, and GET /installation/repositories with it (the budget shows at once).
   */
  async function verifyApp(body: PutGitHubAppConnectionBody, apiUrl: string | null) {
    let auth: InstallationAuth;
    try {
      auth = installationAuth({ appId: body.appId, privateKeyPem: body.privateKey, installationId: body.installationId }, apiUrl);
    } catch (err) {
      if (!(err instanceof InvalidAppPrivateKey)) throw err;
      throw badRequest(`privateKey is not usable: ${err.message}. Paste the .pem file GitHub generated for the app`, [{ path: 'body.privateKey', message: err.message }]);
    }
    const app = await auth.app().catch((e) => appCheckFailed(e, apiUrl, 'app'));
    if (app.id !== body.appId) throw badRequest(`The key belongs to app ${app.id}, not ${body.appId}`, [{ path: 'body.appId', message: 'not the app of this key' }]);
    const inst = await auth.installation().catch((e) => appCheckFailed(e, apiUrl, 'installation'));
    await auth.token().catch((e) => appCheckFailed(e, apiUrl, 'token'));
    const client = makeClient(auth, apiUrl);
    const repos = await client.octokit.rest.apps
      .listReposAccessibleToInstallation({ per_page: 1, request: { maxWaitMs: CHECK_MAX_WAIT_MS } })
      .catch((e) => appCheckFailed(e, apiUrl, 'repositories'));
    const total = (repos.data as { total_count?: unknown }).total_count;
    return { slug: app.slug, account: inst.account, repositories: typeof total === 'number' ? total : null, client, auth };
  }

  async function connectApp(workspaceId: string, body: PutGitHubAppConnectionBody, apiUrl: string | null): Promise<GitHubConnection> {
    const v = await verifyApp(body, apiUrl);
    const now = iso(clock);
    const row = await store.put({
      workspace_id: workspaceId, kind: 'app', api_url: apiUrl, token_sealed: secrets.encrypt(body.privateKey), token_last4: '', login: `${v.slug}[bot]`,
      app_id: String(body.appId), installation_id: String(body.installationId), app_slug: v.slug, account: v.account, repositories: v.repositories,
      created_at: now, updated_at: now, last_error: null,
    });
    clients.set(workspaceId, { fingerprint: fingerprintOf(row), client: v.client, auth: v.auth });
    deps.log.info({ workspaceId, app: v.slug, account: v.account, installationId: body.installationId, custom: apiUrl !== null }, 'GitHub App connected');
    return toConnection(row);
  }

  let demoDone: Promise<void> | null = null;
  /** Demo mode's connection of the default workspace, made once; a failure is logged and tried again next time. */
  function ensureDemo(): Promise<void> {
    const demo = deps.demo;
    if (!demo) return Promise.resolve();
    demoDone ??= (async () => {
      if (await store.get(demo.workspaceId)) return;
      const { login, client } = await verifyToken(demo.token, null);
      const now = iso(clock);
      const row = await store.put({
        workspace_id: demo.workspaceId, kind: 'token', api_url: null, token_sealed: secrets.encrypt(demo.token), token_last4: demo.token.slice(-4), login,
        app_id: null, installation_id: null, app_slug: null, account: null, repositories: null, created_at: now, updated_at: now, last_error: null,
      });
      clients.set(demo.workspaceId, { fingerprint: fingerprintOf(row), client });
      deps.log.warn({ workspaceId: demo.workspaceId, login, apiUrl: defaultApiUrl }, 'GitHub is SIMULATED: the default workspace is connected to the built-in GitHub simulator (demo mode)');
    })().catch((err) => {
      demoDone = null;
      deps.log.warn({ err: (err as Error).message }, 'demo mode could not connect the default workspace to the GitHub simulator; trying again later');
    });
    return demoDone;
  }

  return {
    /** The workspace's connection as the API shows it (never the token or the private key). */
    async connection(workspaceId: string): Promise<GitHubConnection> {
      if (workspaceId === deps.demo?.workspaceId) await ensureDemo();
      const row = await store.get(workspaceId);
      return row ? toConnection(row) : NONE;
    },

    /** Connects (or replaces the connection) once GitHub accepted the token or the app at the URL it will be used with. */
    async connect(workspaceId: string, body: PutGitHubConnectionBody): Promise<GitHubConnection> {
      const apiUrl = body.apiUrl === undefined ? null : trimSlash(body.apiUrl);
      if (apiUrl !== null) await checkApiUrl(apiUrl);
      if (!('token' in body)) return connectApp(workspaceId, body, apiUrl);
      const { token } = body satisfies PutGitHubTokenConnectionBody;
      const { login, client } = await verifyToken(token, apiUrl);
      const now = iso(clock);
      const row = await store.put({
        workspace_id: workspaceId,
        kind: 'token',
        api_url: apiUrl,
        token_sealed: secrets.encrypt(token),
        token_last4: token.slice(-4),
        login,
        app_id: null,
        installation_id: null,
        app_slug: null,
        account: null,
        repositories: null,
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
      if (workspaceId === deps.demo?.workspaceId) await ensureDemo();
      const row = await store.get(workspaceId);
      if (!row) {
        clients.delete(workspaceId);
        return null;
      }
      const fingerprint = fingerprintOf(row);
      const hit = clients.get(workspaceId);
      if (hit && hit.fingerprint === fingerprint) return hit.client;
      const made = clientOf(row);
      clients.set(workspaceId, { fingerprint, ...made });
      return made.client;
    },

    /** Workspaces with a connection (the PR poller visits each). */
    async workspaces(): Promise<string[]> {
      await ensureDemo();
      return store.workspaces();
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
