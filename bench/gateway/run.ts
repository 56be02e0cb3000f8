/**
 * The LLM gateway's added cost: the same generateText call made directly with the AI SDK to a fake OpenAI upstream
 * (127.0.0.1, answers at once, in its own process: bench/gateway/upstream.ts) and through the gateway (routing,
 * budget reservation + settlement in SQLite, bulkhead/retry/breaker/timeout, usage row), in the same run, at
 * concurrency 1 and 50. The added latency is gateway pX minus direct pX; the added CPU per call is this process's
 * `process.cpuUsage()` (user + system, every thread) over the gateway calls minus over the direct calls, per call.
 * `node bin/run-ts.mjs bench/gateway/run.ts [--quick]`; `--cpu-prof` style profiling: see docs/PERFORMANCE.md.
 */
import { spawn } from 'node:child_process';
import v8 from 'node:v8';
import vm from 'node:vm';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { generateText } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { buildGateway } from '../../packages/server/test/fakes/llm-gateway';
import { percentile, round } from '../lib/stats';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

/** Starts bench/gateway/upstream.ts in a child process; resolves with its URL and a stop function. */
export async function startUpstreamProcess(): Promise<{ url: string; close(): Promise<void> }> {
  const child = spawn(process.execPath, [path.join(root, 'bin/run-ts.mjs'), path.join(here, 'upstream.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the fake upstream process did not start in 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`the fake upstream process exited (${code})`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^listening (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin!.end();
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}

export const MODEL = 'gpt-4.1-mini';
export const PROMPT = 'Summarise the state of session 42 in one line.';

/** Runs `n` calls with `concurrency` in flight; returns each call's latency in ms and the calls per second. */
async function measure(n: number, concurrency: number, call: () => Promise<unknown>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const t0 = performance.now();
        await call();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, perSecond: n / ((performance.now() - started) / 1000) };
}

// A full collection at the end of every measured block, inside its CPU window: each side pays for collecting its
// own garbage (the gateway makes more), instead of leaving it to whichever block runs next.
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

/**
 * `measure` with this process's CPU time (user + system, microseconds, every thread) spent during it, the full
 * garbage collection of what it allocated included.
 */
export async function measureCpu(n: number, concurrency: number, call: () => Promise<unknown>) {
  const cpu0 = process.cpuUsage();
  const r = await measure(n, concurrency, call);
  collect();
  const cpu = process.cpuUsage(cpu0);
  return { ...r, cpuUs: cpu.user + cpu.system };
}

/**
 * The fake upstream in its own process, a gateway on real SQLite pointed at it, and the two calls to compare: the
 * bare AI SDK call and the same call through the gateway (also used by profile.ts).
 */
export async function benchSetup() {
  const up = await startUpstreamProcess();
  // Provider and rule caches as in production (5 s), not the tests' 0; the production log level.
  const g = await buildGateway({ logLevel: 'info', cacheMs: 5_000 });
  const apiKey = 'sk-bench-gateway';
  const baseURL = `${up.url}/v1`;
  // Concurrency above the bench's 50 so the bulkhead never queues: this measures the gateway, not a chosen limit.
  await g.providers.create(g.workspaceId, { kind: 'openai', name: 'bench', apiKey, baseUrl: baseURL, priority: 1, enabled: true, maxConcurrency: 64, defaultModels: { default: MODEL } });
  await g.budgets.put(g.workspaceId, { dailyLimitUsd: 1_000_000, monthlyLimitUsd: 1_000_000, onExhausted: 'error', degradeTo: null });
  const sdkModel = createOpenAI({ apiKey, baseURL })(MODEL);
  const direct = () => generateText({ model: sdkModel, prompt: PROMPT, maxOutputTokens: 256, maxRetries: 0 });
  const gateway = () => g.llm.generateText({ workspaceId: g.workspaceId, task: 'summarize', prompt: PROMPT, maxOutputTokens: 256 });
  return { up, g, direct, gateway };
}

export async function run({ quick }: { quick: boolean }) {
  const { up, g, direct, gateway } = await benchSetup();

  const figures: Array<{ name: string; value: number; unit: string; baseline?: number; ratio?: number; note?: string }> = [];
  try {
    // Warm both paths (JIT, sockets, prepared statements) before measuring.
    await measure(quick ? 50 : 200, 4, direct);
    await measure(quick ? 50 : 200, 4, gateway);
    for (const concurrency of [1, 50]) {
      const n = concurrency === 1 ? (quick ? 200 : 1000) : quick ? 1000 : 5000;
      // Alternate short blocks, ABBA order, so the drift of a shared machine during the run hits both sides alike.
      const blocks = 10;
      const per = Math.max(concurrency, Math.floor(n / blocks));
      const side = () => ({ latencies: [] as number[], seconds: 0, cpuUs: 0, calls: 0 });
      const dSide = side();
      const gSide = side();
      const block = async (s: ReturnType<typeof side>, call: () => Promise<unknown>) => {
        const t0 = performance.now();
        const r = await measureCpu(per, concurrency, call);
        s.seconds += (performance.now() - t0) / 1000;
        s.cpuUs += r.cpuUs;
        s.calls += per;
        s.latencies.push(...r.latencies);
      };
      for (let b = 0; b < blocks / 2; b++) {
        if (b % 2 === 0) {
          await block(dSide, direct);
          await block(gSide, gateway);
        } else {
          await block(gSide, gateway);
          await block(dSide, direct);
        }
      }
      const d = dSide.latencies;
      const gw = gSide.latencies;
      for (const p of [50, 99]) {
        const dp = percentile(d, p);
        const gp = percentile(gw, p);
        figures.push({ name: `gateway added latency p${p} @ concurrency ${concurrency}`, value: round(gp - dp), unit: 'ms', note: `gateway p${p} ${round(gp)} ms - direct p${p} ${round(dp)} ms` });
        figures.push({ name: `gateway call p${p} @ concurrency ${concurrency}`, value: round(gp), unit: 'ms', baseline: round(dp), ratio: round(gp / dp), note: 'baseline = same call straight to the fake upstream' });
      }
      const dps = dSide.calls / dSide.seconds;
      const gps = gSide.calls / gSide.seconds;
      figures.push({ name: `gateway throughput @ concurrency ${concurrency}`, value: round(gps, 1), unit: 'calls/s', baseline: round(dps, 1), ratio: round(gps / dps) });
      const dCpu = dSide.cpuUs / dSide.calls;
      const gCpu = gSide.cpuUs / gSide.calls;
      figures.push({ name: `gateway added CPU per call @ concurrency ${concurrency}`, value: round(gCpu - dCpu, 1), unit: 'us', note: `process.cpuUsage per call: gateway ${round(gCpu, 1)} us - direct ${round(dCpu, 1)} us (upstream in its own process)` });
      figures.push({ name: `gateway CPU per call @ concurrency ${concurrency}`, value: round(gCpu, 1), unit: 'us', baseline: round(dCpu, 1), ratio: round(gCpu / dCpu), note: 'baseline = the bare AI SDK call to the same upstream' });
    }
    const usage = await g.llm.usage(g.workspaceId, { groupBy: [] });
    if (usage.totals.errors > 0) throw new Error(`${usage.totals.errors} gateway calls failed during the bench`);
  } finally {
    await up.close();
    await g.cleanup();
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run({ quick: process.argv.includes('--quick') }));
