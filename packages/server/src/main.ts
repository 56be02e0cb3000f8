import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './platform/config';
import { createLogger } from './platform/logger';
import { createPlatform } from './platform';
import { registerJobs } from './platform/feature';
import { createHttpApp } from './platform/http/app';
import { registerDocs } from './platform/http/docs';
import { registerDashboard } from './platform/http/static';
import { listen } from './platform/http/serve';
import type { Loop } from './platform/loops';
import { VERSION } from './platform/version';
import { jobCatalog } from './jobs.catalog';
import { startJulesRuntime } from './integrations/jules/runtime';
import type { Orchestrator, StartOptions } from './orchestrator';
import { createWorkspacesFeature } from './features/workspaces';
import { createEventsFeature } from './features/events';
import { createSystemFeature } from './features/system';
import { createHousekeepingFeature } from './features/housekeeping';
import { createProvidersFeature, providerSeeds } from './features/providers';
import { createBudgetsFeature } from './features/budgets';
import { createRoutingFeature } from './features/routing';
import { createLlmFeature } from './features/llm';
import { createSessionsFeature } from './features/sessions';
import { createKeeperFeature, mirrorFromSessions } from './features/keeper';
import { createSchedulesFeature } from './features/schedules';
import { createTemplatesFeature } from './features/templates';
import { createDispatchFeature } from './features/dispatch';
import { createBatchesFeature, scheduleRunner } from './features/batches';
import { createGithubFeature } from './features/github';
import { createPullsFeature } from './features/pulls';
import { createAutofixFeature } from './features/autofix';
import { createMergesFeature } from './features/merges';
import { createInboxFeature } from './features/inbox';
import { createHooksFeature } from './features/hooks';
import { createChannelsFeature } from './features/channels';
import { createTransferFeature } from './features/transfer';
import { createAuditFeature } from './features/audit';
import { createMcpFeature } from './features/mcp';
import { gracefulClose } from './shutdown';

const DASHBOARD_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dashboard/dist');
export type { Orchestrator, StartOptions } from './orchestrator';
/**
 * The composition root: config -> platform -> integrations -> features (in dependency order) -> HTTP + loops. The
 * only place that knows every piece; each feature is built by its `features/<f>/index.ts` (docs/ARCHITECTURE.md).
 */
export async function startOrchestrator(config: Config, opts: StartOptions = {}): Promise<Orchestrator> {
  const log = opts.log ?? createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const p = await createPlatform(config, log, jobCatalog);
  const { db, queue, clock, metrics, instanceId } = p;
  const audit = createAuditFeature({ db, clock, log, metrics, masterKey: p.masterKey, outbound: p.outbound, config, defaultWorkspaceId: () => workspaces.defaultWorkspaceId });
  const bus = audit.wrapBus(p.bus); // automated changes are recorded where they are published (features/audit)
  const demo = { sessions: config.JULES_DEMO_SESSIONS, speed: config.JULES_DEMO_SPEED, spreadHours: 1, newSessionEveryMs: config.JULES_DEMO_NEW_SESSION_MS };
  const jules = await startJulesRuntime({ apiKey: config.JULES_API_KEY, baseUrl: config.JULES_API_BASE_URL, demo, log, dataDir: config.dataDir, githubDemo: !config.GITHUB_API_URL });

  const workspaces = await createWorkspacesFeature({ db, bus, clock, log, masterKey: p.masterKey, config, redis: p.redis, simulated: jules.simulated });
  const events = createEventsFeature({ bus, metrics });
  const providers = createProvidersFeature({ db, secrets: p.secrets, clock, log, outbound: p.outbound });
  const github = createGithubFeature({ db, secrets: p.secrets, clock, log, outbound: p.outbound, defaultApiUrl: config.GITHUB_API_URL ?? jules.githubDemo?.baseUrl, ...(jules.githubDemo ? { demo: { workspaceId: workspaces.defaultWorkspaceId, token: jules.githubDemo.token } } : {}) });
  const budgets = await createBudgetsFeature({ db, bus, clock, log, instanceId, config });
  const routing = createRoutingFeature({ db, clock });
  const llm = createLlmFeature({ db, providers: providers.service, budgets: budgets.service, routing: routing.service, outbound: p.outbound, config, clock, log, bus, metrics });
  await providers.service.seed(workspaces.defaultWorkspaceId, providerSeeds(config));
  const sessions = await createSessionsFeature({
    db, bus, clock, log, metrics, secrets: p.secrets, instanceId, runtime: jules, defaultWorkspaceId: workspaces.defaultWorkspaceId, outbound: p.outbound,
    pollIntervalMs: config.JULES_POLL_INTERVAL_MS, archivedEveryMs: config.JULES_ARCHIVED_POLL_INTERVAL_MS, defaultBaseUrl: config.JULES_API_BASE_URL,
  });
  const dispatch = createDispatchFeature({ db, bus, queue, clock, log, instanceId, sessions: sessions.service, leaseMs: config.DISPATCH_LEASE_MS, apiWaitMs: config.DISPATCH_API_WAIT_MS });
  // Every loop, for start, stop and /api/health; the keeper adds one loop per workspace as it finds them.
  const loops: Loop[] = [...sessions.loops, ...dispatch.loops];
  const keeper = createKeeperFeature({
    db, bus, clock, log, metrics, instanceId, mirror: mirrorFromSessions(sessions.service, dispatch.createSession), llm: llm.service,
    knownSecrets: () => [config.OPENAI_API_KEY, config.ANTHROPIC_API_KEY, config.GEMINI_API_KEY, config.JULES_API_KEY].filter((k): k is string => !!k),
    pendingStaleMs: config.KEEPER_PENDING_STALE_MS, discoverEveryMs: config.KEEPER_DISCOVER_INTERVAL_MS, onLoop: (l) => loops.push(l),
  });
  dispatch.whenCreated((ws, id, k) => (k.paused ? keeper.service.setPaused(ws, id, true) : Promise.resolve()));
  const templates = createTemplatesFeature({ db, clock, log });
  const batches = createBatchesFeature({ db, clock, log, bus, dispatcher: dispatch.service, templates: templates.service });
  const schedules = createSchedulesFeature({ db, bus, clock, log, instanceId, runner: scheduleRunner(batches.service) });
  const pulls = createPullsFeature({ db, bus, clock, log, metrics, instanceId, secrets: p.secrets, github: github.service, sessions: sessions.service, publicUrl: config.AUTOPILOT_PUBLIC_URL, pollIntervalMs: config.GITHUB_POLL_INTERVAL_MS });
  const loopDeps = { db, bus, clock, log, instanceId, pulls: pulls.service, github: github.service, ledger: keeper.external, sessions: sessions.service, dispatcher: dispatch.service, conflictGraceMs: config.GITHUB_CONFLICT_GRACE_MS };
  const [autofix, merges] = [createAutofixFeature(loopDeps), createMergesFeature(loopDeps)];
  const inbox = createInboxFeature({ db, bus, clock, log, instanceId, keeper: keeper.service, sessions: sessions.service, pulls: pulls.service });
  const hooks = createHooksFeature({ ...loopDeps, metrics, secrets: p.secrets, outbound: p.outbound, batches: batches.service, inbox: inbox.service, publicUrl: config.AUTOPILOT_PUBLIC_URL, ratePerMinute: config.HOOKS_RATE_PER_MINUTE });
  const smtp = config.SMTP_URL ? { url: config.SMTP_URL, from: config.SMTP_FROM } : undefined;
  const channels = createChannelsFeature({ db, bus, clock, log, instanceId, secrets: p.secrets, outbound: p.outbound, inbox: inbox.service, smtp, publicUrl: config.AUTOPILOT_PUBLIC_URL });
  loops.push(...keeper.loops, ...budgets.loops, ...schedules.loops, ...pulls.loops, ...autofix.loops, ...merges.loops, ...inbox.loops, ...hooks.loops, ...channels.loops, ...audit.loops);
  const system = createSystemFeature({
    version: VERSION, instanceId, startedAt: clock.now(), metrics,
    mode: { database: db.dialect, queue: queue.kind, events: bus.kind, jules: jules.simulated ? 'simulator' : 'remote' },
    probes: [{ name: 'database', check: () => db.ping() }, { name: 'queue', check: () => queue.ping() }],
    loops: () => loops, extras: () => [...llm.service.healthComponents(), ...sessions.service.healthComponents(), ...github.service.healthComponents()],
  });
  const transfer = createTransferFeature({ db, secrets: p.secrets, clock, log });
  const housekeeping = createHousekeepingFeature({ db, queue, clock, log, retentionDays: config.EVENTS_RETENTION_DAYS });

  const app = createHttpApp({ log, metrics, bodyLimitBytes: config.BODY_LIMIT_BYTES, rawBodyLimitBytes: config.IMPORT_BODY_LIMIT_BYTES });
  app.use('/api/*', workspaces.authenticate, audit.record);
  for (const f of [system, workspaces, events, budgets]) f.routes(app);
  providers.routes(app, llm.service);
  routing.routes(app, llm.service);
  for (const f of [llm, sessions, keeper, dispatch, schedules, templates, batches, github, pulls, autofix, merges, inbox, hooks, channels, transfer, audit, createMcpFeature()]) f.routes(app);
  registerDocs(app, { version: VERSION, publicUrl: config.AUTOPILOT_PUBLIC_URL });
  registerDashboard(app, opts.dashboardDir ?? (config.DASHBOARD_DIR ? path.resolve(config.DASHBOARD_DIR) : DASHBOARD_DIST));
  for (const f of [dispatch, housekeeping]) registerJobs(queue, f.jobs);
  await queue.start();
  housekeeping.schedule.start();
  for (const l of loops) await l.start();
  const server = opts.listen !== false ? await listen(app, config.HOST, config.PORT) : undefined;
  if (server) log.info({ url: server.url, database: db.dialect, queue: queue.kind, events: bus.kind, jules: jules.simulated ? 'simulator' : 'remote', instanceId }, 'Jules Autopilot is serving');

  const close = gracefulClose({
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS, log, endStreams: () => events.endStreams(), stopSchedules: () => housekeeping.schedule.stop(), server, loops: () => loops,
    closeRuntime: () => jules.close(), closeQueue: (o) => queue.close(o), drainLlm: (d) => llm.service.drain(d), closePlatform: () => p.close(),
  });
  return { app, url: server?.url ?? '', config, db, bus, queue, log, workspaces: workspaces.service, llm: llm.service, sessions, keeper, dispatch, batches: batches.service, pulls: pulls.service, jules, generatedKey: workspaces.generatedKey, loginLinks: workspaces.loginLinks, close };
}
