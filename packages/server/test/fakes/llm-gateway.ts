import { randomBytes, randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { AppEvent } from '@autopilot/contracts';
import { createTestDb, type TestDb } from '../../src/platform/db/testing';
import { createSecretBox } from '../../src/platform/crypto';
import { createLogger } from '../../src/platform/logger';
import { systemClock, type Clock } from '../../src/platform/clock';
import { createMemoryBus } from '../../src/platform/events/bus';
import { createMetrics } from '../../src/platform/metrics';
import { createOutbound } from '../../src/platform/outbound';
import { createModelFactory, defaultResilience, type ResilienceOptions } from '../../src/integrations/llm';
import { createProvidersStore } from '../../src/features/providers/providers.store';
import { createProvidersService } from '../../src/features/providers/providers.service';
import { createBudgetsStore } from '../../src/features/budgets/budgets.store';
import { createBudgetsService } from '../../src/features/budgets/budgets.service';
import { createRoutingStore } from '../../src/features/routing/routing.store';
import { createRoutingService } from '../../src/features/routing/routing.service';
import { createLlmStore } from '../../src/features/llm/llm.store';
import { createLlmService } from '../../src/features/llm/llm.service';

/**
 * The whole gateway on a real database (SQLite or PostgreSQL), wired like main.ts, with pino writing into a
 * buffer (so tests can search every log line) and the bus recording events.
 */
export async function buildGateway(opts: { engine?: 'sqlite' | 'postgres'; resilience?: Partial<Omit<ResilienceOptions, 'breaker'>> & { breaker?: Partial<ResilienceOptions['breaker']> }; clock?: Clock; logLevel?: string; cacheMs?: number; allow?: string[] } = {}) {
  const testDb: TestDb = await createTestDb(opts.engine ?? 'sqlite');
  const db = testDb.db;
  const clock = opts.clock ?? systemClock;
  const workspaceId = randomUUID();
  await db.kysely.insertInto('workspaces').values({ id: workspaceId, name: `ws-${workspaceId.slice(0, 8)}`, created_at: new Date().toISOString() }).execute();
  const sink = new PassThrough();
  let logText = '';
  sink.on('data', (c: Buffer) => (logText += c.toString('utf8')));
  const log = createLogger({ level: opts.logLevel ?? 'trace', destination: sink });
  const bus = createMemoryBus();
  const events: AppEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const metrics = createMetrics();
  const secrets = createSecretBox(randomBytes(32));
  const hooks: { forget?: (id: string) => void } = {};
  // The fake upstreams listen on loopback: an explicit allow-list entry, the guard itself still runs on every call.
  const outbound = createOutbound({ allow: opts.allow ?? ['127.0.0.1'] });
  const providers = createProvidersService({ store: createProvidersStore(db), secrets, clock, log, outbound, onChange: (id) => hooks.forget?.(id), cacheMs: opts.cacheMs ?? 0 });
  // The bus as in main.ts: spend that reaches 80% or 100% of a limit is announced (budget.threshold).
  const budgets = createBudgetsService({ store: createBudgetsStore(db), clock, bus, log });
  const routing = createRoutingService({ store: createRoutingStore(db), clock, cacheMs: opts.cacheMs ?? 0 });
  const resilience: ResilienceOptions = {
    ...defaultResilience,
    retryBaseMs: 1,
    retryMaxMs: 5,
    ...opts.resilience,
    breaker: { ...defaultResilience.breaker, ...opts.resilience?.breaker },
  };
  const llm = createLlmService({ providers, budgets, routing, store: createLlmStore(db), models: createModelFactory({ fetch: outbound.fetch, trustedFetch: outbound.trusted.fetch }), resilience, clock, log, bus, metrics });
  hooks.forget = llm.forgetProvider;
  return {
    db,
    testDb,
    workspaceId,
    providers,
    budgets,
    routing,
    llm,
    bus,
    events,
    metrics,
    logs: () => logText,
    cleanup: async () => {
      await outbound.close();
      await testDb.cleanup();
    },
  };
}
export type Gateway = Awaited<ReturnType<typeof buildGateway>>;
