import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePostgresInCi, testEngines } from '../../platform/db/testing';
import { estimateCostUsd, estimateInputTokens } from '../../integrations/llm';
import { startFakeUpstream, baseUrlFor, type FakeUpstream } from '../../../test/fakes/llm-upstream';
import { buildGateway, type Gateway } from '../../../test/fakes/llm-gateway';
import { isLlmError } from '../llm';

requirePostgresInCi();

// A deliberately expensive model so a handful of calls spends real money: $1000 per million tokens either way.
const PRICE = { inputPerMTok: 1000, outputPerMTok: 1000 };
const CHEAP = { inputPerMTok: 1, outputPerMTok: 1 };
const PROMPT = 'x'.repeat(300);
const MAX_OUT = 100;
const ESTIMATE = estimateCostUsd(estimateInputTokens(PROMPT), MAX_OUT, PRICE);

describe.each(testEngines())('budgets under concurrency (%s)', (engine) => {
  let up: FakeUpstream;
  let g: Gateway;
  beforeAll(async () => {
    up = await startFakeUpstream();
    // Each call really uses 60 in + 40 out tokens = $0.10, less than its reservation (~$0.23).
    up.script(() => ({ text: 'ok', inputTokens: 60, outputTokens: 40, delayMs: 5 }));
    g = await buildGateway({ engine });
    await g.providers.create(g.workspaceId, {
      kind: 'openai',
      name: 'pricey',
      apiKey: 'sk-pricey',
      baseUrl: baseUrlFor(up.url, 'openai'),
      priority: 1,
      enabled: true,
      maxConcurrency: 50,
      defaultModels: { default: 'big-model' },
      pricing: { 'big-model': PRICE, 'small-model': CHEAP },
    });
  });
  afterAll(async () => {
    await up?.close();
    await g?.cleanup();
  });

  it('50 concurrent calls against a nearly spent budget overshoot it by at most one call estimate', async () => {
    await g.budgets.put(g.workspaceId, { dailyLimitUsd: 2, monthlyLimitUsd: 100, onExhausted: 'error', degradeTo: null });
    // Spend most of the day's budget: $1.50 of $2.00 gone.
    const pre = await g.budgets.reserve(g.workspaceId, 1.5);
    await g.budgets.settle(pre!, 1.5);

    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => g.llm.generateText({ workspaceId: g.workspaceId, task: 'summarize', prompt: PROMPT, maxOutputTokens: MAX_OUT })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(refused.length).toBeGreaterThan(40);
    expect(refused.every((r) => isLlmError(r.reason, 'budget_exhausted') && r.reason.code === 'budget_exhausted')).toBe(true);

    const status = await g.budgets.status(g.workspaceId);
    expect(status.day.spentUsd).toBeCloseTo(1.5 + ok.length * 0.1, 9);
    expect(status.day.spentUsd).toBeLessThanOrEqual(2 + ESTIMATE);
    expect(status.day.reservedUsd).toBeCloseTo(0, 9);
    expect(status.month.spentUsd).toBeCloseTo(status.day.spentUsd, 9);
    // Every upstream request was one that had a reservation.
    expect(up.calls).toHaveLength(ok.length);
    const usage = await g.llm.usage(g.workspaceId, { groupBy: [] });
    expect(usage.totals.calls).toBe(50);
    expect(usage.totals.errors).toBe(refused.length);
    expect(usage.totals.costUsd).toBeCloseTo(ok.length * 0.1, 9);
  });

  it('with the degrade policy an exhausted budget moves to the cheaper target, and says so', async () => {
    // Leave 5 cents: less than one call on the pricey model, plenty for the small one.
    const spent = (await g.budgets.status(g.workspaceId)).day.spentUsd;
    await g.budgets.put(g.workspaceId, { dailyLimitUsd: spent + 0.05, monthlyLimitUsd: 100, onExhausted: 'degrade', degradeTo: { provider: 'pricey', model: 'small-model' } });
    const r = await g.llm.generateText({ workspaceId: g.workspaceId, task: 'summarize', prompt: PROMPT, maxOutputTokens: MAX_OUT });
    expect(r.degraded).toBe(true);
    expect(r.model).toBe('small-model');
    expect(r.attempts.map((a) => a.outcome)).toEqual(['budget_exhausted', 'ok']);
    expect(r.costUsd).toBeCloseTo((60 + 40) / 1_000_000, 12);
    expect(up.calls.at(-1)?.model).toBe('small-model');
  });

  it('when even the cheaper target does not fit, the call fails with budget_exhausted instead of continuing', async () => {
    await g.budgets.put(g.workspaceId, { dailyLimitUsd: 0.01, monthlyLimitUsd: null, onExhausted: 'degrade', degradeTo: { provider: 'pricey', model: 'small-model' } });
    const before = up.calls.length;
    const err = await g.llm.generateText({ workspaceId: g.workspaceId, task: 'summarize', prompt: PROMPT, maxOutputTokens: MAX_OUT }).catch((e) => e);
    expect(isLlmError(err, 'budget_exhausted')).toBe(true);
    expect(up.calls.length).toBe(before);
    const status = await g.budgets.status(g.workspaceId);
    expect(status.percentLeft).toBe(0);
    expect(status.day.remainingUsd).toBe(0);
  });
});
