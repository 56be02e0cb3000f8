import fs from 'node:fs';
import path from 'node:path';
import type { AppSpec, Apps, IssuedToken } from './routes/apps.ts';
import type { GitHubState } from './state.ts';
import type { CheckRun, Commit, Hook, IssueRec, Repo, Suite } from './types.ts';

type RepoJson = Omit<Repo, 'branches' | 'commits' | 'issues'> & {
  branches: Record<string, string>;
  commits: (Omit<Commit, 'files'> & { files: Record<string, string> })[];
  issues: IssueRec[];
};

/**
 * The whole simulated world as JSON: repositories (branches, commits and their files), issues and PRs (reviews,
 * comments, CI overrides, auto-merge), check runs and suites, CI settings, hooks, apps and their issued tokens,
 * the seeded counters (so new ids, SHAs and PR numbers continue without collisions) and the sim time.
 * Not in it: the request log, webhook deliveries and rate-limit windows (they are traffic, not the world).
 */
export interface GitHubSimSnapshot {
  kind: 'github-sim';
  version: 1;
  /** Sim time of the snapshot (epoch ms): a restored simulator's clock continues from it. */
  clockMs: number;
  seed: string;
  counters: { n: number; ids: number };
  users: [string, number][];
  runNumbers: number;
  repos: RepoJson[];
  runs: CheckRun[];
  suites: Suite[];
  globalHooks: Hook[];
  apps: { spec: AppSpec; at: number }[];
  issued: IssuedToken[];
}

// structuredClone: the snapshot shares nothing with the live world (a later mutation must not change it).
const copy = <T>(v: T): T => structuredClone(v);

export function takeSnapshot(s: GitHubState, o: { seed: string; globalHooks: Hook[]; apps: Apps }): GitHubSimSnapshot {
  return copy({
    kind: 'github-sim',
    version: 1,
    clockMs: s.clock.now(),
    seed: o.seed,
    counters: s.ids.counters(),
    users: [...s.users],
    runNumbers: s.runNumbers,
    repos: [...s.repos.values()].map((r): RepoJson => ({
      ...r,
      branches: Object.fromEntries(r.branches),
      commits: [...r.commits.values()].map((c) => ({ ...c, files: Object.fromEntries(c.files) })),
      issues: [...r.issues.values()],
    })),
    runs: [...s.runs.values()],
    suites: [...s.suites.values()],
    globalHooks: o.globalHooks,
    apps: [...o.apps.apps.values()].map((a) => ({ spec: a.spec, at: a.at })),
    issued: [...o.apps.issued.values()],
  });
}

/** Fills a fresh state (built with the snapshot's seed and counters) and apps from a snapshot. */
export function restoreInto(s: GitHubState, apps: Apps, snap: GitHubSimSnapshot): void {
  const v = copy(snap);
  s.repos.clear();
  for (const r of v.repos) {
    const repo: Repo = {
      ...r,
      branches: new Map(Object.entries(r.branches)),
      commits: new Map(r.commits.map((c) => [c.sha, { ...c, files: new Map(Object.entries(c.files)) }])),
      issues: new Map(r.issues.map((i) => [i.number, i])),
    };
    s.repos.set(`${r.owner}/${r.name}`.toLowerCase(), repo);
  }
  s.runs = new Map(v.runs.map((r) => [r.id, r]));
  s.suites = new Map(v.suites.map((x) => [x.id, x]));
  s.users = new Map(v.users);
  s.runNumbers = v.runNumbers;
  apps.clear();
  for (const a of v.apps) apps.add(a.spec, a.at);
  for (const t of v.issued) apps.issued.set(t.token, t);
}

/** Checks the shape of parsed JSON before it is restored; throws naming what is wrong. */
export function parseGitHubSnapshot(v: unknown): GitHubSimSnapshot {
  const o = v as Partial<GitHubSimSnapshot> | null;
  if (!o || typeof o !== 'object' || o.kind !== 'github-sim') throw new Error('not a GitHub simulator snapshot (kind)');
  if (o.version !== 1) throw new Error(`unsupported snapshot version ${String(o.version)}`);
  if (!Number.isFinite(o.clockMs) || typeof o.seed !== 'string') throw new Error('clockMs or seed missing');
  if (!o.counters || !Number.isInteger(o.counters.n) || !Number.isInteger(o.counters.ids)) throw new Error('counters missing');
  for (const k of ['users', 'repos', 'runs', 'suites', 'globalHooks', 'apps', 'issued'] as const) {
    if (!Array.isArray(o[k])) throw new Error(`${k} must be an array`);
  }
  if (!Number.isInteger(o.runNumbers)) throw new Error('runNumbers missing');
  return o as GitHubSimSnapshot;
}

export type LoadedSnapshot =
  | { status: 'missing' }
  | { status: 'loaded'; snapshot: GitHubSimSnapshot }
  | { status: 'corrupt'; reason: string; movedTo: string };

/** Reads a saved world; a file that is not one is moved aside (`<file>.corrupt-<time>`) so the next save starts clean. */
export function loadGitHubSnapshot(file: string): LoadedSnapshot {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    throw err;
  }
  try {
    return { status: 'loaded', snapshot: parseGitHubSnapshot(JSON.parse(text)) };
  } catch (err) {
    const movedTo = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    fs.renameSync(file, movedTo);
    return { status: 'corrupt', reason: (err as Error).message, movedTo };
  }
}

let tmpSerial = 0;
async function writeAtomic(file: string, text: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${++tmpSerial}.tmp`;
  const fh = await fs.promises.open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.promises.rename(tmp, file);
}

export interface GitHubPersister {
  /** Writes now if the world changed since the last write. */
  flush(): Promise<void>;
  /** Stops watching and writes the final world (always: it carries the sim time). */
  close(): Promise<void>;
}

interface Persistable {
  snapshot(): GitHubSimSnapshot;
  onMutation(fn: () => void): () => void;
}

/**
 * Keeps the simulator's world in `file`: written (atomically, mode 0600) `debounceMs` after a change that emits an
 * event, checked every `intervalMs` for the rest (CI settings, mergeability), and on close.
 */
export function persistGitHubSimulator(sim: Persistable, o: { file: string; debounceMs?: number; intervalMs?: number; onError?: (err: unknown) => void }): GitHubPersister {
  let last = '';
  let chain: Promise<void> = Promise.resolve();
  let debounce: NodeJS.Timeout | undefined;
  let closed = false;
  const write = (force: boolean): Promise<void> => {
    chain = chain.then(async () => {
      const { clockMs, ...world } = sim.snapshot();
      const text = JSON.stringify(world);
      if (!force && text === last) return;
      await writeAtomic(o.file, `{"clockMs":${clockMs},${text.slice(1)}`);
      last = text;
    }).catch((err) => o.onError?.(err));
    return chain;
  };
  const timer = setInterval(() => void write(false), o.intervalMs ?? 5000);
  timer.unref();
  const unsubscribe = sim.onMutation(() => {
    if (closed) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => void write(false), o.debounceMs ?? 500);
    debounce.unref();
  });
  return {
    flush: () => write(false),
    async close() {
      if (closed) return chain;
      closed = true;
      clearInterval(timer);
      clearTimeout(debounce);
      unsubscribe();
      return write(true);
    },
  };
}
