import { createHash, randomUUID } from 'node:crypto';
import { CircuitState } from 'cockatiel';
import type { ComponentHealth, CreateJulesAccountBody, JulesAccount, UpdateJulesAccountBody } from '@autopilot/contracts';
import { fieldIssue } from '@autopilot/contracts';
import { iso, type Clock } from '../../platform/clock';
import type { SecretBox } from '../../platform/crypto';
import { isUniqueViolation } from '../../platform/db';
import type { JulesAccountsTable } from '../../platform/db/schema';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors';
import type { EventBus } from '../../platform/events/bus';
import type { Logger } from '../../platform/logger';
import type { Metrics } from '../../platform/metrics';
import { createJulesClient, JULES_BASE_URL, type JulesClient, type JulesClientOptions } from '../../integrations/jules';
import { UpstreamAuth, UpstreamError, UpstreamNotFound, UpstreamRateLimited } from '../../integrations/jules/errors';
import type { AccountsStore } from './accounts.store';
import type { Outbound } from '../../platform/outbound';

/** The key of the account configured by environment (JULES_API_KEY) or the demo simulator; never stored. */
export interface RuntimeAccount {
  origin: 'env' | 'simulator';
  name: string;
  apiKey: string;
  baseUrl: string;
  /** The simulator continued its saved world: the mirror's sessions of it are still upstream, so they are kept. */
  restored?: boolean;
}

export interface AccountsDeps {
  store: AccountsStore;
  secrets: SecretBox;
  clock: Clock;
  log: Logger;
  bus?: EventBus;
  metrics?: Metrics;
  runtime?: RuntimeAccount;
  /**
   * The way out: URLs users supplied go through `outbound.fetch` (address guard at connect time), the operator's
   * (JULES_API_BASE_URL, JULES_API_KEY's account, the demo simulator) through `outbound.trusted`.
   */
  outbound: Outbound;
  /** Base URL of accounts added without one (JULES_API_BASE_URL, else the public Jules API). */
  defaultBaseUrl?: string;
  /** Extra client options (tests: clock, backoff). */
  clientOptions?: Partial<JulesClientOptions>;
}

const last4 = (key: string) => key.slice(-4);

function toAccount(r: JulesAccountsTable): JulesAccount {
  return {
    id: r.id,
    name: r.name,
    origin: r.origin as JulesAccount['origin'],
    keyLast4: r.key_last4,
    baseUrl: r.base_url,
    createdAt: r.created_at,
    lastSyncAt: r.last_sync_at,
    lastError: r.last_error,
  };
}

/**
 * Jules accounts: the API keys a workspace mirrors sessions from (several allowed). Keys are sealed at rest, shown
 * only as their last 4 characters, and turned into one cached client per account.
 */
export function createAccountsService(deps: AccountsDeps) {
  const { store, secrets, clock } = deps;
  const clients = new Map<string, { fingerprint: string; client: JulesClient }>();

  function credentials(r: JulesAccountsTable): { apiKey: string; baseUrl: string; trusted: boolean } | null {
    // An API account without its own URL uses the operator's default, which is as trusted as the environment.
    if (r.origin === 'api') return { apiKey: secrets.decrypt(r.api_key_sealed), baseUrl: r.base_url ?? deps.defaultBaseUrl ?? JULES_BASE_URL, trusted: r.base_url === null };
    const rt = deps.runtime;
    return rt && rt.origin === r.origin ? { apiKey: rt.apiKey, baseUrl: rt.baseUrl, trusted: true } : null;
  }

  /** Creation-time check of a user-supplied base URL; the connect-time guard still checks every connection. */
  async function checkBaseUrl(url: string) {
    try {
      await deps.outbound.check(url);
    } catch (err) {
      deps.log.debug({ reason: (err as { reason?: string }).reason }, 'Jules account base URL refused');
      throw badRequest('baseUrl is not reachable from this server or points to a private, loopback or link-local address (see AUTOPILOT_OUTBOUND_ALLOW)', [
        { path: 'body.baseUrl', message: 'not reachable or not a public address' },
      ]);
    }
  }

  /**
   * A live check of a key before it is saved: one `sources.list` (pageSize 1) at the URL the key will be used
   * with, through a throwaway client (few attempts, short timeout, its own breaker). A key Jules refuses is a 400
   * naming body.apiKey; an address that does not answer, or not as Jules, is a 400 naming body.baseUrl (body.apiKey
   * for the default URL); Jules answering 5xx is a 503. Nothing the upstream said is repeated.
   */
  async function verifyKey(apiKey: string, baseUrl: string | null): Promise<void> {
    const trusted = baseUrl === null;
    const url = baseUrl ?? deps.defaultBaseUrl ?? JULES_BASE_URL;
    const probe = createJulesClient({
      baseUrl: url,
      apiKey,
      fetch: deps.outbound.trusted.fetch,
      clock,
      log: deps.log.child({ julesKeyCheck: true }),
      maxAttempts: 2,
      timeoutMs: 10_000,
      backoff: { initialMs: 250, maxMs: 1000 },
      // A person is waiting: a long Retry-After is reported (429), not waited out.
      maxRetryAfterMs: 3000,
      breaker: { consecutiveFailures: 100, halfOpenAfterMs: 1000 },
      ...deps.clientOptions,
      ...(trusted ? {} : { fetch: deps.outbound.fetch }),
    });
    try {
      await probe.listSources({ pageSize: 1 });
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      const where = trusted ? 'Jules' : `The server at ${url}`;
      if (err instanceof UpstreamAuth) {
        throw badRequest(`Jules refused this key (HTTP ${err.status ?? 401}): check that it is a Jules API key (jules.google.com, Settings, API keys) and that it is still active`, [
          { path: 'body.apiKey', message: 'Jules refused this key' },
        ]);
      }
      if (err instanceof UpstreamRateLimited) {
        throw new AppError('rate_limited', `Jules is limiting requests from this key; try again in ${Math.ceil(err.retryAfterMs / 1000)} s (nothing was saved)`, { retryAfterMs: err.retryAfterMs });
      }
      if (err instanceof UpstreamNotFound && !trusted) {
        throw badRequest(`${where} has no Jules API there (HTTP 404): the base URL should end in /v1alpha`, [{ path: 'body.baseUrl', message: 'no Jules API at this address' }]);
      }
      if (err.status !== undefined && err.status >= 500) {
        throw new AppError('upstream_unavailable', `${where} is unavailable right now (HTTP ${err.status}), so the key could not be checked; nothing was saved, try again in a moment`, {
          upstream: { status: err.status },
        });
      }
      // Nothing answered, or something that is not the Jules API: the address (or, for the default one, the setup) is wrong.
      const what = err.status === undefined ? 'could not be reached' : `answered HTTP ${err.status}${err.status < 300 ? ' with something that is not the Jules API' : ''}`;
      throw badRequest(`The key could not be checked: ${where} ${what}. Nothing was saved; check the base URL (it ends in /v1alpha) and try again`, {
        issues: [{ path: trusted ? 'body.apiKey' : 'body.baseUrl', message: `not checked: ${trusted ? 'Jules' : 'the server'} ${what}` }],
        upstream: { status: err.status ?? null },
      });
    }
  }

  return {
    list: async (workspaceId: string) => (await store.list(workspaceId)).map(toAccount),
    rows: (workspaceId: string) => store.list(workspaceId),
    row: (workspaceId: string, id: string) => store.get(workspaceId, id),
    /** Every account of every workspace (for the sync loop). */
    allRows: () => store.all(),

    /**
     * Adds an account once Jules accepted its key (a live call, see `verifyKey`). `verify: false` is for setups
     * that need a row at an address that is not Jules (tests of the address guard); the API always verifies.
     */
    async add(workspaceId: string, body: CreateJulesAccountBody, opts: { verify?: boolean } = {}): Promise<JulesAccount> {
      if (body.baseUrl) await checkBaseUrl(body.baseUrl);
      const baseUrl = body.baseUrl?.replace(/\/+$/, '') ?? null;
      if ((await store.list(workspaceId)).some((r) => r.name === body.name)) throw conflict(`A Jules account named ${body.name} already exists`, { field: 'name' });
      if (opts.verify !== false) await verifyKey(body.apiKey, baseUrl);
      const row: JulesAccountsTable = {
        id: randomUUID(),
        workspace_id: workspaceId,
        name: body.name,
        origin: 'api',
        api_key_sealed: secrets.encrypt(body.apiKey),
        key_last4: last4(body.apiKey),
        base_url: baseUrl,
        created_at: iso(clock),
        last_sync_at: null,
        last_full_sync_at: null,
        last_archived_sync_at: null,
        last_error: null,
      };
      try {
        await store.insert(row);
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(`A Jules account named ${body.name} already exists`, fieldIssue('body.name', 'already taken'));
        throw err;
      }
      return toAccount(row);
    },

    /**
     * Renames an account, rotates its key, or moves it to another base URL. A key follows its URL: a new base URL
     * without the key again is a 400, so whoever changes where the key goes must hold it. Accounts from
     * configuration (JULES_API_KEY, demo) are changed in the configuration, never here.
     */
    async update(workspaceId: string, id: string, patch: UpdateJulesAccountBody): Promise<JulesAccount> {
      const row = await store.get(workspaceId, id);
      if (!row) throw notFound('Jules account', id);
      if (row.origin !== 'api') throw conflict('This account comes from configuration (JULES_API_KEY or demo mode); change the configuration instead', fieldIssue('param.id', 'comes from configuration'));
      const baseUrl = patch.baseUrl === undefined ? row.base_url : patch.baseUrl === null ? null : patch.baseUrl.replace(/\/+$/, '');
      if (baseUrl !== row.base_url && patch.apiKey === undefined) {
        throw badRequest('Changing baseUrl needs the apiKey again: the stored key is never sent to a new address', [{ path: 'body.apiKey', message: 'required when baseUrl changes' }]);
      }
      if (baseUrl !== null && baseUrl !== row.base_url) await checkBaseUrl(baseUrl);
      // A rotated key (or the key at its new address) is checked live like a new one.
      if (patch.apiKey !== undefined) await verifyKey(patch.apiKey, baseUrl);
      const fields: Partial<JulesAccountsTable> = {
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.apiKey !== undefined && { api_key_sealed: secrets.encrypt(patch.apiKey), key_last4: last4(patch.apiKey) }),
        base_url: baseUrl,
        // What the old key saw at the old URL says nothing about the new pair.
        ...(patch.apiKey !== undefined && { last_error: null }),
      };
      try {
        await store.update(id, fields);
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(`A Jules account named ${patch.name} already exists`, fieldIssue('body.name', 'already taken'));
        throw err;
      }
      clients.delete(id);
      return toAccount({ ...row, ...fields });
    },

    /** Removes an account and (by cascade) its mirrored sessions. Accounts from configuration cannot be removed. */
    async remove(workspaceId: string, id: string): Promise<JulesAccount> {
      const row = await store.get(workspaceId, id);
      if (!row) throw notFound('Jules account', id);
      if (row.origin !== 'api') throw conflict('This account comes from configuration (JULES_API_KEY or demo mode); change the configuration instead', fieldIssue('param.id', 'comes from configuration'));
      await store.remove(workspaceId, id);
      clients.delete(id);
      return toAccount(row);
    },

    /**
     * At start: make sure `workspaceId` has the runtime account (env key or simulator). The simulator's row and its
     * mirrored sessions are kept when the simulator continued its saved world (DATA_DIR): same account id, same
     * sessions, only its port changes. A new simulator world drops the old row first: its sessions would only mislead.
     */
    async ensureRuntimeAccount(workspaceId: string): Promise<JulesAccountsTable | undefined> {
      const rt = deps.runtime;
      const keep = rt?.origin === 'simulator' && rt.restored === true;
      if (!keep) for (const old of await store.byOrigin(workspaceId, 'simulator')) await store.remove(workspaceId, old.id);
      if (!rt) return undefined;
      const existing = (await store.byOrigin(workspaceId, rt.origin))[0];
      if (existing) {
        await store.update(existing.id, { key_last4: last4(rt.apiKey), base_url: rt.baseUrl });
        return { ...existing, key_last4: last4(rt.apiKey), base_url: rt.baseUrl };
      }
      const row: JulesAccountsTable = {
        id: randomUUID(), workspace_id: workspaceId, name: rt.name, origin: rt.origin, api_key_sealed: '', key_last4: last4(rt.apiKey),
        base_url: rt.baseUrl, created_at: iso(clock), last_sync_at: null, last_full_sync_at: null, last_archived_sync_at: null, last_error: null,
      };
      try {
        await store.insert(row);
      } catch (err) {
        // Another instance starting at the same time inserted it first.
        if (!isUniqueViolation(err)) throw err;
        return (await store.byOrigin(workspaceId, rt.origin))[0];
      }
      return row;
    },

    /** True when the account's URL is the operator's (configuration, or an API account without its own URL). */
    trusted: (r: JulesAccountsTable) => r.origin !== 'api' || r.base_url === null,

    /** The client for an account, or null when its key is not available (an env account without JULES_API_KEY). */
    client(r: JulesAccountsTable): JulesClient | null {
      const cred = credentials(r);
      if (!cred) return null;
      const fingerprint = createHash('sha256').update(`${cred.trusted}\n${cred.baseUrl}\n${cred.apiKey}`).digest('hex');
      const hit = clients.get(r.id);
      if (hit && hit.fingerprint === fingerprint) return hit.client;
      const client = createJulesClient({
        baseUrl: cred.baseUrl,
        apiKey: cred.apiKey,
        fetch: deps.outbound.trusted.fetch,
        clock,
        log: deps.log.child({ julesAccount: r.id }),
        metrics: deps.metrics,
        onBreakerChange: (open) => {
          void deps.bus?.publish(open ? 'breaker.opened' : 'breaker.closed', r.workspace_id, { breaker: 'jules', accountId: r.id, accountName: r.name, state: open ? 'open' : 'closed' });
        },
        ...deps.clientOptions,
        // Tests and benchmarks may swap the transport of trusted accounts; a user-supplied URL always meets the guard.
        ...(cred.trusted ? {} : { fetch: deps.outbound.fetch }),
      });
      clients.set(r.id, { fingerprint, client });
      return client;
    },

    /**
     * One `jules` health component: degraded while any account client's circuit breaker is open. Aggregated, because
     * /api/health is global and must not reveal other workspaces' account ids.
     */
    healthComponents(): ComponentHealth[] {
      if (clients.size === 0) return [];
      let open = 0;
      for (const { client } of clients.values()) {
        const state = client.transport.breaker.state;
        if (state === CircuitState.Open || state === CircuitState.Isolated) open++;
      }
      return [{ name: 'jules', status: open ? 'degraded' : 'ok', latencyMs: null, detail: `${open} of ${clients.size} Jules account clients have an open circuit` }];
    },

    recordSync: (id: string, fields: Partial<Pick<JulesAccountsTable, 'last_sync_at' | 'last_full_sync_at' | 'last_archived_sync_at' | 'last_error'>>) =>
      store.update(id, fields),
  };
}
export type AccountsService = ReturnType<typeof createAccountsService>;
