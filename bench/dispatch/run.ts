/**
 * bench/dispatch: how fast the dispatcher fills a slot that frees on Jules. A real `autopilot serve` process (SQLite
 * in a temp DATA_DIR, keeper off) against a simulator process on the free plan (3 concurrent, 15 a day) with fast,
 * always-completing sessions; one batch of N tasks (quick 8, full 15 = a free account's whole day). For each create
 * after the first three: the time from a slot freeing on the simulator to the next `sessions.create` in its log,
 * p50/p95, beside the poll interval P (the orchestrator only learns a session ended from its poll, so P is the
 * baseline: a ratio near 0.5 is "half a poll on average", above 1 is the dispatcher adding its own delay).
 *
 * Two clocks for "a slot freed": the session's end in sim time (`simTime`, wall clock here: no manual clock, so the
 * true instant), and the log's `at` (when the simulator applied the end: at the next request that reached it,
 * normally the orchestrator's poll, so that figure is the dispatcher's own reaction). The log is read only at the
 * end: reading it during the run would apply due events early and move `at`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Figure } from '../run';
import { BENCH_ADMIN_KEY, freePort } from '../lib/processes';
import { percentile, round } from '../lib/stats';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const POLL_MS = 2000;
const SIM_KEY = 'bench-dispatch-sim-key';

interface LogEntry {
  at: string;
  method: string;
  route: string;
  sessionId?: string;
  status: number;
  simTime?: string;
}

const stop = (c: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (c.exitCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
  });

async function waitFor(what: string, fn: () => Promise<boolean>, ms: number, alive: ChildProcess[] = []): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn().catch(() => false))) {
    const dead = alive.find((c) => c.exitCode !== null);
    if (dead) throw new Error(`${what}: a child process exited (${dead.exitCode})`);
    if (Date.now() > end) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function run({ quick }: { quick: boolean }): Promise<Figure[]> {
  const items = quick ? 8 : 15;
  const simPort = await freePort();
  const port = await freePort();
  const simUrl = `http://127.0.0.1:${simPort}`;
  const url = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-dispatch-'));
  // Speed 40: a session runs about 5-12 s, long enough that three are running when the rest are submitted.
  const sim = spawn(process.execPath, [path.join(root, 'bin/autopilot.mjs'), 'sim', '--port', String(simPort), '--api-key', SIM_KEY, '--sessions', '0', '--plan', 'free', '--speed', '40', '--mix', 'happy=100', '--seed', '1'], { stdio: 'ignore' });
  const children: ChildProcess[] = [sim];
  try {
    await waitFor('the simulator', async () => (await fetch(`${simUrl}/_sim/stats`)).ok, 60_000, children);
    const serve = spawn(process.execPath, [path.join(root, 'bin/autopilot.mjs'), 'serve'], {
      stdio: 'ignore',
      env: {
        PATH: process.env.PATH,
        DATA_DIR: dataDir,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        AUTOPILOT_ADMIN_KEY: BENCH_ADMIN_KEY,
        JULES_API_KEY: SIM_KEY,
        JULES_API_BASE_URL: `${simUrl}/v1alpha`,
        AUTOPILOT_OUTBOUND_ALLOW: `127.0.0.1:${simPort}`,
        JULES_POLL_INTERVAL_MS: String(POLL_MS),
      },
    });
    children.push(serve);
    await waitFor('autopilot serve', async () => (await fetch(`${url}/healthz`)).ok, 120_000, children);
    const api = async <T>(p: string, init: { method?: string; json?: unknown } = {}): Promise<T> => {
      const res = await fetch(`${url}${p}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
      });
      if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    // The keeper acts on sessions (nudges, approvals): off, so the only traffic is the poll and the dispatcher's.
    await api('/api/keeper/settings', { method: 'PUT', json: { enabled: false } });
    const accounts = await api<{ items: Array<{ accountId: string }> }>('/api/dispatch/accounts');
    const accountId = accounts.items[0]?.accountId;
    if (!accountId) throw new Error('no Jules account');
    await api(`/api/dispatch/accounts/${accountId}`, { method: 'PATCH', json: { plan: 'free' } });

    const text = Array.from({ length: items }, (_, i) => `Bench task ${i + 1}: tidy module ${i + 1} [sim:happy]`).join('\n');
    const started = Date.now();
    const batch = await api<{ id: string }>('/api/batches', { method: 'POST', json: { name: 'bench dispatch', input: { kind: 'tasks', format: 'lines', text, source: 'acme-corp/storefront', branch: 'main' }, accountId, idempotencyKey: `bench-dispatch-${started}` } });
    let last = '';
    await waitFor(
      `the batch's ${items} creates`,
      async () => {
        const b = await api<{ state: string; counts: { created: number; failed: number; total: number } }>(`/api/batches/${batch.id}`);
        const line = `${b.counts.created}/${b.counts.total} created, ${b.counts.failed} failed`;
        if (line !== last) process.stderr.write(`  ${line}\n`);
        last = line;
        if (b.counts.failed > 0) throw new Error(`a create failed: ${line}`);
        return b.state !== 'running';
      },
      items * 30_000,
      children,
    );
    const wallMs = Date.now() - started;

    const log = await (await fetch(`${simUrl}/_sim/log?limit=100000`)).json() as LogEntry[];
    const since = (e: LogEntry) => Date.parse(e.at) >= started - 1000;
    const creates = log.filter((e) => e.route === 'sessions.create' && e.status === 200 && since(e)).map((e) => Date.parse(e.at)).sort((a, b) => a - b);
    const ends = log.filter((e) => e.method === 'SIM' && e.route === 'session.ended' && since(e));
    const queuedOnJules = log.filter((e) => e.method === 'SIM' && e.route === 'session.queued' && since(e)).length;
    const refused = log.filter((e) => e.route === 'sessions.create' && e.status !== 200 && since(e)).length;
    // The k-th slot to free is what the (k+4)-th create waited for (three run from the start, one line, in order).
    const endSim = ends.map((e) => Date.parse(e.simTime ?? e.at)).sort((a, b) => a - b);
    const endAt = ends.map((e) => Date.parse(e.at)).sort((a, b) => a - b);
    const gapsSim: number[] = [];
    const gapsAt: number[] = [];
    for (let k = 0; k + 3 < creates.length && k < endSim.length; k++) {
      gapsSim.push(creates[k + 3] - endSim[k]);
      gapsAt.push(creates[k + 3] - endAt[k]);
    }
    if (creates.length !== items) throw new Error(`${creates.length} creates on the simulator for ${items} items`);
    if (gapsSim.some((g) => g < 0)) throw new Error(`a create went out before a slot freed (gaps ${gapsSim.join(', ')} ms): the plan's limit was not held`);
    const note = `${items} items, free plan, poll every ${POLL_MS} ms, ${gapsSim.length} slot handovers`;
    return [
      { name: 'slot freed (sim time) -> next create, p50', value: round(percentile(gapsSim, 50), 0), unit: 'ms', baseline: POLL_MS, note },
      { name: 'slot freed (sim time) -> next create, p95', value: round(percentile(gapsSim, 95), 0), unit: 'ms', baseline: POLL_MS, note },
      { name: 'slot freed (sim log `at`) -> next create, p50', value: round(percentile(gapsAt, 50), 0), unit: 'ms', baseline: POLL_MS, note: 'from when the simulator applied the end (the request that saw it)' },
      { name: 'slot freed (sim log `at`) -> next create, p95', value: round(percentile(gapsAt, 95), 0), unit: 'ms', baseline: POLL_MS },
      { name: 'creates sent', value: creates.length, unit: 'sessions', note: `${refused} refused create answers; batch done in ${round(wallMs / 1000, 1)} s` },
      { name: 'sessions queued on Jules', value: queuedOnJules, unit: 'sessions', note: 'session.queued slot events: 0 = no create was sent over the plan' },
    ];
  } finally {
    for (const c of children.reverse()) await stop(c);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

// Run alone: `node bin/run-ts.mjs bench/dispatch/run.ts [--quick]`.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run({ quick: process.argv.includes('--quick') }).then(
    (figures) => {
      for (const f of figures) console.log(`${f.name}: ${f.value} ${f.unit}${f.baseline ? ` (baseline ${f.baseline}, ratio ${round(f.value / f.baseline, 2)})` : ''}${f.note ? `  [${f.note}]` : ''}`);
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
