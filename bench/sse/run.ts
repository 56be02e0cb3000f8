/**
 * SSE fan-out: N clients on GET /api/events, events published on the bus with their send time; delivery lag is
 * receive time minus publish time. The same run measures 10 clients as the baseline.
 */
import { Agent } from 'undici';
import { percentile, round } from '../lib/stats';
import { BENCH_KEY, startBenchOrchestrator } from '../lib/orchestrator';

async function fanout(clients: number, events: number) {
  const { orch, close } = await startBenchOrchestrator();
  const wsId = (await (await orch.app.request('/api/me', { headers: { authorization: `Bearer ${BENCH_KEY}` } })).json()).workspace.id;
  const dispatcher = new Agent({ connections: clients + 10 });
  const lags: number[] = [];
  let received = 0;
  const want = clients * events;
  let allDone!: () => void;
  const done = new Promise<void>((r) => (allDone = r));
  const readers: Array<ReadableStreamDefaultReader<Uint8Array>> = [];
  let ready = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const res = await fetch(`${orch.url}/api/events`, { headers: { authorization: `Bearer ${BENCH_KEY}` }, dispatcher } as RequestInit);
      const reader = res.body!.getReader();
      readers.push(reader);
      const dec = new TextDecoder();
      let buf = '';
      let helloSeen = false;
      void (async () => {
        for (;;) {
          const { value, done: end } = await reader.read().catch(() => ({ value: undefined, done: true }));
          if (end) return;
          buf += dec.decode(value, { stream: true });
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            if (!helloSeen && block.includes('event: hello')) {
              helloSeen = true;
              ready++;
              continue;
            }
            const m = /"sentAt":([0-9.]+)/.exec(block);
            if (m) {
              lags.push(performance.now() - Number(m[1]));
              if (++received === want) allDone();
            }
          }
        }
      })();
    }),
  );
  while (ready < clients) await new Promise((r) => setTimeout(r, 10));
  for (let e = 0; e < events; e++) {
    await orch.bus.publish('session.updated', wsId, { sentAt: performance.now(), e });
    await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.race([done, new Promise((r) => setTimeout(r, 30_000))]);
  for (const r of readers) await r.cancel().catch(() => {});
  await close();
  await dispatcher.close();
  return { p50: percentile(lags, 50), p99: percentile(lags, 99), delivered: received / want };
}

export async function run({ quick }: { quick: boolean }) {
  const events = quick ? 20 : 50;
  const base = await fanout(10, events);
  const big = await fanout(1000, events);
  return [
    { name: 'SSE delivery lag p99, 1,000 clients', value: round(big.p99), unit: 'ms', baseline: round(base.p99), note: 'baseline = 10 clients' },
    { name: 'SSE delivery lag p50, 1,000 clients', value: round(big.p50), unit: 'ms', baseline: round(base.p50) },
    { name: 'SSE events delivered, 1,000 clients', value: round(big.delivered * 100, 2), unit: '%', baseline: round(base.delivered * 100, 2) },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run({ quick: process.argv.includes('--quick') }));
