/**
 * CPU profile of `autopilot serve` during the first mirror of N sessions in the memory bench's world:
 * `node bin/run-ts.mjs bench/memory/profile.ts 100000 /tmp/prof`, then
 * `node bench/gateway/cpuprofile-top.mjs /tmp/prof/<file>.cpuprofile`.
 */
import { startMirroredPair } from '../lib/processes';
import { WORLD } from './run';

const n = Number(process.argv[2] ?? 100_000);
const dir = process.argv[3] ?? '.tmp/mirror-profile';
// Extra node flags for serve, e.g. PROFILE_NODE_ARGS="--require ./statement-timer.cjs" to time SQL statements.
const extra = process.env.PROFILE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
const pair = await startMirroredPair(n, { ...WORLD, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir, ...extra] });
console.log(`first mirror of ${n}: ${(pair.mirrorMs / 1000).toFixed(1)} s; profile in ${dir}`);
await pair.close();
