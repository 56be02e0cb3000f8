import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { startFakeUpstream, baseUrlFor, type FakeUpstream } from '../../../test/fakes/llm-upstream';
import { buildGateway, type Gateway } from '../../../test/fakes/llm-gateway';
import { isLlmError } from './llm.errors';

/** Two providers on one fake: "primary" (OpenAI Responses wire) tried first, "backup" (Anthropic wire) second. */
async function setup(resilience: NonNullable<Parameters<typeof buildGateway>[0]>['resilience'] = {}) {
  const up = await startFakeUpstream();
  const g = await buildGateway({
    resilience: { timeoutMs: 5_000, retries: 1, ...resilience, breaker: { threshold: 0.5, minRequests: 3, windowMs: 10_000, halfOpenAfterMs: 150, ...resilience?.breaker } },
  });
  const primary = await g.providers.create(g.workspaceId, { kind: 'openai', name: 'primary', apiKey: 'sk-primary-0001', baseUrl: baseUrlFor(up.url, 'openai'), priority: 1, enabled: true, maxConcurrency: 8, defaultModels: { default: 'gpt-4.1-mini' } });
  await g.providers.create(g.workspaceId, { kind: 'anthropic', name: 'backup', apiKey: 'sk-backup-0002', baseUrl: baseUrlFor(up.url, 'anthropic'), priority: 2, enabled: true, maxConcurrency: 8, defaultModels: { default: 'claude-haiku-4-5' } });
  return { up, g, primary };
}

const primaryCalls = (up: FakeUpstream) => up.calls.filter((c) => c.api === 'openai-responses').length;

describe('resilience: breakers, retries, timeouts and fallback', () => {
  const open: Array<{ up: FakeUpstream; g: Gateway }> = [];
  afterEach(async () => {
    for (const o of open.splice(0)) {
      await o.up.close();
      await o.g.cleanup();
    }
  });

  it('a provider answering 500s trips its breaker, traffic fails over, and half-open recovery closes it', async () => {
    // A recovery window long enough that a loaded machine cannot reach half-open between the calls that expect the
    // circuit still open (150 ms let a slow third call become the half-open trial: one primary call too many).
    const { up, g, primary } = await setup({ breaker: { threshold: 0.5, minRequests: 3, windowMs: 10_000, halfOpenAfterMs: 2_000 } });
    open.push({ up, g });
    let failing = true;
    up.script((c) => (c.api === 'openai-responses' && failing ? { status: 500 } : { text: `answer from ${c.api}` }));
    const ask = () => g.llm.generateText({ workspaceId: g.workspaceId, task: 'supervisor', prompt: 'next step?' });

    // Two 500s (first try + one retry) on the primary: below the minimum of 3 requests, so still closed.
    const first = await ask();
    expect(first.provider.name).toBe('backup');
    expect(first.attempts.map((a) => [a.provider, a.outcome, a.code])).toEqual([['primary', 'error', 'http_500'], ['backup', 'ok', undefined]]);
    expect(primaryCalls(up)).toBe(2);
    expect(g.llm.breakers(g.workspaceId).find((b) => b.provider === 'primary')?.state).toBe('closed');

    // The third failure crosses the threshold: the circuit opens (the retry is refused by the open circuit).
    const second = await ask();
    expect(second.provider.name).toBe('backup');
    expect(primaryCalls(up)).toBe(3);
    expect(g.events.filter((e) => e.type === 'breaker.opened').map((e) => e.data)).toEqual([
      expect.objectContaining({ provider: 'primary', model: 'gpt-4.1-mini', state: 'open' }),
    ]);
    expect(g.events.find((e) => e.type === 'breaker.opened')?.workspaceId).toBe(g.workspaceId);
    expect(g.llm.breakers(g.workspaceId).find((b) => b.provider === 'primary')).toMatchObject({ state: 'open', openedAt: expect.any(String) });

    // While open, the primary is skipped without a request.
    const third = await ask();
    expect(third.attempts[0]).toMatchObject({ provider: 'primary', outcome: 'breaker_open' });
    expect(third.provider.name).toBe('backup');
    expect(primaryCalls(up)).toBe(3);

    // Open state is visible to /metrics and /api/health.
    const gauge = (state: number) => `autopilot_llm_breaker_state{provider_id="${primary.id}",kind="openai",model="gpt-4.1-mini"} ${state}`;
    expect(await g.metrics.render()).toContain(gauge(2));
    expect(g.llm.healthComponents()).toContainEqual({ name: 'llm:openai/gpt-4.1-mini', status: 'degraded', latencyMs: null, detail: 'circuit open for 1 of 1 provider configs' });

    // After the recovery window the next call is the half-open trial; it succeeds and the circuit closes.
    failing = false;
    await vi.waitFor(async () => {
      const sim = await g.llm.simulate(g.workspaceId, { task: 'supervisor' });
      expect(sim.targets[0]).toMatchObject({ provider: 'primary', available: true });
    }, { timeout: 5_000, interval: 20 });
    const fourth = await ask();
    expect(fourth.provider.name).toBe('primary');
    expect(fourth.text).toBe('answer from openai-responses');
    expect(g.llm.breakers(g.workspaceId).find((b) => b.provider === 'primary')?.state).toBe('closed');
    expect(g.events.filter((e) => e.type === 'breaker.closed').map((e) => e.data)).toEqual([expect.objectContaining({ provider: 'primary', state: 'closed' })]);
    expect(await g.metrics.render()).toContain(gauge(0));
    expect(g.llm.healthComponents()).toContainEqual(expect.objectContaining({ name: 'llm:openai/gpt-4.1-mini', status: 'ok' }));
  });

  it('every breaker open -> all_breakers_open; every target failing -> upstream_failed', async () => {
    const { up, g } = await setup({ retries: 0, breaker: { minRequests: 1, halfOpenAfterMs: 60_000 } });
    open.push({ up, g });
    up.script(() => ({ status: 503 }));
    const ask = () => g.llm.generateText({ workspaceId: g.workspaceId, task: 'review', prompt: 'review' });
    const failed = await ask().catch((e) => e);
    expect(isLlmError(failed, 'upstream_failed')).toBe(true);
    expect(failed.code).toBe('upstream_error');
    const refused = await ask().catch((e) => e);
    expect(isLlmError(refused, 'all_breakers_open')).toBe(true);
    expect(refused.code).toBe('upstream_unavailable');
    expect(refused.details.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['breaker_open', 'breaker_open']);
    const outcomes = await g.db.kysely.selectFrom('llm_usage').select('outcome').orderBy('at').execute();
    expect(outcomes.map((o) => o.outcome)).toEqual(['error', 'error', 'all_breakers_open']);
  });

  it('a slow upstream times out and the call falls back; an auth error is not retried and does not trip the breaker', async () => {
    const { up, g } = await setup({ timeoutMs: 100, retries: 1 });
    open.push({ up, g });
    up.script((c) => (c.api === 'openai-responses' ? { text: 'late', delayMs: 2_000 } : { text: 'fast' }));
    const slow = await g.llm.generateText({ workspaceId: g.workspaceId, task: 'summarize', prompt: 'x' });
    expect(slow.text).toBe('fast');
    expect(slow.attempts[0]).toMatchObject({ provider: 'primary', outcome: 'error', code: 'timeout' });

    up.script((c) => (c.api === 'openai-responses' ? { status: 401, message: 'bad key' } : { text: 'fast' }));
    const before = primaryCalls(up);
    const auth = await g.llm.generateText({ workspaceId: g.workspaceId, task: 'summarize', prompt: 'x' });
    expect(auth.attempts[0]).toMatchObject({ provider: 'primary', outcome: 'error', code: 'auth' });
    expect(primaryCalls(up) - before).toBe(1);
    expect(g.llm.breakers(g.workspaceId).find((b) => b.provider === 'primary')?.state).toBe('closed');
  });

  it('a truncated or invalid object is retried once with twice the output limit', async () => {
    const { up, g } = await setup();
    open.push({ up, g });
    let n = 0;
    up.script((c) => (c.api === 'openai-responses' && n++ === 0 ? { text: '{"items": [1, 2', truncated: true } : { object: { items: [1, 2, 3] } }));
    const r = await g.llm.generateObject({ workspaceId: g.workspaceId, task: 'decompose', prompt: 'split', maxOutputTokens: 100, schema: z.object({ items: z.array(z.number()) }) });
    expect(r.object).toEqual({ items: [1, 2, 3] });
    expect(r.provider.name).toBe('primary');
    expect(r.attempts.map((a) => a.outcome)).toEqual(['invalid_output', 'ok']);
    const limits = up.calls.filter((c) => c.api === 'openai-responses').map((c) => c.body.max_output_tokens);
    // decompose asks for at least 8192 tokens of structured output (not the 100 requested), then doubles once.
    expect(limits).toEqual([8192, 16384]);
  });

  it("a provider's max concurrency bounds the requests it sees at once; the rest wait their turn", async () => {
    const { up, g, primary } = await setup();
    open.push({ up, g });
    await g.providers.update(g.workspaceId, primary.id, { maxConcurrency: 3 });
    up.script(() => ({ text: 'ok', delayMs: 30 }));
    const results = await Promise.all(Array.from({ length: 12 }, () => g.llm.generateText({ workspaceId: g.workspaceId, task: 'summarize', prompt: 'x' })));
    expect(results.every((r) => r.provider.name === 'primary')).toBe(true);
    expect(up.maxInFlight).toBe(3);
  });

  it('no enabled provider -> no_provider, recorded', async () => {
    const up = await startFakeUpstream();
    const g = await buildGateway();
    open.push({ up, g });
    const err = await g.llm.generateText({ workspaceId: g.workspaceId, task: 'summarize', prompt: 'x' }).catch((e) => e);
    expect(isLlmError(err, 'no_provider')).toBe(true);
    expect((await g.llm.usage(g.workspaceId, { groupBy: [] })).totals).toMatchObject({ calls: 1, errors: 1 });
  });
});
