/**
 * Resident memory of `autopilot serve` with 10,000 and 100,000 mirrored sessions, against the same process
 * mirroring none, measured after the first full sync and a burst of list requests. The simulator runs in its own
 * process so its memory is not counted. `--quick` measures 10,000 only (100,000 takes minutes to mirror).
 */
import { round } from '../lib/stats';
import { BENCH_ADMIN_KEY, rssBytes, startMirroredPair } from '../lib/processes';

async function measure(sessions: number) {
  const pair = await startMirroredPair(sessions);
  try {
    for (let i = 0; i < 50; i++) await fetch(`${pair.url}/api/sessions?limit=200`, { headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}` } }).then((r) => r.arrayBuffer());
    await new Promise((r) => setTimeout(r, 3000));
    return rssBytes(pair.pid) / 2 ** 20;
  } finally {
    await pair.close();
  }
}

export async function run({ quick }: { quick: boolean }) {
  const base = await measure(0);
  const figures = [];
  for (const n of quick ? [10_000] : [10_000, 100_000]) {
    const mib = await measure(n);
    figures.push({ name: `resident memory, ${n.toLocaleString('en')} mirrored sessions`, value: round(mib, 1), unit: 'MiB', baseline: round(base, 1), note: 'baseline = no sessions' });
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run({ quick: process.argv.includes('--quick') }));
