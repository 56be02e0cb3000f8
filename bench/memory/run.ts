/**
 * Resident memory of `autopilot serve` with 10,000 and 100,000 mirrored sessions, against the same process
 * mirroring none, measured after the first full sync and a burst of list requests. The simulator runs in its own
 * process so its memory is not counted. Also the first mirror's duration (serve healthy to its first completed poll:
 * every session listed, live ones with their activities). `--quick` measures 10,000 only.
 */
import { round } from '../lib/stats';
import { BENCH_ADMIN_KEY, rssBytes, startMirroredPair } from '../lib/processes';

/**
 * A simulated account shaped like a real one: its history spans 90 days and nearly every session ends (Jules runs
 * at most 60 sessions at a time on its largest plan, so a 100,000-session account is almost all history). The
 * simulator's default world (72 hours, 45% of sessions waiting for a person or stuck for ever) has 46,000 of
 * 100,000 sessions live at once, which no account can have; each live session needs its activities at once
 * (sessions.sync.ts), so that world measures the keeper's first tick, not the mirror.
 */
export const WORLD = { spreadHours: 90 * 24, mix: 'happy=87,fail=10,approval=1,question=1,stuck=1' };

async function measure(sessions: number) {
  const pair = await startMirroredPair(sessions, WORLD);
  try {
    for (let i = 0; i < 50; i++) await fetch(`${pair.url}/api/sessions?limit=200`, { headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}` } }).then((r) => r.arrayBuffer());
    await new Promise((r) => setTimeout(r, 3000));
    return { mib: rssBytes(pair.pid) / 2 ** 20, mirrorS: pair.mirrorMs / 1000 };
  } finally {
    await pair.close();
  }
}

export async function run({ quick }: { quick: boolean }) {
  const base = (await measure(0)).mib;
  const figures = [];
  let first: number | undefined;
  for (const n of quick ? [10_000] : [10_000, 100_000]) {
    const { mib, mirrorS } = await measure(n);
    figures.push({ name: `resident memory, ${n.toLocaleString('en')} mirrored sessions`, value: round(mib, 1), unit: 'MiB', baseline: round(base, 1), note: 'baseline = no sessions' });
    // The baseline of the 100,000 figure is ten times the 10,000 one: a linear first import.
    figures.push({ name: `first mirror of ${n.toLocaleString('en')} sessions`, value: round(mirrorS, 1), unit: 's', baseline: first === undefined ? undefined : round(first * 10, 1), note: first === undefined ? 'until the first poll completed: every session listed, live sessions with their activities (finished ones follow on demand and 200 per poll)' : 'baseline = 10,000 x10' });
    first ??= mirrorS;
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run({ quick: process.argv.includes('--quick') }));
