import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines, requirePostgresInCi } from '../../platform/db/testing';
import { runAs, type Actor } from '../../platform/actor';
import { startFakeUpstream, baseUrlFor, type FakeUpstream } from '../../../test/fakes/llm-upstream';
import { buildGateway, type Gateway } from '../../../test/fakes/llm-gateway';
import { isLlmError } from './llm.errors';
import type { LlmService } from './llm.service';

requirePostgresInCi();

/** gpt-4.1-mini at 1000 in / 500 out tokens: a known, non-zero cost per call. */
const MODEL = 'gpt-4.1-mini';

describe.each(testEngines())('LLM cost attribution and per-key monthly limits (%s)', (engine) => {
  let up: FakeUpstream;
  let g: Gateway;
  /** The gateway as the orchestrator wires it: usage rows are written by the budgets store's settle-and-record. */
  let llm: LlmService;
  const keyA: Actor = { kind: 'key', id: 'key-a', name: 'ci key A' };
  const keyB: Actor = { kind: 'key', id: 'key-b', name: 'ci key B' };
  const person: Actor = { kind: 'person', id: 'p-1', name: 'Ada' };
  const keeper: Actor = { kind: 'keeper', id: 'keeper', name: 'keeper' };
  const call = (sessionId?: string) => llm.generateText({ workspaceId: g.workspaceId, task: 'summarize', prompt: 'Summarise this.', sessionId });

  beforeAll(async () => {
    up = await startFakeUpstream();
    g = await buildGateway({ engine });
    llm = g.llm;
    await g.providers.create(g.workspaceId, { kind: 'openai', name: 'openai', apiKey: 'sk-openai-secret', baseUrl: baseUrlFor(up.url, 'openai'), priority: 1, enabled: true, maxConcurrency: 4, defaultModels: { default: MODEL } });
    up.script(() => ({ text: 'ok', inputTokens: 1000, outputTokens: 500 }));
  });
  afterAll(async () => {
    await up?.close();
    await g?.cleanup();
  });

  const rowsOf = (actor: string) => g.db.kysely.selectFrom('llm_usage').selectAll().where('workspace_id', '=', g.workspaceId).where('actor', '=', actor).execute();

  it('records who caused each call: a key, a person, the keeper; outside any actor the system', async () => {
    await runAs(keyA, () => call());
    await runAs(keyA, () => call());
    await runAs(person, () => call());
    await runAs(keeper, () => call('s-keeper'));
    await call();
    expect((await rowsOf('key:key-a')).map((r) => [r.actor_name, r.outcome])).toEqual([['ci key A', 'ok'], ['ci key A', 'ok']]);
    expect((await rowsOf('person:p-1')).map((r) => r.actor_name)).toEqual(['Ada']);
    const k = await rowsOf('keeper:keeper');
    expect(k.map((r) => [r.actor_name, r.session_id])).toEqual([['keeper', 's-keeper']]);
    expect((await rowsOf('system:system')).length).toBe(1);
  });

  it('groupBy=actor sums per actor with its name and kind', async () => {
    const { rows } = await llm.usage(g.workspaceId, { groupBy: ['actor'] });
    const byRef = new Map(rows.map((r) => [r.actor, r]));
    const one = (await rowsOf('person:p-1'))[0]!.cost_usd;
    expect(one).toBeGreaterThan(0);
    expect(byRef.get('key:key-a')).toMatchObject({ calls: 2, actorName: 'ci key A', actorKind: 'key', inputTokens: 2000, outputTokens: 1000 });
    expect(byRef.get('key:key-a')!.costUsd).toBeCloseTo(2 * one, 12);
    expect(byRef.get('person:p-1')).toMatchObject({ calls: 1, actorName: 'Ada', actorKind: 'person' });
    expect(byRef.get('keeper:keeper')).toMatchObject({ calls: 1, actorKind: 'keeper' });
    expect(byRef.get('system:system')).toMatchObject({ calls: 1, actorKind: 'system' });
    expect(rows.reduce((s, r) => s + r.calls, 0)).toBe(5);
  });

  it('refuses a key whose llmUsdPerMonth is spent (budget_exhausted naming the limit); another key and a key under its limit go ahead', async () => {
    const spentByA = (await rowsOf('key:key-a')).reduce((s, r) => s + r.cost_usd, 0);
    const before = up.calls.length;
    // Key A has spent exactly its limit: refused before any upstream call.
    const err = await runAs({ ...keyA, limits: { llmUsdPerMonth: spentByA } }, () => call()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isLlmError(err, 'budget_exhausted')).toBe(true);
    expect((err as Error).message).toContain('llmUsdPerMonth');
    expect((err as { details?: Record<string, unknown> }).details).toMatchObject({ reason: 'budget_exhausted', limit: 'llmUsdPerMonth', limitUsd: spentByA });
    expect(up.calls.length).toBe(before);
    // The refusal is recorded for key A, costing nothing.
    const refused = (await rowsOf('key:key-a')).filter((r) => r.outcome === 'budget_exhausted');
    expect(refused.map((r) => r.cost_usd)).toEqual([0]);

    // Key A with a higher limit, and key B with the same limit (it has spent nothing) are served.
    await expect(runAs({ ...keyA, limits: { llmUsdPerMonth: spentByA * 10 } }, () => call())).resolves.toMatchObject({ text: 'ok' });
    await expect(runAs({ ...keyB, limits: { llmUsdPerMonth: spentByA } }, () => call())).resolves.toMatchObject({ text: 'ok' });
    // No limit (null) = unlimited.
    await expect(runAs({ ...keyA, limits: { llmUsdPerMonth: null } }, () => call())).resolves.toMatchObject({ text: 'ok' });
    expect(up.calls.length).toBe(before + 3);
  });
});
