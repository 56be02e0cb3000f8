import fs from 'node:fs';
import { Redis } from 'ioredis';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Config } from './platform/config';
import { createLogger, type Logger } from './platform/logger';
import { openDatabase, type Db } from './platform/db';
import { createSecretBox, loadOrCreateMasterKey } from './platform/crypto';
import { systemClock } from './platform/clock';
import { createMetrics } from './platform/metrics';
import { createMemoryBus, type EventBus } from './platform/events/bus';
import { createRedisBus } from './platform/events/redis-bus';
import { createQueue } from './platform/queue';
import type { JobQueue } from './platform/queue/port';
import { createHttpApp } from './platform/http/app';
import { requireAuth } from './platform/http/auth';
import { createAuthThrottle } from './platform/http/throttle';
import { registerDocs } from './platform/http/docs';
import { registerDashboard } from './platform/http/static';
import { listen } from './platform/http/serve';
import type { ApiApp } from './platform/http/types';
import { intervalLoop, type Loop } from './platform/loops';
import { VERSION } from './platform/version';
import { jobCatalog, type JobCatalog } from './jobs.catalog';
import { createWorkspacesStore } from './features/workspaces/workspaces.store';
import { createWorkspacesService, type WorkspacesService } from './features/workspaces/workspaces.service';
import { registerWorkspacesRoutes } from './features/workspaces/workspaces.routes';
import { createKeyHasher } from './features/workspaces/keys';
import { createLoginSessions } from './features/workspaces/sessions.service';
import { registerSessionRoutes } from './features/workspaces/sessions.routes';
import { registerEventsRoutes } from './features/events/events.routes';
import { createSystemService } from './features/system/system.service';
import { registerSystemRoutes } from './features/system/system.routes';
import { createHousekeeping } from './features/housekeeping/housekeeping';
import { createModelFactory } from './integrations/llm';
import { createOutbound } from './platform/outbound';
import { createProvidersStore } from './features/providers/providers.store';
import { createProvidersService, type ProviderSeed } from './features/providers/providers.service';
import { registerProvidersRoutes } from './features/providers/providers.routes';
import { createBudgetsStore } from './features/budgets/budgets.store';
import { createBudgetsService } from './features/budgets/budgets.service';
import { registerBudgetsRoutes } from './features/budgets/budgets.routes';
import { createRoutingStore } from './features/routing/routing.store';
import { createRoutingService } from './features/routing/routing.service';
import { registerRoutingRoutes } from './features/routing/routing.routes';
import { createLlmStore } from './features/llm/llm.store';
import { createLlmService, type LlmService } from './features/llm/llm.service';
import { registerLlmRoutes } from './features/llm/llm.routes';
import { startJulesRuntime, type JulesRuntime } from './integrations/jules/runtime';
import { createSessionsFeature, registerSessionsRoutes, type SessionsFeature } from './features/sessions';
import { createKeeperFeature, mirrorFromSessions, registerKeeperRoutes, type KeeperFeature } from './features/keeper';

const DASHBOARD_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dashboard/dist');

export interface Orchestrator {
  app: ApiApp;
  url: string;
  config: Config;
  db: Db;
  bus: EventBus;
  queue: JobQueue<JobCatalog>;
  log: Logger;
  workspaces: WorkspacesService;
  /** The LLM gateway: every model call goes through it. */
  llm: LlmService;
  /** Jules sessions: the mirror (reads), actions through the Jules client, and Jules accounts. */
  sessions: SessionsFeature;
  /** The keeper: per-workspace loops acting on sessions, its settings and ledger. */
  keeper: KeeperFeature;
  /** Where the configured Jules account points; `simulator` is set in demo mode. */
  jules: JulesRuntime;
  /** The owner key generated on first start (only on that start, only when AUTOPILOT_ADMIN_KEY is unset). */
  generatedKey?: string;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Serve HTTP (default true); tests may use `app.request()` only. */
  listen?: boolean;
  dashboardDir?: string;
}

/**
 * The composition root: config -> platform -> integrations -> features -> HTTP + background daemon. The only
 * place that knows every piece.
 */
export async function startOrchestrator(config: Config, opts: StartOptions = {}): Promise<Orchestrator> {
  const log = opts.log ?? createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const clock = systemClock;
  const instanceId = config.INSTANCE_ID ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  fs.mkdirSync(config.dataDir, { recursive: true });

  const master = loadOrCreateMasterKey(config.AUTOPILOT_MASTER_KEY, config.dataDir);
  if (master.source === 'generated') log.info({ file: path.join(config.dataDir, 'master.key') }, 'generated a new master key for secrets at rest');
  if (master.source !== 'config' && config.database.kind === 'postgres') {
    log.warn('DATABASE_URL is set but AUTOPILOT_MASTER_KEY is not: every instance must share the same master key');
  }
  const secrets = createSecretBox(master.key);

  const db = await openDatabase(config.database, log);
  const bus = config.events.kind === 'redis' ? await createRedisBus({ url: config.events.redisUrl, channel: config.events.channel, log }) : createMemoryBus({ log });
  const queue = createQueue<JobCatalog>(
    config.queue.kind === 'bullmq'
      ? { kind: 'bullmq', redisUrl: config.queue.redisUrl, prefix: config.queue.prefix, catalog: jobCatalog, log }
      : { kind: 'embedded', db, catalog: jobCatalog, log, clock, instanceId },
  );
  const metrics = createMetrics();
  metrics.gauge('autopilot_queue_jobs', 'Jobs by state', ['state'], async (g) => {
    const counts = await queue.counts().catch(() => null);
    if (counts) for (const [state, n] of Object.entries(counts)) g.set({ state }, n as number);
  });
  let sseClients = 0;
  metrics.gauge('autopilot_sse_clients', 'Open event streams', [], (g) => g.set(sseClients));

  const workspacesStore = createWorkspacesStore(db);
  const hasher = createKeyHasher(master.key);
  const workspaces = createWorkspacesService({ store: workspacesStore, clock, log, hasher });
  const loginSessions = createLoginSessions({ store: workspacesStore, clock, log, hasher, ttlMs: config.AUTH_SESSION_TTL_MS });
  // Failed-auth counters are shared through Redis when instances share users (one client for the throttle).
  const throttleRedis = config.REDIS_URL ? new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false }) : undefined;
  throttleRedis?.on('error', (err) => log.debug({ err }, 'auth throttle redis error'));
  const throttle = createAuthThrottle({ failures: config.AUTH_FAILURES_PER_MINUTE, windowSec: 60, redis: throttleRedis, keyPrefix: config.REDIS_PREFIX });
  const boot = await workspaces.bootstrap(config.AUTOPILOT_ADMIN_KEY);
  if (boot.generatedKey) {
    // Printed once, on the first start only: the key is stored hashed and cannot be shown again.
    log.warn({ workspace: 'default' }, `first start: owner API key for workspace "default" (shown once, store it now): ${boot.generatedKey}`);
  }

  // Every request to a URL a user supplied leaves through this guard; the operator's own URLs use `.trusted`.
  const outbound = createOutbound({ allow: config.AUTOPILOT_OUTBOUND_ALLOW, log: log.child({ component: 'outbound' }) });

  // LLM gateway: providers (keys sealed), budgets, routing rules, and the service every feature calls.
  const llmRef: { current?: LlmService } = {};
  const providers = createProvidersService({
    store: createProvidersStore(db),
    secrets,
    clock,
    log,
    outbound,
    onChange: (id) => llmRef.current?.forgetProvider(id),
  });
  // A reservation outlives any call it covers (every attempt timing out, backoffs between), plus a margin; past
  // that the reconcile releases it, so a crash or a lost call never holds budget for ever.
  const reservationTtlMs = config.LLM_TIMEOUT_MS * (config.LLM_RETRIES + 1) + config.LLM_RETRY_BASE_MS * 16 * config.LLM_RETRIES + 60_000;
  const budgets = createBudgetsService({ store: createBudgetsStore(db), clock, instanceId, reservationTtlMs });
  const releasedAtStart = await budgets.reconcile({ atStart: true });
  if (releasedAtStart > 0) log.warn({ released: releasedAtStart }, 'released budget reservations left by a previous run');
  const routing = createRoutingService({ store: createRoutingStore(db), clock });
  const gateway = createLlmService({
    providers,
    budgets,
    routing,
    store: createLlmStore(db),
    models: createModelFactory({ fetch: outbound.fetch, trustedFetch: outbound.trusted.fetch }),
    resilience: {
      timeoutMs: config.LLM_TIMEOUT_MS,
      retries: config.LLM_RETRIES,
      retryBaseMs: config.LLM_RETRY_BASE_MS,
      retryMaxMs: Math.max(config.LLM_RETRY_BASE_MS * 16, 1),
      breaker: {
        threshold: config.LLM_BREAKER_THRESHOLD,
        minRequests: config.LLM_BREAKER_MIN_REQUESTS,
        windowMs: config.LLM_BREAKER_WINDOW_MS,
        halfOpenAfterMs: config.LLM_BREAKER_HALF_OPEN_MS,
      },
    },
    clock,
    log,
    bus,
    metrics,
  });
  const seeds: ProviderSeed[] = [
    ...(config.OPENAI_API_KEY ? [{ kind: 'openai' as const, apiKey: config.OPENAI_API_KEY, baseUrl: config.OPENAI_BASE_URL }] : []),
    ...(config.ANTHROPIC_API_KEY ? [{ kind: 'anthropic' as const, apiKey: config.ANTHROPIC_API_KEY, baseUrl: config.ANTHROPIC_BASE_URL }] : []),
    ...(config.GEMINI_API_KEY ? [{ kind: 'gemini' as const, apiKey: config.GEMINI_API_KEY, baseUrl: config.GEMINI_BASE_URL }] : []),
  ];
  llmRef.current = gateway;
  await providers.seed(boot.workspaceId, seeds);

  const jules = await startJulesRuntime({
    apiKey: config.JULES_API_KEY,
    baseUrl: config.JULES_API_BASE_URL,
    demo: { sessions: config.JULES_DEMO_SESSIONS, speed: config.JULES_DEMO_SPEED, spreadHours: 1, newSessionEveryMs: config.JULES_DEMO_NEW_SESSION_MS },
    log,
  });
  const simulated = jules.simulated;
  const sessions = await createSessionsFeature({
    db, bus, clock, log, metrics, secrets, instanceId,
    runtime: jules,
    defaultWorkspaceId: boot.workspaceId,
    pollIntervalMs: config.JULES_POLL_INTERVAL_MS,
    archivedEveryMs: config.JULES_ARCHIVED_POLL_INTERVAL_MS,
    outbound,
    defaultBaseUrl: config.JULES_API_BASE_URL,
  });
  const loops: Loop[] = [sessions.loop];
  const keeper = createKeeperFeature({
    db, bus, clock, log, metrics, instanceId,
    mirror: mirrorFromSessions(sessions.sessions, sessions.accounts),
    llm: gateway,
    knownSecrets: () => [config.OPENAI_API_KEY, config.ANTHROPIC_API_KEY, config.GEMINI_API_KEY, config.JULES_API_KEY].filter((k): k is string => !!k),
    pendingStaleMs: config.KEEPER_PENDING_STALE_MS,
    discoverEveryMs: config.KEEPER_DISCOVER_INTERVAL_MS,
    onLoop: (l) => loops.push(l),
  });
  loops.push(keeper.loop);
  loops.push(
    intervalLoop('budgets.reconcile', Math.min(reservationTtlMs, 60_000), async () => {
      const released = await budgets.reconcile();
      if (released > 0) log.warn({ released }, 'released expired budget reservations');
    }, log),
  );
  const system = createSystemService({
    version: VERSION,
    instanceId,
    startedAt: clock.now(),
    mode: { database: db.dialect, queue: queue.kind, events: bus.kind, jules: simulated ? 'simulator' : 'remote' },
    probes: [
      { name: 'database', check: () => db.ping() },
      { name: 'queue', check: () => queue.ping() },
    ],
    loops: () => loops,
    extras: () => [...gateway.healthComponents(), ...sessions.accounts.healthComponents()],
  });

  const housekeeping = createHousekeeping({ db, queue, clock, log });

  const app = createHttpApp({ log, metrics, bodyLimitBytes: config.BODY_LIMIT_BYTES });
  app.use('/api/*', requireAuth({ checkKey: (key) => workspaces.checkKey(key), sessions: loginSessions, throttle, log, trustProxy: config.TRUST_PROXY }));
  registerSystemRoutes(app, { service: system, metrics });
  registerWorkspacesRoutes(app, { service: workspaces, simulated });
  registerSessionRoutes(app, { sessions: loginSessions, trustProxy: config.TRUST_PROXY });
  // Aborted first on close: open event streams end so they do not hold the graceful stop.
  const stopping = new AbortController();
  registerEventsRoutes(app, { bus, onClient: (d) => (sseClients += d), shutdown: stopping.signal });
  registerProvidersRoutes(app, { service: providers, test: (ws, id, model) => gateway.testProvider(ws, id, model) });
  registerBudgetsRoutes(app, { service: budgets });
  registerRoutingRoutes(app, { service: routing, simulate: (ws, input) => gateway.simulate(ws, input) });
  registerLlmRoutes(app, { service: gateway });
  registerSessionsRoutes(app, sessions);
  registerKeeperRoutes(app, { service: keeper.service });
  registerDocs(app, { version: VERSION });
  registerDashboard(app, opts.dashboardDir ?? DASHBOARD_DIST);

  await queue.start();
  housekeeping.start();
  for (const l of loops) await l.start();

  let server: Awaited<ReturnType<typeof listen>> | undefined;
  if (opts.listen !== false) {
    server = await listen(app, config.HOST, config.PORT);
    log.info({ url: server.url, database: db.dialect, queue: queue.kind, events: bus.kind, jules: simulated ? 'simulator' : 'remote', instanceId }, 'Jules Autopilot is serving');
  }

  let closing: Promise<void> | undefined;
  return {
    app,
    url: server?.url ?? '',
    config,
    db,
    bus,
    queue,
    log,
    workspaces,
    llm: gateway,
    sessions,
    keeper,
    jules,
    generatedKey: boot.generatedKey,
    close: () =>
      (closing ??= (async () => {
        // Graceful stop within SHUTDOWN_TIMEOUT_MS: refuse new connections and end event streams, let requests,
        // loop ticks and jobs in flight finish (their LLM calls included); at the deadline abort what is left,
        // each aborted LLM call releasing its budget reservation, and only then close the bus and the database.
        const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS;
        stopping.abort(new Error('shutting down'));
        housekeeping.stop();
        const cutLlm = setTimeout(() => void gateway.drain(deadline), config.SHUTDOWN_TIMEOUT_MS);
        const [http] = await Promise.all([server?.close(deadline), ...loops.map((l) => l.stop())]);
        await jules.close();
        await queue.close({ timeoutMs: Math.max(0, deadline - Date.now()) });
        clearTimeout(cutLlm);
        const llm = await gateway.drain(deadline);
        log.info({ cutRequests: http?.cut ?? 0, abortedLlmCalls: llm.aborted }, 'stopped');
        await bus.close();
        throttleRedis?.disconnect();
        await db.close();
        await outbound.close();
      })()),
  };
}
