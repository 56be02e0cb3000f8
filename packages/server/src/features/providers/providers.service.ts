import { randomUUID } from 'node:crypto';
import type { CreateProviderBody, DefaultModels, ModelPrice, ProviderInfo, ProviderKind, UpdateProviderBody } from '@autopilot/contracts';
import { fieldIssue } from '@autopilot/contracts';
import type { SecretBox } from '../../platform/crypto';
import { badRequest, conflict, notFound } from '../../platform/errors';
import { isUniqueViolation } from '../../platform/db';
import { iso, type Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import type { LlmProvidersTable } from '../../platform/db/schema';
import type { ProvidersStore } from './providers.store';
import type { Outbound } from '../../platform/outbound';

/** A provider config with its key decrypted, for the gateway only (never serialised). */
export interface ResolvedProvider {
  id: string;
  workspaceId: string;
  kind: ProviderKind;
  name: string;
  apiKey: string;
  baseUrl: string | null;
  priority: number;
  enabled: boolean;
  maxConcurrency: number;
  defaultModels: DefaultModels;
  pricing: Record<string, ModelPrice> | null;
  version: string;
}

export interface ProvidersDeps {
  store: ProvidersStore;
  secrets: SecretBox;
  clock: Clock;
  log: Logger;
  /** Checks user-supplied base URLs when they are set (the connect-time guard checks every call again). */
  outbound: Pick<Outbound, 'check'>;
  /** Called after a provider changes or is deleted (the gateway drops its breakers and clients). */
  onChange?: (providerId: string) => void;
  /** How long resolved providers are cached per workspace; other instances see changes after at most this long. */
  cacheMs?: number;
}

/** A seed from the environment (OPENAI_API_KEY ...) for the default workspace. */
export interface ProviderSeed {
  kind: ProviderKind;
  apiKey: string;
  baseUrl?: string;
}

const SEED_DEFAULTS: Record<Exclude<ProviderKind, 'openai-compatible'>, { priority: number; defaultModels: DefaultModels }> = {
  anthropic: { priority: 100, defaultModels: { default: 'claude-sonnet-4-5', summarize: 'claude-haiku-4-5' } },
  openai: { priority: 110, defaultModels: { default: 'gpt-4.1-mini', review: 'gpt-4.1' } },
  gemini: { priority: 120, defaultModels: { default: 'gemini-2.5-flash', review: 'gemini-2.5-pro' } },
};

const last4 = (key: string) => key.slice(-4);

const toInfo = (r: LlmProvidersTable): ProviderInfo => ({
  id: r.id,
  kind: r.kind as ProviderKind,
  name: r.name,
  keyLast4: r.key_last4,
  baseUrl: r.base_url,
  priority: r.priority,
  enabled: r.enabled === 1,
  maxConcurrency: r.max_concurrency,
  defaultModels: JSON.parse(r.default_models) as DefaultModels,
  pricing: r.pricing ? (JSON.parse(r.pricing) as Record<string, ModelPrice>) : null,
  source: r.source === 'env' ? 'env' : 'api',
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});


/** LLM provider configs per workspace. Keys are sealed with the master key; the API sees only their last four characters. */
export function createProvidersService(deps: ProvidersDeps) {
  const { store, secrets, clock } = deps;
  const cacheMs = deps.cacheMs ?? 5_000;
  const cache = new Map<string, { until: number; items: ResolvedProvider[] }>();
  const listeners = new Set<(providerId: string) => void>();

  function changed(workspaceId: string, id: string) {
    cache.delete(workspaceId);
    deps.onChange?.(id);
    for (const l of listeners) l(id);
  }

  async function checkUrl(kind: ProviderKind, baseUrl: string | null | undefined) {
    if (kind === 'openai-compatible' && !baseUrl) throw badRequest('openai-compatible providers need a base URL', fieldIssue('body.baseUrl', 'required for openai-compatible providers'));
    if (!baseUrl) return;
    try {
      await deps.outbound.check(baseUrl);
    } catch (err) {
      deps.log.debug({ reason: (err as { reason?: string }).reason }, 'provider base URL refused');
      throw badRequest('baseUrl is not reachable from this server or points to a private, loopback or link-local address (see AUTOPILOT_OUTBOUND_ALLOW)', fieldIssue('body.baseUrl', 'not an allowed outbound address'));
    }
  }

  const resolve = (r: LlmProvidersTable): ResolvedProvider => ({
    ...toInfo(r),
    workspaceId: r.workspace_id,
    apiKey: secrets.decrypt(r.api_key_sealed),
    version: r.updated_at,
  });

  async function insert(workspaceId: string, body: CreateProviderBody, source: 'api' | 'env') {
    const now = iso(clock);
    const row: LlmProvidersTable = {
      id: randomUUID(),
      workspace_id: workspaceId,
      kind: body.kind,
      name: body.name,
      api_key_sealed: secrets.encrypt(body.apiKey),
      key_last4: last4(body.apiKey),
      base_url: body.baseUrl ?? null,
      priority: body.priority,
      enabled: body.enabled ? 1 : 0,
      max_concurrency: body.maxConcurrency,
      default_models: JSON.stringify(body.defaultModels),
      pricing: body.pricing ? JSON.stringify(body.pricing) : null,
      source,
      created_at: now,
      updated_at: now,
    };
    try {
      await store.insert(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`A provider named ${body.name} already exists`, fieldIssue('body.name', 'already taken'));
      throw err;
    }
    changed(workspaceId, row.id);
    return toInfo(row);
  }

  return {
    /**
     * Calls `listener` with the id of each provider that changes or is deleted (the gateway drops its breakers and
     * clients); returns the unsubscribe.
     */
    onChanged(listener: (providerId: string) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    list: async (workspaceId: string) => (await store.list(workspaceId)).map(toInfo),

    async get(workspaceId: string, id: string) {
      const row = await store.byId(workspaceId, id);
      if (!row) throw notFound('Provider', id);
      return toInfo(row);
    },

    /** Creates a provider config; the key is sealed before it reaches the database. */
    async create(workspaceId: string, body: CreateProviderBody) {
      await checkUrl(body.kind, body.baseUrl);
      return insert(workspaceId, body, 'api');
    },

    /**
     * Updates the given fields; a new key replaces the old one (sealed), `baseUrl: null` restores the vendor default.
     * A key follows its URL: moving the provider elsewhere needs the key again, and a provider seeded from the
     * environment keeps the operator's URL (its key is the operator's, not the admin's to send elsewhere).
     */
    async update(workspaceId: string, id: string, patch: UpdateProviderBody) {
      const row = await store.byId(workspaceId, id);
      if (!row) throw notFound('Provider', id);
      const baseUrl = patch.baseUrl === undefined ? row.base_url : patch.baseUrl;
      if (baseUrl !== row.base_url) {
        if (row.source === 'env') throw conflict('This provider comes from the environment; change its base URL there (OPENAI_BASE_URL ...)', fieldIssue('body.baseUrl', 'set by the environment'));
        if (patch.apiKey === undefined) throw badRequest('Changing baseUrl needs the apiKey again: the stored key is never sent to a new address', fieldIssue('body.apiKey', 'required when baseUrl changes'));
        await checkUrl(row.kind as ProviderKind, baseUrl);
      }
      // Updates within the same millisecond must still change the version that keys cached SDK clients.
      const now = iso(clock);
      const updatedAt = now > row.updated_at ? now : new Date(Date.parse(row.updated_at) + 1).toISOString();
      const set: Partial<LlmProvidersTable> = {
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.apiKey !== undefined && { api_key_sealed: secrets.encrypt(patch.apiKey), key_last4: last4(patch.apiKey) }),
        base_url: baseUrl,
        ...(patch.priority !== undefined && { priority: patch.priority }),
        ...(patch.enabled !== undefined && { enabled: patch.enabled ? 1 : 0 }),
        ...(patch.maxConcurrency !== undefined && { max_concurrency: patch.maxConcurrency }),
        ...(patch.defaultModels !== undefined && { default_models: JSON.stringify(patch.defaultModels) }),
        ...(patch.pricing !== undefined && { pricing: patch.pricing ? JSON.stringify(patch.pricing) : null }),
        updated_at: updatedAt,
      };
      try {
        await store.update(workspaceId, id, set);
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(`A provider named ${patch.name} already exists`, fieldIssue('body.name', 'already taken'));
        throw err;
      }
      changed(workspaceId, id);
      return toInfo({ ...row, ...set } as LlmProvidersTable);
    },

    async remove(workspaceId: string, id: string) {
      const row = await store.byId(workspaceId, id);
      if (!row) throw notFound('Provider', id);
      await store.delete(workspaceId, id);
      changed(workspaceId, id);
      return toInfo(row);
    },

    /** Enabled providers with decrypted keys, by priority; cached briefly because every LLM call needs them. */
    async resolveEnabled(workspaceId: string): Promise<ResolvedProvider[]> {
      const now = clock.now();
      const hit = cache.get(workspaceId);
      if (hit && hit.until > now) return hit.items;
      const items = (await store.list(workspaceId)).filter((r) => r.enabled === 1).map(resolve);
      cache.set(workspaceId, { until: now + cacheMs, items });
      return items;
    },

    /** One provider with its decrypted key, enabled or not (for the connectivity test). */
    async resolveOne(workspaceId: string, id: string): Promise<ResolvedProvider> {
      const row = await store.byId(workspaceId, id);
      if (!row) throw notFound('Provider', id);
      return resolve(row);
    },

    /**
     * Makes the environment's providers exist in a workspace, named after their kind. Idempotent: an existing
     * env-sourced provider gets the current key and base URL; one created through the API is left alone.
     */
    async seed(workspaceId: string, seeds: ProviderSeed[]) {
      for (const s of seeds) {
        if (s.kind === 'openai-compatible') continue;
        const existing = await store.byName(workspaceId, s.kind);
        if (existing) {
          if (existing.source !== 'env') continue;
          const sameKey = secrets.decrypt(existing.api_key_sealed) === s.apiKey;
          if (sameKey && existing.base_url === (s.baseUrl ?? null)) continue;
          await store.update(workspaceId, existing.id, {
            api_key_sealed: secrets.encrypt(s.apiKey),
            key_last4: last4(s.apiKey),
            base_url: s.baseUrl ?? null,
            updated_at: iso(clock),
          });
          changed(workspaceId, existing.id);
          continue;
        }
        const d = SEED_DEFAULTS[s.kind];
        await insert(workspaceId, { kind: s.kind, name: s.kind, apiKey: s.apiKey, baseUrl: s.baseUrl, priority: d.priority, enabled: true, maxConcurrency: 8, defaultModels: d.defaultModels }, 'env').catch(
          (err) => {
            // Another instance seeding at the same moment won the insert: theirs is as good as ours.
            if (!(err instanceof Error && 'code' in err && (err as { code: string }).code === 'conflict')) throw err;
          },
        );
        deps.log.info({ provider: s.kind }, 'LLM provider configured from the environment');
      }
    },
  };
}
export type ProvidersService = ReturnType<typeof createProvidersService>;
