import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetStatus, RoutingPolicy, SimulateResult, UsageReport } from '@autopilot/contracts';
import { startTestOrchestrator, type TestOrchestrator } from '../../../test/harness';
import { startFakeUpstream, type FakeUpstream } from '../../../test/fakes/llm-upstream';

/** The dashboard's view of the gateway: routing policies, simulation, budgets, usage and breakers over HTTP. */
describe('routing, budgets and usage API', () => {
  let t: TestOrchestrator;
  let up: FakeUpstream;
  beforeAll(async () => {
    up = await startFakeUpstream();
    up.script(() => ({ text: 'fine', inputTokens: 1000, outputTokens: 100 }));
    t = await startTestOrchestrator({ GEMINI_API_KEY: 'gm-test-key-0000', GEMINI_BASE_URL: `${up.url}/v1beta`, ANTHROPIC_API_KEY: 'an-test-key-0000', ANTHROPIC_BASE_URL: `${up.url}/v1` });
  });
  afterAll(async () => {
    await t?.close();
    await up?.close();
  });

  it('replaces, appends, lists and deletes routing rules; simulate explains the choice', async () => {
    const put = await t.request('/api/routing/policies', {
      method: 'PUT',
      json: {
        rules: [
          { name: 'reviews on Claude', match: { tasks: ['review'] }, targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] },
          { name: 'cheap when low', match: { budgetLeftBelowPct: 20 }, targets: [{ provider: 'gemini', model: 'gemini-2.5-flash' }], fallbackToDefaults: false },
        ],
      },
    });
    expect(put.status).toBe(200);
    const appended = await t.request('/api/routing/policies', { method: 'POST', json: { name: 'temporary', targets: [{ provider: 'gemini' }] } });
    expect(appended.status).toBe(201);
    const tmp = (await appended.json()) as { id: string; position: number };
    expect(tmp.position).toBe(2);
    expect((await t.request(`/api/routing/policies/${tmp.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.request(`/api/routing/policies/${tmp.id}`, { method: 'DELETE' })).status).toBe(404);
    const list = RoutingPolicy.parse(await (await t.request('/api/routing/policies')).json());
    expect(list.items.map((r) => [r.position, r.name])).toEqual([[0, 'reviews on Claude'], [1, 'cheap when low']]);
    expect(list.items.map((r) => r.explanation)).toEqual([
      'When the task is review: anthropic (claude-sonnet-4-5), then the other providers by priority.',
      'When less than 20% of the budget is left: gemini (gemini-2.5-flash), and nothing else.',
    ]);

    const sim = SimulateResult.parse(await (await t.request('/api/routing/simulate', { method: 'POST', json: { task: 'summarize', budgetLeftPct: 10 } })).json());
    expect(sim.matched?.name).toBe('cheap when low');
    expect(sim.rules[0]).toMatchObject({ matched: false, reasons: ['task summarize is not one of [review]'] });
    expect(sim.rules[1]).toMatchObject({ matched: true, reasons: ['budget left 10% is below 20%'] });
    expect(sim.targets).toEqual([expect.objectContaining({ provider: 'gemini', model: 'gemini-2.5-flash', source: 'rule', available: true })]);

    const bad = await t.request('/api/routing/simulate', { method: 'POST', json: { task: 'poetry' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('body.task');
  });

  it('sets budgets, and reports usage grouped as asked', async () => {
    const put = await t.request('/api/budgets', { method: 'PUT', json: { dailyLimitUsd: 10, monthlyLimitUsd: 100 } });
    expect(put.status).toBe(200);
    const degradeWithoutTarget = await t.request('/api/budgets', { method: 'PUT', json: { dailyLimitUsd: 1, onExhausted: 'degrade' } });
    expect(degradeWithoutTarget.status).toBe(400);
    expect(JSON.stringify(await degradeWithoutTarget.json())).toContain('body.degradeTo');

    const me = (await (await t.request('/api/me')).json()) as { workspace: { id: string } };
    const r = await t.orch.llm.generateText({ workspaceId: me.workspace.id, task: 'review', prompt: 'look', apiKeyId: 'k-1' });
    expect(r.provider.name).toBe('anthropic');
    const cost = (1000 * 3 + 100 * 15) / 1_000_000;
    expect(r.costUsd).toBeCloseTo(cost, 12);

    const budget = BudgetStatus.parse(await (await t.request('/api/budgets')).json());
    expect(budget).toMatchObject({ dailyLimitUsd: 10, monthlyLimitUsd: 100, onExhausted: 'error' });
    expect(budget.day.spentUsd).toBeCloseTo(cost, 12);
    expect(budget.day.reservedUsd).toBeCloseTo(0, 12);

    const usage = UsageReport.parse(await (await t.request('/api/llm/usage?groupBy=provider,task,apiKey')).json());
    expect(usage.rows).toEqual([expect.objectContaining({ provider: 'anthropic', task: 'review', apiKeyId: 'k-1', calls: 1, inputTokens: 1000, outputTokens: 100 })]);
    expect(usage.totals.costUsd).toBeCloseTo(cost, 12);
    const badGroup = await t.request('/api/llm/usage?groupBy=color');
    expect(badGroup.status).toBe(400);
    expect(JSON.stringify(await badGroup.json())).toContain('groupBy');
    expect((await t.request('/api/llm/usage?from=2026-12-01&to=2026-11-01')).status).toBe(400);

    const calls = await t.request('/api/llm/calls?limit=1&task=review');
    expect(calls.status).toBe(200);
    const page = (await calls.json()) as { items: Array<{ provider: string; costUsd: number; outcome: string; apiKeyId: string }>; nextCursor: string | null };
    expect(page.items).toEqual([expect.objectContaining({ provider: 'anthropic', outcome: 'ok', apiKeyId: 'k-1' })]);
    expect(page.items[0]!.costUsd).toBeCloseTo(cost, 12);
    expect(page.nextCursor).toBeNull();
    expect((await t.request('/api/llm/calls?cursor=garbage')).status).toBe(400);

    const breakers = (await (await t.request('/api/llm/breakers')).json()) as { items: Array<{ provider: string; state: string }> };
    expect(breakers.items).toEqual([expect.objectContaining({ provider: 'anthropic', model: 'claude-sonnet-4-5', state: 'closed' })]);
    const health = (await (await t.request('/api/health')).json()) as { components: Array<{ name: string; status: string }> };
    expect(health.components).toContainEqual(expect.objectContaining({ name: 'llm:anthropic/claude-sonnet-4-5', status: 'ok' }));
  });
});
