/**
 * Scale-out on PostgreSQL + Redis: 1, 2 and 3 `autopilot serve` processes (1 and 2 with --quick) share a fresh
 * database and Redis prefix; 30 Jules accounts (3 in each of 10 workspaces) point at one simulator that gives
 * every API key its own world of sessions. Per instance count:
 * - sessions mirrored per minute: the first mirror of every account's backlog, timed from the simulator's log
 *   (each session's first activities fetch), keeper off;
 * - keeper actions per minute: the keeper then switched on in all 10 workspaces at once, acting on the backlog
 *   (approvals, answers, nudges, recoveries), timed from the simulator's log of approve/message calls;
 * - how evenly the workspaces' keeper leases sit on the instances (max/mean per instance, `leases` table).
 * The ratio to one instance is the figure; the machine's load is in the notes, since all instances, PostgreSQL,
 * Redis and the simulator share its cores.
 */
import type { Figure } from '../run';
import { progress, round } from '../lib/stats';
import { ADMIN_KEY, startCluster, type Cluster } from './cluster';
import { ACTION_ROUTES, actionTimes, firstActivityFetches, keeperSent, loadNote, simLog, simStats, spread } from './observe';

const WORKSPACES = 10;
const ACCOUNTS_PER_WORKSPACE = 3;
// The keeper's tick; its lease lasts two ticks (at least 1 s). At 500 ms the 1 s lease runs out whenever one
// action takes longer on the loaded machine and the workspaces change hands many times a second (found with
// BENCH_SCALE_TICK_MS=500, see docs/PERFORMANCE.md), so the default is 2 s.
const TICK_MS = Number(process.env.BENCH_SCALE_TICK_MS ?? 2_000);
const KEEPER_ON = {
  enabled: true,
  intervals: { tickMs: TICK_MS, activeMs: Math.max(1_000, TICK_MS), waitingMs: Math.max(1_000, TICK_MS), terminalMs: 600_000 },
  approval: { policy: 'always' },
  answers: { enabled: true, answerGraceMinutes: 0, maxPerSession: 3 },
  selfHeal: { enabled: true, maxAttempts: 1, strategy: 'message' },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api(url: string, key: string, method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}${p}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p} -> ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

interface Outcome {
  instances: number;
  mirrored: number;
  mirrorMs: number;
  actions: number;
  actionMs: number;
  /** Time to 90% of the actions: the tail (sessions that moved on and need the keeper again) is left out. */
  action90Ms: number;
  elapsedMs: number;
  /** Keeper leases of the bench's workspaces that changed holder during the keeper phase (sampled every second). */
  handovers: number;
  /** Of those leases, how many had expired when the spread was read (a tick ran late). */
  expired: number;
  metricsSent: number;
  keeperSpread: ReturnType<typeof spread>;
  otherLeases: Record<string, string>;
  load: string;
}

/** Workspaces with the keeper off, then their accounts; returns each workspace's id and owner key. */
async function setUp(c: Cluster): Promise<Array<{ id: string; key: string; url: string }>> {
  const out: Array<{ id: string; key: string; url: string }> = [];
  for (let w = 0; w < WORKSPACES; w++) {
    const url = c.urls[w % c.urls.length];
    const made = await api(url, ADMIN_KEY, 'POST', '/api/workspaces', { name: `scale-${w + 1}` });
    const ws = { id: made.workspace.id as string, key: made.ownerKey.key as string, url };
    await api(url, ws.key, 'PUT', '/api/keeper/settings', { enabled: false });
    out.push(ws);
  }
  for (const [w, ws] of out.entries()) {
    for (let a = 0; a < ACCOUNTS_PER_WORKSPACE; a++) {
      const apiKey = c.apiKeys[w * ACCOUNTS_PER_WORKSPACE + a];
      await api(ws.url, ws.key, 'POST', '/api/jules/accounts', { name: `acct-${a + 1}`, apiKey, baseUrl: `${c.simUrl}/v1alpha` });
    }
  }
  return out;
}

async function measure(instances: number, sessionsPerKey: number, limits: { mirrorMs: number; keeperMs: number; quietMs: number }): Promise<Outcome> {
  const began = performance.now();
  const c = await startCluster({
    instances, accounts: WORKSPACES * ACCOUNTS_PER_WORKSPACE, sessionsPerKey,
    env: { JULES_POLL_INTERVAL_MS: '2000', KEEPER_DISCOVER_INTERVAL_MS: '1000' },
  });
  try {
    const total = c.apiKeys.length * sessionsPerKey;
    const t0 = new Date();
    const wss = await setUp(c);
    progress(`${instances} instance(s): ${WORKSPACES} workspaces, accounts added; mirroring`, 0, total);
    let firsts: number[] = [];
    for (let i = 0; ; i++) {
      const listed = (await simStats(c.simUrl))['activities.list'] ?? 0;
      if (listed >= total || i % 10 === 9) firsts = firstActivityFetches(await simLog(c.simUrl, t0.toISOString()));
      // Between log reads, the activities calls so far stand in for the count (a long session takes two pages).
      if (i % 4 === 0 || firsts.length >= total) process.stderr.write(`  ${instances} instance(s): sessions mirrored ~${Math.min(Math.max(firsts.length, listed), total)}/${total}\n`);
      if (firsts.length >= total) break;
      if (Date.now() - t0.getTime() > limits.mirrorMs) throw new Error(`mirror did not finish in ${limits.mirrorMs / 1000} s (${firsts.length}/${total})`);
      await sleep(500);
    }
    const mirrorMs = firsts[total - 1] - t0.getTime();

    const tk = new Date();
    await Promise.all(wss.map((ws) => api(ws.url, ws.key, 'PUT', '/api/keeper/settings', KEEPER_ON)));
    let last = -1;
    let quietSince = Date.now();
    const names = new Set(wss.map((w) => `keeper:${w.id}`));
    const holders = new Map<string, string>();
    let handovers = 0;
    for (;;) {
      // A keeper lease changing hands mid-backlog costs the new holder a reconcile and a fresh look at every session.
      for (const l of await c.leases()) {
        if (!names.has(l.name)) continue;
        if (holders.has(l.name) && holders.get(l.name) !== l.holder) handovers++;
        holders.set(l.name, l.holder);
      }
      const byRoute = await simStats(c.simUrl);
      const n = ACTION_ROUTES.reduce((a, r) => a + (byRoute[r] ?? 0), 0);
      if (n !== last) {
        process.stderr.write(`  ${instances} instance(s): keeper actions so far ${n}\n`);
        last = n;
        quietSince = Date.now();
      }
      if (n > 0 && Date.now() - quietSince > limits.quietMs) break;
      if (Date.now() - tk.getTime() > limits.keeperMs) break;
      await sleep(1_000);
    }
    const leases = await c.leases();
    const acts = actionTimes(await simLog(c.simUrl, tk.toISOString()));
    const metricsSent = (await Promise.all(c.urls.map(keeperSent))).reduce((a, b) => a + b, 0);
    const otherLeases = Object.fromEntries(leases.filter((l) => !l.name.startsWith('keeper:')).map((l) => [l.name, l.holder]));
    const at = (k: number) => (acts.length ? acts[Math.max(0, k - 1)] - tk.getTime() : NaN);
    return {
      instances, mirrored: total, mirrorMs, actions: acts.length, actionMs: at(acts.length), action90Ms: at(Math.ceil(acts.length * 0.9)),
      elapsedMs: performance.now() - began, metricsSent, handovers,
      expired: leases.filter((l) => names.has(l.name) && l.expiresAt < Date.now()).length, keeperSpread: spread(leases, names, c.instanceIds), otherLeases, load: loadNote(),
    };
  } finally {
    await c.close();
  }
}

export async function run({ quick }: { quick: boolean }): Promise<Figure[]> {
  const counts = quick ? [1, 2] : [1, 2, 3];
  const sessionsPerKey = quick ? 10 : 40;
  const limits = quick ? { mirrorMs: 60_000, keeperMs: 30_000, quietMs: 6_000 } : { mirrorMs: 120_000, keeperMs: 60_000, quietMs: 10_000 };
  const startLoad = loadNote();
  process.stderr.write(`  scale: machine ${startLoad} at start\n`);
  const outcomes: Outcome[] = [];
  for (const n of counts) {
    const o = await measure(n, sessionsPerKey, limits);
    process.stderr.write(`  scale: ${n} instance(s) done in ${round(o.elapsedMs / 1000, 1)} s\n`);
    outcomes.push(o);
  }

  const perMin = (count: number, ms: number) => round((count / ms) * 60_000, 1);
  const one = outcomes[0];
  const what = `${WORKSPACES * ACCOUNTS_PER_WORKSPACE} accounts x ${sessionsPerKey} sessions, ${WORKSPACES} workspaces`;
  const figures: Figure[] = [];
  const withRatio = (value: number, baseline: number | undefined) =>
    baseline === undefined ? { value } : { value, baseline, ratio: round(value / baseline, 3) };
  const k90 = (x: Outcome) => Math.ceil(x.actions * 0.9);
  for (const o of outcomes) {
    const first = o === one;
    const label = `${o.instances} instance${o.instances > 1 ? 's' : ''}`;
    figures.push({
      name: `sessions mirrored per minute, ${label} (first mirror, ${what})`, unit: '/min',
      ...withRatio(perMin(o.mirrored, o.mirrorMs), first ? undefined : perMin(one.mirrored, one.mirrorMs)),
      note: `${o.mirrored} sessions in ${round(o.mirrorMs / 1000, 1)} s; other leases ${JSON.stringify(o.otherLeases)}; ${o.load} at the end`,
    });
    figures.push({
      name: `keeper actions per minute, ${label} (first 90% of the backlog, tick ${TICK_MS} ms)`, unit: '/min',
      ...withRatio(perMin(k90(o), o.action90Ms), first ? undefined : perMin(k90(one), one.action90Ms)),
      note: `${o.actions} approve/message calls seen by the simulator, 90% within ${round(o.action90Ms / 1000, 1)} s of switching the keeper on, all within ${round(o.actionMs / 1000, 1)} s (${perMin(o.actions, o.actionMs)}/min); keeper metrics say ${o.metricsSent} sent; ${o.handovers} keeper lease handovers`,
    });
    if (o.instances > 1) {
      figures.push({
        name: `keeper leases per instance, max/mean, ${label}`, value: round(o.keeperSpread.maxOverMean, 2), unit: 'x', lowerBound: 1,
        ratio: round(o.keeperSpread.maxOverMean, 2),
        note: `last holder of each of the ${o.keeperSpread.held} workspace leases: ${JSON.stringify(o.keeperSpread.counts)} (${o.expired} expired at that moment); ${o.handovers} handovers during the keeper phase`,
      });
    }
  }
  figures.push({ name: 'machine load (1-minute average) when the bench started', value: round(Number(startLoad.split(' ')[2].replace(',', '')), 2), unit: 'load', note: `${startLoad}; end: ${loadNote()}` });
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run({ quick: process.argv.includes('--quick') }));
