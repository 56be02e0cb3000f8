import type { Hono } from 'hono';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createClock } from './clock.ts';
import type { CreateInput } from './engine.ts';
import { Worlds, type World } from './worlds.ts';
import { FaultController, type FaultConfig } from './faults.ts';
import { Observer, type LogEntry, type RequestStats } from './observe.ts';
import { createApp } from './app.ts';
import { MinuteQuota } from './quota.ts';
import type { SimContext } from './context.ts';
import { hashString } from './rng.ts';
import { DEFAULT_SOURCES, toWireSource } from './sources.ts';
import { parseScenario, type Scenario, type SourceSpec } from './scenario.ts';
import { loadScenario, precreate } from './populate.ts';
import { byState, clockBody, forceState, sessionRows, syncAll } from './routes/control.ts';
import { sessionToWire } from './wire.ts';
import { invalidArgument } from './errors.ts';
import { msToMicros } from './time.ts';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, parseSnapshot, type SimSnapshot } from './persist.ts';
import type { Behaviour, SessionState, WireSession } from './types.ts';
import { resolvePlan, type PlanLimits, type PlanSpec, type PlanStatus } from './plan.ts';
import { formatMicros } from './time.ts';
import { GithubBridge, attachGithubBridge, resumePrWaits, type GithubBridgeOptions } from './github-bridge.ts';

/** Options of {@link createJulesSimulator}. Every field is optional. */
export interface JulesSimulatorOptions {
  /** Accepted API keys; undefined = any non-empty key is accepted. */
  apiKeys?: string | readonly string[];
  /** Seed for every random choice (number or text). Default 1. */
  seed?: number | string;
  /** Multiplies the agents' pace (2 = twice as fast). Default 1. */
  speed?: number;
  /** Number of sessions to pre-create, spread over the past. Default 0. */
  sessions?: number;
  /** How far into the past pre-created sessions reach, in hours. Default 72. */
  spreadHours?: number;
  /** Connected repositories: `owner/repo` or detailed specs. Default: a handful of sample repos. */
  sources?: readonly SourceSpec[];
  /** true = sim time moves only through clock.advance() / POST /_sim/clock. */
  manualClock?: boolean;
  /** Sim time at start (default: real now). */
  startTime?: Date | string | number;
  /** Initial faults (see README). */
  faults?: FaultConfig;
  /** A scripted scenario (already parsed JSON). */
  scenario?: unknown;
  /** Weights of the behaviour mix for sessions without a `[sim:...]` tag. */
  mix?: Partial<Record<Exclude<Behaviour, 'scripted'>, number>>;
  /** Add the bare system "Session started" activity first in every session. Default true. */
  startedActivity?: boolean;
  /** Request log capacity (ring buffer). Default 50,000. */
  logCapacity?: number;
  /**
   * Give each API key its own world of sessions, seeded from `seed` and the key (pre-created `sessions` and the
   * scenario in each), instead of one world every key sees. Default false.
   */
  worldPerKey?: boolean;
  /**
   * Continue from a snapshot (`simulator.snapshot()`, persist.ts) instead of pre-creating a world: the same
   * sessions, activities and agents, with its seed; scheduled agent steps keep their distance from the snapshot's
   * time (a downtime is not replayed at once). `sessions` and `scenario` are then not applied; `reset()` still
   * builds them.
   */
  restore?: SimSnapshot;
  /**
   * Jules plan limits of every world (each API key's with `worldPerKey`): `free` (3 concurrent / 15 creates per
   * rolling 24 h), `pro` (15 / 100), `ultra` (60 / 300), `custom:C/D` or `{ concurrent, daily }`. Creates beyond
   * the concurrent limit wait in QUEUED; beyond the daily limit they get 429. Default: no limits.
   */
  plan?: PlanSpec;
  /**
   * A GitHub simulator (packages/github-sim) to open the PRs of AUTO_CREATE_PR sessions on, through its control
   * API: a session then completes once its PR exists there, with the PR's `html_url` as its output URL. When it
   * cannot be reached, the request log gets a `github.pull` entry and the session keeps a simulated URL.
   */
  github?: GithubBridgeOptions;
}

export interface SimSessionRow {
  id: string; behaviour: Behaviour; state: SessionState; archived: boolean; title: string;
  createTime: string; updateTime: string; activities: number; source?: string;
  /** The API key whose world holds the session (only with `worldPerKey`). */
  apiKey?: string;
}

export interface ListeningSimulator {
  /** e.g. `http://127.0.0.1:41234/v1alpha` */
  baseUrl: string;
  /** e.g. `http://127.0.0.1:41234` (control API under /_sim). */
  origin: string;
  port: number;
  close(): Promise<void>;
}

export interface JulesSimulator {
  /** The Hono app, for in-process `app.request()`. */
  app: Hono;
  fetch(request: Request): Promise<Response>;
  /** Serves over HTTP (port 0 = a free port). */
  listen(port?: number, host?: string): Promise<ListeningSimulator>;
  clock: { now(): number; nowIso(): string; advance(ms: number): number };
  setFaults(config: FaultConfig): FaultConfig;
  faults(): FaultConfig;
  /** Back to the initial world: sessions, faults, stats and log (time keeps moving forward). */
  reset(): void;
  stats(): { requests: RequestStats; sessions: { byState: Record<string, number> } };
  resetStats(): void;
  log(opts?: { since?: string; limit?: number }): LogEntry[];
  sessions(): SimSessionRow[];
  /** Forces a state as POST /_sim/sessions/{id}/state does. */
  setSessionState(id: string, state: SessionState, reason?: string): WireSession;
  /** Creates a session directly (no auth, faults or limits), optionally with a forced behaviour. */
  createSession(input: CreateInput & { behaviour?: Exclude<Behaviour, 'scripted'> }): WireSession;
  /** Every world as data, as of now (persist.ts writes it; `restore` reads it back). */
  snapshot(): SimSnapshot;
  /** Calls `listener` after each API request that may have changed a world; returns the unsubscribe. */
  onMutation(listener: () => void): () => void;
  /** True when this simulator continued from `restore` rather than building a new world. */
  restored: boolean;
  /**
   * Sets the plan limits (null = none) of every world, or only of `apiKey`'s world (`worldPerKey`). Sessions
   * already waiting start at once if the new limit has room; a lower limit stops nothing that runs.
   */
  setPlan(plan: PlanSpec | null, apiKey?: string): PlanStatus[];
  /** Plan limits and slot use of every world, as `GET /_sim/plan` answers. */
  plan(): PlanStatus[];
  /** Resolves once every PR asked of the `github` simulator so far is opened or given up on (at once without one). */
  githubIdle(): Promise<void>;
}

const DEFAULT_MIX = { happy: 45, question: 15, stall: 10, fail: 10, stuck: 10, approval: 10 };

/** Creates an in-process Jules API simulator. */
export function createJulesSimulator(options: JulesSimulatorOptions = {}): JulesSimulator {
  const scenario: Scenario | undefined = options.scenario === undefined ? undefined : parseScenario(options.scenario);
  let restore = options.restore === undefined ? undefined : parseSnapshot(options.restore);
  const seedRaw = restore?.seed ?? options.seed ?? scenario?.seed ?? 1;
  const seed = typeof seedRaw === 'number' ? seedRaw >>> 0 : hashString(seedRaw);
  let startMs = options.startTime === undefined ? undefined : new Date(options.startTime).getTime();
  // Sim time never runs backwards across a restore (a snapshot of a clock advanced past real time).
  if (restore && restore.simNowMs > (startMs ?? Date.now())) startMs = restore.simNowMs;
  const clock = createClock({ manual: options.manualClock, startMs });
  const t0 = clock.now();
  const sources = (options.sources ?? scenario?.sources ?? DEFAULT_SOURCES).map(toWireSource);
  const apiKeys = typeof options.apiKeys === 'string' ? [options.apiKeys] : options.apiKeys;
  const perKey = options.worldPerKey === true;
  const faults = new FaultController(seed);
  const observer = new Observer(options.logCapacity);
  const initialPlan: PlanLimits | undefined = options.plan === undefined ? undefined : resolvePlan(options.plan);
  const github = options.github && new GithubBridge(options.github, () => sources, (e) => observer.note({
    at: new Date().toISOString(), method: 'SIM', route: 'github.pull', ...e,
  }));
  const limit = (w: World): void => {
    const { engine } = w;
    if (github) attachGithubBridge(engine, github); // every world, including those built for new keys
    const f = faults.config;
    const queueLimit = f.concurrencyLimit !== undefined && f.concurrencyMode === 'queue' ? f.concurrencyLimit : undefined;
    const planLimit = w.plan?.concurrent;
    engine.concurrencyLimit = queueLimit === undefined ? planLimit : planLimit === undefined ? queueLimit : Math.min(queueLimit, planLimit);
    engine.freezeUpdateTime = f.freezeUpdateTime === true;
    // With a plan, the log records when each session queues, starts and ends (so a test can check the limit).
    const apiKey = w.plan ? worlds.keyOf(w) : undefined;
    engine.onSlot = w.plan
      ? (event, s, atUs) => observer.note({
        at: new Date().toISOString(), method: 'SIM', route: `session.${event}`, sessionId: s.id, status: 0,
        simTime: formatMicros(atUs), active: engine.active, queued: engine.queuedCount, state: s.state, ...(apiKey ? { apiKey } : {}),
      })
      : undefined;
    engine.admitWaiting(engine.nowUs());
  };
  const fill = (w: World): void => {
    // Before the catch-up below, so pre-created sessions that finish with a PR open theirs on GitHub too.
    if (github) attachGithubBridge(w.engine, github);
    precreate(w.engine, sources, options.sessions ?? 0, options.spreadHours ?? 72);
    if (scenario) loadScenario(w.engine, sources, scenario, t0);
    w.engine.sync();
    limit(w);
  };
  const worlds = new Worlds({
    seed, speed: options.speed ?? 1, clock, sources, startedActivity: options.startedActivity ?? true,
    mix: { ...DEFAULT_MIX, ...options.mix },
  }, perKey, fill);
  worlds.defaultPlan = initialPlan;
  worlds.shared.plan = initialPlan;
  const engine = worlds.shared.engine;
  const views = new Map<World, SimContext>();
  const listeners = new Set<() => void>();
  const restored = restore !== undefined;

  const ctx: SimContext = {
    engine, faults, observer, quota: new MinuteQuota(), clock, apiKeys, sources: () => sources, createsByDay: worlds.shared.createsByDay,
    world: worlds.shared, worlds,
    forKey(key) {
      const w = worlds.forKey(key);
      if (w === worlds.shared) return ctx;
      let view = views.get(w);
      if (!view) views.set(w, (view = { ...ctx, engine: w.engine, createsByDay: w.createsByDay, world: w }));
      return view;
    },
    applyLimits() {
      for (const w of worlds.all()) limit(w);
    },
    setPlan(spec, apiKey) {
      const plan = spec === null ? undefined : resolvePlan(spec);
      syncAll(ctx);
      if (apiKey === undefined) {
        worlds.defaultPlan = plan;
        for (const w of worlds.all()) w.plan = plan;
      } else {
        if (!perKey) throw invalidArgument('apiKey applies only with worldPerKey (every key shares one world)', 'apiKey');
        if (apiKeys && !apiKeys.includes(apiKey)) throw invalidArgument(`apiKey is not an accepted key`, 'apiKey');
        worlds.forKey(apiKey).plan = plan;
      }
      ctx.applyLimits();
      ctx.mutated();
      return ctx.planStatus();
    },
    planStatus() {
      const nowMs = clock.now();
      return worlds.all().map((w) => {
        const freesAt = (w.window.count(nowMs), w.window.freesAt());
        return {
          apiKey: worlds.keyOf(w) ?? null, plan: w.plan ? { ...w.plan } : null, active: w.engine.active, queued: w.engine.queuedCount,
          createdInWindow: w.window.times.length, ...(freesAt !== undefined ? { windowFreesAt: formatMicros(msToMicros(freesAt)) } : {}),
        };
      });
    },
    mutated() {
      for (const l of listeners) l();
    },
    reset() {
      worlds.defaultPlan = initialPlan;
      worlds.clear();
      views.clear();
      observer.clear();
      ctx.quota.clear();
      github?.clear();
      populate();
    },
  };
  function populate(): void {
    faults.set(options.faults ?? {});
    if (restore) {
      const shiftUs = msToMicros(Math.max(0, clock.now() - restore.simNowMs));
      for (const ws of restore.worlds) {
        const w = ws.key === null ? worlds.shared : worlds.adopt(ws.key);
        w.engine.restore(ws.engine, shiftUs);
        resumePrWaits(w.engine, ws.engine);
        for (const [day, n] of ws.createsByDay) w.createsByDay.set(day, n);
        // The plan option, when given, wins over the saved one (the operator changed it); the window is kept.
        if (initialPlan === undefined && ws.plan !== undefined) w.plan = ws.plan ?? undefined;
        w.window.times = [...(ws.createWindow ?? [])];
      }
      // Listed keys without a world in the snapshot get theirs as usual.
      if (perKey) for (const k of apiKeys ?? []) worlds.forKey(k);
      restore = undefined;
      ctx.applyLimits();
      return;
    }
    if (!perKey) fill(worlds.shared);
    // Listed keys get their worlds now, so their sessions exist from the start rather than from first use.
    else for (const k of apiKeys ?? []) worlds.forKey(k);
    ctx.applyLimits();
  }
  populate();
  const app = createApp(ctx);

  return {
    app,
    fetch: async (req) => app.fetch(req),
    listen: (port = 0, host = '127.0.0.1') => new Promise((resolve, reject) => {
      const server = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => {
        const h = host.includes(':') ? `[${host}]` : host;
        const origin = `http://${h}:${info.port}`;
        resolve({
          baseUrl: `${origin}/v1alpha`, origin, port: info.port,
          close: () => new Promise<void>((done) => {
            const s = server as unknown as { closeAllConnections?: () => void; close(cb: () => void): void };
            s.close(() => done());
            s.closeAllConnections?.();
          }),
        });
      });
      server.once('error', reject);
    }),
    clock: {
      now: () => clock.now(),
      nowIso: () => clockBody(ctx).now,
      advance(ms) {
        const t = clock.advance(ms);
        syncAll(ctx);
        return t;
      },
    },
    setFaults(config) {
      const out = faults.set(config);
      ctx.applyLimits();
      return out;
    },
    faults: () => faults.get(),
    reset: () => ctx.reset(),
    stats: () => {
      syncAll(ctx);
      return { requests: observer.requestStats(), sessions: { byState: byState(ctx) } };
    },
    resetStats: () => observer.resetStats(),
    log: (opts) => observer.entries(opts),
    sessions: () => {
      syncAll(ctx);
      return sessionRows(ctx) as unknown as SimSessionRow[];
    },
    setSessionState(id, state, reason) {
      forceState(ctx, id, state, reason);
      ctx.mutated();
      return sessionToWire(ctx.worlds.holding(id)!.engine.store.byId.get(id)!);
    },
    createSession(input) {
      engine.sync();
      const { behaviour, ...rest } = input;
      const s = sessionToWire(engine.create(rest, { behaviour }));
      ctx.mutated();
      return s;
    },
    snapshot(): SimSnapshot {
      syncAll(ctx);
      return {
        format: SNAPSHOT_FORMAT,
        version: SNAPSHOT_VERSION,
        savedAt: new Date().toISOString(),
        simNowMs: clock.now(),
        seed,
        worlds: worlds.all().map((w) => ({
          key: worlds.keyOf(w) ?? null, engine: w.engine.snapshot(), createsByDay: [...w.createsByDay],
          plan: w.plan ? { ...w.plan } : null, createWindow: (w.window.count(clock.now()), [...w.window.times]),
        })),
      };
    },
    onMutation(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    restored,
    setPlan: (plan, apiKey) => ctx.setPlan(plan, apiKey),
    plan: () => {
      syncAll(ctx);
      return ctx.planStatus();
    },
    githubIdle: async () => github?.idle(),
  };
}
