import { Hono, type Context } from 'hono';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createClock, isoSeconds } from './clock.ts';
import { GhError, invalidField } from './errors.ts';
import { makeApi, tokenOf, JSON_TYPE } from './http.ts';
import { Ids } from './ids.ts';
import { RateLimits, type Bucket } from './limits.ts';
import { RequestLog, type LogEntry } from './log.ts';
import { mergePull, runAutoMerges } from './merge.ts';
import { GitHubState, type FileChanges, type RepoSpec } from './state.ts';
import { Webhooks, type Delivery } from './webhooks.ts';
import { registerCheckRoutes } from './routes/checks.ts';
import { registerIssueRoutes } from './routes/issues.ts';
import { registerPullRoutes } from './routes/pulls.ts';
import { registerRepoRoutes } from './routes/repos.ts';
import { registerControlRoutes } from './routes/control.ts';
import { Apps, registerAppControl, registerAppRoutes, type AppSpec } from './routes/apps.ts';
import { restoreInto, takeSnapshot, type GitHubSimSnapshot } from './snapshot.ts';
import { registerGraphqlRoutes } from './routes/graphql.ts';
import type { CiOutcome, MergeMethod, Review } from './types.ts';
import { wireRepo } from './wire.ts';
import type { ControlApi, PullOptions } from './control-api.ts';

export interface GitHubSimulatorOptions {
  /** Accepted tokens (list, or token -> login). Undefined: any token is accepted, as login `autopilot-bot`. */
  tokens?: readonly string[] | Record<string, string>;
  /** Seed of every SHA, id and delivery id. Default 1. */
  seed?: number | string;
  /** Sim seconds per real second (default 1). */
  speed?: number;
  /** true: sim time moves only through advance() / POST /_sim/clock. */
  manualClock?: boolean;
  startTime?: Date | string | number;
  /** Repositories at start: `owner/name` or a spec. */
  repos?: readonly (string | RepoSpec)[];
  /** Requests per token per sim hour (default 5000). */
  rateLimit?: number;
  /** Webhooks that get every repository's events. */
  webhooks?: readonly { url: string; secret: string; events?: string[] }[];
  logCapacity?: number;
  /** GitHub Apps (JWT auth, installation tokens): routes/apps.ts. */
  apps?: readonly AppSpec[];
  /** A world saved with snapshot(): restored instead of `repos`/`apps`, its clock continuing from the snapshot's time. */
  restore?: GitHubSimSnapshot;
}

export interface ListeningGitHubSimulator { baseUrl: string; port: number; close(): Promise<void> }
export type { PullOptions } from './control-api.ts';

const DEFAULT_LOGIN = 'autopilot-bot';

/** A GitHub REST API simulator: see README.md. Every control method also exists under /_sim (routes/control.ts). */
export function createGitHubSimulator(opts: GitHubSimulatorOptions = {}) {
  const start = opts.restore ? opts.restore.clockMs : opts.startTime === undefined ? undefined : new Date(opts.startTime).getTime();
  const clock = createClock({ startMs: start, manual: opts.manualClock, speed: opts.speed });
  const userTokens = opts.tokens === undefined ? null : new Map(Array.isArray(opts.tokens) ? opts.tokens.map((t) => [t, DEFAULT_LOGIN]) : Object.entries(opts.tokens));
  const limits = new RateLimits(opts.rateLimit ?? 5000, clock.now);
  const log = new RequestLog(opts.logCapacity);
  const nowIso = () => isoSeconds(clock.now());
  const seed = opts.restore?.seed ?? String(opts.seed ?? 1);
  let ids = new Ids(seed);
  let hooks = new Webhooks(ids, nowIso);
  const apps = new Apps(clock.now, () => `ghs_${ids.sha().slice(0, 36)}`);
  const tokens = apps.tokenTable(userTokens);
  const mutations = new Set<() => void>();
  let state = build(opts.restore);

  function build(snap?: GitHubSimSnapshot): GitHubState {
    const s = new GitHubState(ids, clock, (r, event, payload) => {
      hooks.deliver(r, event, payload);
      for (const fn of mutations) fn();
    }, DEFAULT_LOGIN);
    if (snap) {
      ids.setCounters(snap.counters);
      hooks.global = structuredClone(snap.globalHooks);
      restoreInto(s, apps, snap);
      return s;
    }
    hooks.global = (opts.webhooks ?? []).map((h) => ({ id: ids.id(), url: h.url, secret: h.secret, events: h.events ?? ['*'] }));
    for (const spec of opts.repos ?? []) s.createRepo(typeof spec === 'string' ? splitRepo(spec) : spec);
    apps.clear();
    for (const a of opts.apps ?? []) apps.add(a);
    return s;
  }

  const sync = (): void => {
    state.sync();
    if (runAutoMerges(state)) state.sync();
  };
  const login = (c: Context): string => {
    const t = tokenOf(c);
    return (t && tokens.get(t)) ?? DEFAULT_LOGIN;
  };
  const repo = (full: string) => {
    const { owner, name } = splitRepo(full);
    return state.repo(owner, name);
  };
  const pr = (full: string, n: number) => {
    const r = repo(full);
    return { r, i: state.pull(r, n) };
  };

  const control: ControlApi = {
    createRepo(spec: RepoSpec) {
      return wireRepo(state, state.createRepo(spec));
    },
    /** Commits files on a branch (new or existing) without a PR; returns the new head SHA. */
    pushBranch(full: string, branch: string, files: FileChanges, message = `Update ${branch}`): string {
      sync();
      return state.push(repo(full), branch, files, message);
    },
    /** Pushes `files` on a new branch and opens a PR from it (emits push, then pull_request opened). */
    openPull(full: string, o: PullOptions) {
      sync();
      const r = repo(full);
      if (r.branches.has(o.branch)) throw invalidField('PullRequest', 'branch', 'already_exists');
      state.push(r, o.branch, o.files ?? {}, o.message ?? `Changes on ${o.branch}`, o.user);
      const i = state.openPull(r, { head: o.branch, base: o.base, title: o.title ?? o.branch, body: o.body, draft: o.draft, user: o.user });
      return state.wirePull(r, i);
    },
    /** A new commit on the PR's head (pull_request synchronize); returns the new head SHA. */
    pushToPull(full: string, n: number, files: FileChanges, message = 'Update'): string {
      sync();
      const { r, i } = pr(full, n);
      return state.pushToPull(r, i, files, message);
    },
    /** CI outcome for the repo's pushes, or one PR's; runs under way on affected heads follow it. */
    setCi(full: string, ci: Partial<CiOutcome>, n?: number): CiOutcome {
      sync();
      const r = repo(full);
      const out = state.setCi(r, ci, n === undefined ? undefined : state.pull(r, n));
      sync();
      return out;
    },
    setMergeable(full: string, n: number, mergeable: boolean | null) {
      const { r, i } = pr(full, n);
      i.pull!.mergeable = mergeable;
      sync();
      return state.wirePull(r, i);
    },
    addReview(full: string, n: number, o: { user: string; state: Review['state']; body?: string; comments?: { path: string; line: number; body: string }[] }) {
      const { r, i } = pr(full, n);
      state.addReview(r, i, o);
      sync();
      return state.wirePull(r, i);
    },
    addLabels(full: string, n: number, labels: string[]) {
      const r = repo(full);
      state.addLabels(r, state.issue(r, n), labels);
      return labels;
    },
    comment(full: string, n: number, body: string, user?: string) {
      const r = repo(full);
      return state.comment(r, state.issue(r, n), body, user);
    },
    closePull(full: string, n: number) {
      const { r, i } = pr(full, n);
      state.setState(r, i, 'closed');
      return state.wirePull(r, i);
    },
    mergePull(full: string, n: number, o: { method?: MergeMethod; sha?: string } = {}) {
      sync();
      const { r, i } = pr(full, n);
      return mergePull(state, r, i, o);
    },
    /** GitHub's auto-merge (a GraphQL mutation there): merges once the PR is clean. */
    enableAutoMerge(full: string, n: number, method: MergeMethod = 'merge', user = DEFAULT_LOGIN) {
      const { r, i } = pr(full, n);
      if (!r.allowAutoMerge) throw new GhError(422, 'Auto-merge is not allowed for this repository');
      if (i.state !== 'open') throw new GhError(422, 'Pull request is closed');
      i.pull!.autoMerge = { method, by: user };
      sync();
      return state.wirePull(r, i);
    },
    pull(full: string, n: number) {
      sync();
      const { r, i } = pr(full, n);
      return state.wirePull(r, i);
    },
    addHook(full: string, h: { url: string; secret: string; events?: string[] }) {
      const hook = { id: ids.id(), url: h.url, secret: h.secret, events: h.events ?? ['*'] };
      repo(full).hooks.push(hook);
      return hook;
    },
    /** Moves sim time; CI due by then completes (and auto-merges run). */
    advance(seconds: number): string {
      clock.advance(seconds * 1000);
      sync();
      return nowIso();
    },
    setRateLimit(o: { token?: string; limit?: number; remaining?: number; resetInSeconds?: number }): Bucket[] {
      return limits.set(o);
    },
    log(o?: { since?: string; route?: string }): LogEntry[] {
      return log.entries(o);
    },
    deliveries(o?: { event?: string }): Delivery[] {
      return hooks.deliveries(o);
    },
    /** Sends a logged delivery again: same X-GitHub-Delivery, same body and signature. */
    redeliver(id: string): Delivery {
      const d = hooks.redeliver(id);
      if (!d) throw new GhError(404, 'Not Found');
      return d;
    },
    /** Waits until every webhook delivery in flight has been answered (or failed). */
    webhooksIdle: () => hooks.idle(),
    /** Back to the initial repositories; log, deliveries and rate limits cleared (time keeps going). */
    reset(): void {
      ids = new Ids(String(opts.seed ?? 1));
      hooks = new Webhooks(ids, nowIso);
      const origin = state.origin;
      state = build();
      state.origin = origin;
      limits.clear();
      log.clear();
    },
  };

  const app = new Hono();
  const api = makeApi({ tokens, limits, log, now: clock.now, sync });
  // Route modules get the current state through a proxy so reset() swaps it under them.
  const live = new Proxy({} as GitHubState, { get: (_, k) => { const v = (state as any)[k]; return typeof v === 'function' ? v.bind(state) : v; } });
  registerRepoRoutes(app, api, live, login);
  registerPullRoutes(app, api, live, login);
  registerIssueRoutes(app, api, live, login);
  registerCheckRoutes(app, api, live);
  registerGraphqlRoutes(app, api, live, login);
  registerAppRoutes(app, api, live, apps, log, clock.now);
  registerControlRoutes(app, control, nowIso);
  registerAppControl(app, (spec) => apps.add(spec));
  app.notFound((c) => c.body(JSON.stringify({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' }), 404, { 'content-type': JSON_TYPE }));

  return {
    app,
    clock: { now: clock.now, nowIso, advance: (ms: number) => control.advance(ms / 1000) },
    ...control,
    /** Adds a GitHub App (also POST /_sim/apps). */
    addApp: (spec: AppSpec) => apps.add(spec),
    /** Whether this world was restored from a snapshot (option `restore`). */
    restored: opts.restore !== undefined,
    /** The whole world as JSON-safe data (snapshot.ts); `restore()` or option `restore` brings it back. */
    snapshot: (): GitHubSimSnapshot => takeSnapshot(state, { seed, globalHooks: hooks.global, apps }),
    /** Replaces the world with a snapshot's; the clock moves forward to its time if it is ahead (never back). */
    restore(snap: GitHubSimSnapshot): void {
      if (snap.clockMs > clock.now()) clock.advance(snap.clockMs - clock.now());
      ids = new Ids(snap.seed);
      hooks = new Webhooks(ids, nowIso);
      const origin = state.origin;
      state = build(snap);
      state.origin = origin;
    },
    /** Called after every change that emits a webhook event (persisters debounce on it); returns unsubscribe. */
    onMutation(fn: () => void): () => void {
      mutations.add(fn);
      return () => mutations.delete(fn);
    },
    async listen(port = 0, host = '127.0.0.1'): Promise<ListeningGitHubSimulator> {
      const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
        const s = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(s));
      });
      const addr = server.address() as AddressInfo;
      const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
      const baseUrl = `http://${shown}:${addr.port}`;
      state.origin = baseUrl;
      // A running clock completes CI (and sends its webhooks) even when nobody polls.
      const timer = opts.manualClock ? undefined : setInterval(sync, 200);
      timer?.unref();
      return {
        baseUrl, port: addr.port,
        close: () => new Promise<void>((resolve, reject) => {
          if (timer) clearInterval(timer);
          (server as any).closeAllConnections?.();
          server.close((e?: Error) => (e ? reject(e) : resolve()));
        }),
      };
    },
  };
}

export type GitHubSimulator = ReturnType<typeof createGitHubSimulator>;

export function splitRepo(full: string): { owner: string; name: string } {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(full.trim());
  if (!m) throw new GhError(400, `repository must be owner/name, got "${full}"`);
  return { owner: m[1], name: m[2] };
}
