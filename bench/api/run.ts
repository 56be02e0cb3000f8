/**
 * HTTP API latency at fixed request rates (autocannon): `GET /api/sessions` (authenticated, 50 rows) with 10,000
 * mirrored sessions, against a bare route (`GET /healthz`) of the same process in the same run.
 */
import autocannon from 'autocannon';
import { round } from '../lib/stats';
import { BENCH_ADMIN_KEY, startMirroredPair } from '../lib/processes';

async function load(url: string, rate: number, seconds: number, headers: Record<string, string> = {}) {
  const r = await autocannon({ url, connections: 20, overallRate: rate, duration: seconds, headers });
  if (r.non2xx || r.errors) throw new Error(`${url}: ${r.non2xx} non-2xx and ${r.errors} errors`);
  return { p50: r.latency.p50, p99: r.latency.p99, rps: r.requests.average };
}

export async function run({ quick }: { quick: boolean }) {
  const pair = await startMirroredPair(10_000);
  try {
    const seconds = quick ? 5 : 10;
    const figures = [];
    for (const rate of quick ? [200] : [200, 1000]) {
      // Both loads run at the same time, each at `rate`, so they share whatever else the process is doing (its
      // 10 s poll of 10,000 sessions, GC): the ratio compares the routes, not two moments of a drifting machine.
      const [bare, api] = await Promise.all([
        load(`${pair.url}/healthz`, rate, seconds),
        load(`${pair.url}/api/sessions?limit=50`, rate, seconds, { authorization: `Bearer ${BENCH_ADMIN_KEY}` }),
      ]);
      figures.push(
        { name: `GET /api/sessions p50 at ${rate} req/s (10,000 sessions)`, value: round(api.p50), unit: 'ms', baseline: round(bare.p50), note: 'baseline = GET /healthz at the same rate, concurrently' },
        { name: `GET /api/sessions p99 at ${rate} req/s (10,000 sessions)`, value: round(api.p99), unit: 'ms', baseline: round(bare.p99) },
        { name: `GET /api/sessions achieved rate at ${rate} req/s`, value: round(api.rps, 1), unit: 'req/s', baseline: round(bare.rps, 1) },
      );
    }
    return figures;
  } finally {
    await pair.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run({ quick: process.argv.includes('--quick') }));
