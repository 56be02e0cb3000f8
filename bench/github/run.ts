/**
 * bench/github: GitHub API calls per hour for watching many open PRs, with the ETag client vs a plain Octokit
 * (issue #14). One in-process GitHub simulator per run on 127.0.0.1 (manual clock, a rate limit far above what is
 * sent, so neither side is throttled), N open PRs over 10 repos. Every simulated minute the poller reads each open PR
 * (GET pull) and its head's check runs (GET commits/{sha}/check-runs), the shape of the orchestrator's PR watch,
 * while 1-2% of the PRs get a push each minute (new head, new CI that finishes on the clock 1-5 minutes later).
 *
 * (A) goes through createGitHubClient (ETag cache: an unchanged answer is a 304 that GitHub does not count),
 * (B) through a stock Octokit with no cache. Both on fresh simulators with the same seed and the same steps, so they
 * see the same world; the bench fails if what the two pollers observed differs. The counts come from the
 * simulator's own request log (`counted`), not from the clients.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Octokit } from '@octokit/rest';
import { createGitHubSimulator } from '@autopilot/github-sim';
import type { Figure } from '../run';
import { createGitHubClient } from '../../packages/server/src/integrations/github';
import { createLogger } from '../../packages/server/src/platform/logger';
import { progress, round } from '../lib/stats';

const TOKEN = 'ghp_bench_github_poller_0001';
const REPOS = Array.from({ length: 10 }, (_, i) => `bench-org/service-${i}`);
const START = Date.UTC(2026, 11, 1, 9);
/** GitHub's primary rate limit for a personal token: requests per hour. */
const GITHUB_LIMIT = 5000;
/** Requests in flight at once: a watcher working through its list, not one request at a time. */
const CONCURRENCY = 16;
/** The first CI (up to 5 minutes) has finished by then: what is counted after it is the cost of the pushes alone. */
const STEADY_FROM = 6;

type Get = (route: string, params: Record<string, unknown>) => Promise<{ data: unknown }>;

interface Pull {
  repo: string;
  owner: string;
  name: string;
  number: number;
}

interface RunResult {
  requests: number;
  counted: number;
  notModified: number;
  /** What the poller saw, per minute: heads and check states, to compare A and B. */
  observed: string[];
  /** Counted requests from minute STEADY_FROM on, once the cold round and the first CI runs are behind. */
  steadyCounted: number;
  wallMs: number;
}

/** A small deterministic PRNG (mulberry32), so A and B get the same pushes. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

async function pollFor(kind: 'etag' | 'plain', prs: number, minutes: number): Promise<RunResult> {
  const sim = createGitHubSimulator({
    manualClock: true,
    seed: 14,
    startTime: START,
    tokens: { [TOKEN]: 'bench-bot' },
    // Far above either side's traffic: the bench measures calls, not throttling.
    rateLimit: 100_000_000,
    repos: REPOS,
    logCapacity: prs * 2 * (minutes + 1) + 10_000,
  });
  const server = await sim.listen(0, '127.0.0.1');
  try {
    // CI takes 1-5 minutes depending on the repo, so check runs change state a few polls after a push.
    REPOS.forEach((r, i) => sim.setCi(r, { conclusion: 'success', delaySeconds: 60 + (i % 5) * 60 }));
    const pulls: Pull[] = [];
    for (let i = 0; i < prs; i++) {
      const repo = REPOS[i % REPOS.length];
      const pr = sim.openPull(repo, { branch: `jules/task-${i}`, files: { [`src/task-${i}.ts`]: `export const v = 0;\n` }, title: `Task ${i}` });
      const [owner, name] = repo.split('/');
      pulls.push({ repo, owner, name, number: pr.number });
    }

    let get: Get;
    if (kind === 'etag') {
      const gh = createGitHubClient({
        baseUrl: server.baseUrl,
        token: TOKEN,
        fetch: globalThis.fetch,
        // The simulator's clock, so the rate gate reads resets in the same time; it never has to wait here.
        clock: { now: sim.clock.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
        log: createLogger({ level: 'silent' }),
      });
      get = (route, params) => gh.octokit.request(route, params);
    } else {
      const octokit = new Octokit({ baseUrl: server.baseUrl, auth: TOKEN, request: { fetch: globalThis.fetch } });
      get = (route, params) => octokit.request(route, params);
    }

    const random = rng(1414);
    const observed: string[] = [];
    const version = new Map<string, number>();
    const started = performance.now();
    for (let minute = 0; minute < minutes; minute++) {
      const seen: string[] = new Array(pulls.length);
      await pool(pulls.map((p, i) => ({ p, i })), CONCURRENCY, async ({ p, i }) => {
        const pull = (await get('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: p.owner, repo: p.name, pull_number: p.number })).data as { head: { sha: string }; state: string };
        const checks = (await get('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', { owner: p.owner, repo: p.name, ref: pull.head.sha })).data as {
          check_runs: Array<{ name: string; status: string; conclusion: string | null }>;
        };
        seen[i] = `${pull.head.sha.slice(0, 7)}:${checks.check_runs.map((c) => `${c.name}=${c.conclusion ?? c.status}`).join(',')}`;
      });
      observed.push(seen.join(' '));
      // 1-2% of the PRs get a push this minute (a Jules session answering review or a failing check).
      const pushes = Math.max(1, Math.round(pulls.length * (0.01 + 0.01 * random())));
      for (let k = 0; k < pushes; k++) {
        const p = pulls[Math.floor(random() * pulls.length)];
        const v = (version.get(`${p.repo}#${p.number}`) ?? 0) + 1;
        version.set(`${p.repo}#${p.number}`, v);
        sim.pushToPull(p.repo, p.number, { [`src/task-${p.number}.ts`]: `export const v = ${v};\n` });
      }
      sim.advance(60);
      progress(`${kind} minute`, minute + 1, minutes);
    }
    const wallMs = performance.now() - started;

    const api = sim.log().filter((e) => e.route.startsWith('GET /repos/'));
    const steadyIso = new Date(START + STEADY_FROM * 60_000).toISOString();
    return {
      steadyCounted: api.filter((e) => e.counted && e.at >= steadyIso).length,
      requests: api.length,
      counted: api.filter((e) => e.counted).length,
      notModified: api.filter((e) => e.notModified).length,
      observed,
      wallMs,
    };
  } finally {
    await server.close();
  }
}

export async function run({ quick }: { quick: boolean }): Promise<Figure[]> {
  const prs = quick ? 100 : 500;
  const minutes = quick ? 20 : 60;
  const a = await pollFor('etag', prs, minutes);
  const b = await pollFor('plain', prs, minutes);
  const expected = prs * 2 * minutes;
  for (const [label, r] of [['A', a], ['B', b]] as const) {
    if (r.requests !== expected) throw new Error(`${label}: ${r.requests} API requests in the simulator's log, expected ${expected}`);
  }
  // The cache must not change what the watcher sees: same heads and check states, minute by minute.
  const differs = a.observed.findIndex((o, i) => o !== b.observed[i]);
  if (differs >= 0) throw new Error(`the ETag poller saw something else than the plain one at minute ${differs}`);
  if (b.counted !== b.requests) throw new Error(`the plain Octokit had ${b.requests - b.counted} uncounted answers (it sends no If-None-Match)`);

  const perHour = (n: number) => round((n * 60) / minutes, 0);
  const aHour = perHour(a.counted);
  const bHour = perHour(b.counted);
  const over = round(bHour / GITHUB_LIMIT, 1);
  const setup = `${prs} open PRs over ${REPOS.length} repos, GET pull + GET check-runs per PR every sim minute for ${minutes} sim min${quick ? ' (scaled to an hour)' : ''}, 1-2% of PRs pushed each minute; the first round (cold cache) is included`;
  return [
    {
      name: 'counted GitHub API calls per hour, ETag client (A) vs plain Octokit (B)',
      value: aHour,
      unit: 'requests/h',
      baseline: bHour,
      ratio: round(a.counted / b.counted, 4),
      note: `${setup}; from the simulator's log (counted = against the rate limit)`,
    },
    {
      name: 'counted GitHub API calls per hour, plain Octokit (B)',
      value: bHour,
      unit: 'requests/h',
      lowerBound: GITHUB_LIMIT,
      note: `GitHub's primary limit is ${GITHUB_LIMIT}/h per token: B would exceed it by ${over}x; A uses ${round((aHour / GITHUB_LIMIT) * 100, 1)}% of it`,
    },
    {
      name: `counted calls per hour, A after minute ${STEADY_FROM} (warm cache, first CI done)`,
      value: round((a.steadyCounted * 60) / (minutes - STEADY_FROM), 0),
      unit: 'requests/h',
      baseline: round((b.steadyCounted * 60) / (minutes - STEADY_FROM), 0),
      note: 'what a long-running watcher pays per hour: only the pushes and their CI',
    },
    { name: 'share of A answered 304 Not Modified (not counted)', value: round((a.notModified / a.requests) * 100, 1), unit: '%' },
    { name: 'requests per hour sent, either client', value: perHour(a.requests), unit: 'requests/h', note: `A and B send the same requests (${perHour(b.requests)}/h for B); only what counts differs` },
    { name: 'wall time of the polling, A vs B', value: round(a.wallMs / 1000, 1), unit: 's', baseline: round(b.wallMs / 1000, 1), note: 'in-process simulator on 127.0.0.1; not a figure about GitHub' },
  ];
}

// Run alone: `node bin/run-ts.mjs bench/github/run.ts [--quick]`.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run({ quick: process.argv.includes('--quick') }).then(
    (figures) => {
      for (const f of figures) console.log(`${f.name}: ${f.value} ${f.unit}${f.baseline !== undefined ? ` (baseline ${f.baseline}, ratio ${f.ratio ?? round(f.value / f.baseline, 3)})` : ''}${f.note ? `  [${f.note}]` : ''}`);
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
