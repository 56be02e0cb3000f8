/**
 * Profiling helper for the gateway (not part of `npm run bench`): N calls through the gateway, or with `--direct`
 * the bare AI SDK call, at a concurrency, with the fake upstream in its own process. Run under the profiler:
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof bin/run-ts.mjs bench/gateway/profile.ts [--direct] [--n 5000] [--c 50]
 *   node bench/gateway/cpuprofile-top.mjs .tmp/prof/<file>.cpuprofile
 */
import { generateText } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { buildGateway } from '../../packages/server/test/fakes/llm-gateway';
import { measureCpu, startUpstreamProcess, MODEL, PROMPT } from './run';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const n = arg('--n', 5000);
const c = arg('--c', 50);
const direct = process.argv.includes('--direct');

const up = await startUpstreamProcess();
const g = await buildGateway({ logLevel: 'info', cacheMs: 5_000 });
const apiKey = 'sk-bench-gateway';
const baseURL = `${up.url}/v1`;
await g.providers.create(g.workspaceId, { kind: 'openai', name: 'bench', apiKey, baseUrl: baseURL, priority: 1, enabled: true, maxConcurrency: 64, defaultModels: { default: MODEL } });
await g.budgets.put(g.workspaceId, { dailyLimitUsd: 1_000_000, monthlyLimitUsd: 1_000_000, onExhausted: 'error', degradeTo: null });
const sdkModel = createOpenAI({ apiKey, baseURL })(MODEL);
const call = direct
  ? () => generateText({ model: sdkModel, prompt: PROMPT, maxOutputTokens: 256, maxRetries: 0 })
  : () => g.llm.generateText({ workspaceId: g.workspaceId, task: 'summarize', prompt: PROMPT, maxOutputTokens: 256 });
await measureCpu(200, 4, call);
const r = await measureCpu(n, c, call);
console.log(`${direct ? 'direct' : 'gateway'}: ${n} calls at concurrency ${c}: ${(r.cpuUs / n).toFixed(1)} us CPU per call, ${r.perSecond.toFixed(0)} calls/s`);
await g.llm.drain(Date.now() + 5_000);
await up.close();
await g.cleanup();
