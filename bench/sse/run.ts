/**
 * SSE fan-out: N clients on GET /api/events, in separate processes (bench/sse/clients.mjs, one per core), so the
 * figure is the server's delivery lag rather than the bench parsing 1,000 streams next to it. Events are published
 * on the orchestrator's bus with their send time (wall clock with sub-ms precision, comparable across processes);
 * delivery lag is receive time minus send time. The same run measures 10 clients as the baseline.
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, progress, round } from '../lib/stats';
import { BENCH_KEY, startBenchOrchestrator } from '../lib/orchestrator';

const CLIENT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'clients.mjs');
const now = () => performance.timeOrigin + performance.now();

type Reply = { ready?: number; lags?: number[]; error?: string };
const next = (child: ChildProcess, want: keyof Reply) =>
  new Promise<Reply>((resolve, reject) => {
    const onMsg = (m: Reply) => {
      if (m.error) reject(new Error(m.error));
      else if (m[want] !== undefined) {
        child.off('message', onMsg);
        resolve(m);
      }
    };
    child.on('message', onMsg);
    child.once('exit', (code) => code && reject(new Error(`SSE client process exited ${code}`)));
  });

async function fanout(clients: number, events: number) {
  const { orch, close } = await startBenchOrchestrator();
  const wsId = (await (await orch.app.request('/api/me', { headers: { authorization: `Bearer ${BENCH_KEY}` } })).json()).workspace.id;
  const procs = Math.max(1, Math.min(os.cpus().length, Math.ceil(clients / 100)));
  const children = Array.from({ length: procs }, (_, i) => {
    const n = Math.floor(clients / procs) + (i < clients % procs ? 1 : 0);
    return fork(CLIENT, [orch.url, BENCH_KEY, String(n)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  });
  await Promise.all(children.map((c) => next(c, 'ready')));
  // The memory bus fans out synchronously inside publish() and Node flushes the corked socket writes on the next
  // tick: publish-to-setImmediate is the server's cost of one event for every stream (encode once, one socket
  // write each), whatever the client processes are doing.
  const fanoutMs: number[] = [];
  for (let e = 0; e < events; e++) {
    const t0 = performance.now();
    // A real session.updated payload (the bus checks it against the catalog); the send time rides in its session id.
    await orch.bus.publish('session.updated', wsId, { id: `bench-${now()}`, julesId: `bench-${e}`, state: 'IN_PROGRESS', archived: false, updateTime: new Date().toISOString() });
    await new Promise((r) => setImmediate(r));
    fanoutMs.push(performance.now() - t0);
    progress(`${clients} clients, events`, e + 1, events);
    await new Promise((r) => setTimeout(r, 50));
  }
  // Let the last event drain to every stream before asking for the figures.
  await new Promise((r) => setTimeout(r, 1000));
  const replies = await Promise.all(children.map((c) => { const p = next(c, 'lags'); c.send('finish'); return p; }));
  const lags = replies.flatMap((r) => r.lags ?? []);
  await close();
  return { p50: percentile(lags, 50), p99: percentile(lags, 99), delivered: lags.length / (clients * events), procs, fanout: percentile(fanoutMs, 50) };
}

export async function run({ quick }: { quick: boolean }) {
  const events = quick ? 20 : 60;
  const base = await fanout(10, events);
  const big = await fanout(1000, events);
  const note = `clients in ${big.procs} separate processes; baseline = 10 clients`;
  return [
    { name: 'SSE delivery lag p99, 1,000 clients', value: round(big.p99), unit: 'ms', baseline: round(base.p99), note },
    { name: 'SSE delivery lag p50, 1,000 clients', value: round(big.p50), unit: 'ms', baseline: round(base.p50) },
    { name: 'SSE server fan-out time per event p50, 1,000 clients', value: round(big.fanout), unit: 'ms', baseline: round(base.fanout) },
    { name: 'SSE events delivered, 1,000 clients', value: round(big.delivered * 100, 2), unit: '%', baseline: round(base.delivered * 100, 2) },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run({ quick: process.argv.includes('--quick') }));
