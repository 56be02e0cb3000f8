/**
 * Profiling helper for the gateway (not part of `npm run bench`): N calls through the gateway, or with `--direct`
 * the bare AI SDK call, at a concurrency, with the fake upstream in its own process. Run under the profiler:
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof bin/run-ts.mjs bench/gateway/profile.ts [--direct] [--n 5000] [--c 50]
 *   node bench/gateway/cpuprofile-top.mjs .tmp/prof/<file>.cpuprofile
 */
import { benchSetup, measureCpu } from './run';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const n = arg('--n', 5000);
const c = arg('--c', 50);
const direct = process.argv.includes('--direct');

const { up, g, direct: directCall, gateway } = await benchSetup();
const call = direct ? directCall : gateway;
await measureCpu(200, 4, call);
const r = await measureCpu(n, c, call);
console.log(`${direct ? 'direct' : 'gateway'}: ${n} calls at concurrency ${c}: ${(r.cpuUs / n).toFixed(1)} us CPU per call, ${r.perSecond.toFixed(0)} calls/s`);
await g.llm.drain(Date.now() + 5_000);
await up.close();
await g.cleanup();
