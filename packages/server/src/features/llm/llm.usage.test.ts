import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ProviderKind } from '@autopilot/contracts';
import { testEngines, requirePostgresInCi } from '../../platform/db/testing';
import { PRICING } from '../../integrations/llm';
import { startFakeUpstream, baseUrlFor, type FakeUpstream, type WireApi } from '../../../test/fakes/llm-upstream';
import { buildGateway, type Gateway } from '../../../test/fakes/llm-gateway';

requirePostgresInCi();

/** One provider of each kind, each with a model from the pricing table, and the wire API its SDK speaks. */
const cases: Array<{ kind: ProviderKind; model: string; api: WireApi; inputTokens: number; outputTokens: number }> = [
  { kind: 'openai', model: 'gpt-4.1-mini', api: 'openai-responses', inputTokens: 1234, outputTokens: 567 },
  { kind: 'anthropic', model: 'claude-sonnet-4-5', api: 'anthropic', inputTokens: 2048, outputTokens: 321 },
  { kind: 'gemini', model: 'gemini-2.5-flash', api: 'gemini', inputTokens: 777, outputTokens: 99 },
  { kind: 'openai-compatible', model: 'gpt-4o-mini', api: 'openai-chat', inputTokens: 5000, outputTokens: 1 },
];

const expectedCost = (c: (typeof cases)[number], price = PRICING[c.model]!) => (c.inputTokens * price.inputPerMTok + c.outputTokens * price.outputPerMTok) / 1_000_000;

describe.each(testEngines())('usage and cost through real SDK clients (%s)', (engine) => {
  let up: FakeUpstream;
  let g: Gateway;
  beforeAll(async () => {
    up = await startFakeUpstream();
    g = await buildGateway({ engine });
    for (const c of cases) {
      await g.providers.create(g.workspaceId, { kind: c.kind, name: c.kind, apiKey: `sk-${c.kind}-secret`, baseUrl: baseUrlFor(up.url, c.kind), priority: 1, enabled: true, maxConcurrency: 4, defaultModels: { default: c.model } });
    }
    up.script((call) => {
      const c = cases.find((x) => x.api === call.api)!;
      return call.structured ? { object: { verdict: 'approve', score: 7 }, inputTokens: c.inputTokens, outputTokens: c.outputTokens } : { text: `hi from ${call.api}`, inputTokens: c.inputTokens, outputTokens: c.outputTokens };
    });
  });
  afterAll(async () => {
    await up?.close();
    await g?.cleanup();
  });

  for (const c of cases) {
    it(`${c.kind}: text and object calls record the fake's tokens and cost = tokens x pricing table`, async () => {
      await g.routing.replace(g.workspaceId, [{ name: `only ${c.kind}`, enabled: true, match: {}, targets: [{ provider: c.kind }], fallbackToDefaults: false }]);
      const before = up.calls.length;
      const text = await g.llm.generateText({ workspaceId: g.workspaceId, task: 'summarize', prompt: 'Summarise this.', sessionId: 's-1', apiKeyId: `key-${c.kind}` });
      expect(text.text).toBe(`hi from ${c.api}`);
      expect(text.provider).toMatchObject({ name: c.kind, kind: c.kind });
      expect(text.model).toBe(c.model);
      expect(text.usage).toEqual({ inputTokens: c.inputTokens, outputTokens: c.outputTokens });
      expect(text.costUsd).toBeCloseTo(expectedCost(c), 12);

      const obj = await g.llm.generateObject({ workspaceId: g.workspaceId, task: 'review', prompt: 'Review this.', schema: z.object({ verdict: z.enum(['approve', 'reject']), score: z.number() }), apiKeyId: `key-${c.kind}` });
      expect(obj.object).toEqual({ verdict: 'approve', score: 7 });
      expect(obj.costUsd).toBeCloseTo(expectedCost(c), 12);

      const sent = up.calls.slice(before);
      expect(sent.map((s) => s.api)).toEqual([c.api, c.api]);
      expect(sent.map((s) => s.structured)).toEqual([false, true]);
      expect(sent.every((s) => s.apiKey === `sk-${c.kind}-secret`)).toBe(true);

      const rows = await g.db.kysely.selectFrom('llm_usage').selectAll().where('provider_name', '=', c.kind).orderBy('at').execute();
      expect(rows).toHaveLength(2);
      for (const r of rows) {
        expect(r).toMatchObject({ model: c.model, provider_kind: c.kind, input_tokens: c.inputTokens, output_tokens: c.outputTokens, outcome: 'ok', api_key_id: `key-${c.kind}` });
        expect(r.cost_usd).toBeCloseTo(expectedCost(c), 12);
        expect(r.latency_ms).toBeGreaterThanOrEqual(0);
      }
      expect(rows.map((r) => r.task)).toEqual(['summarize', 'review']);
      expect(rows[0]!.session_id).toBe('s-1');
    });
  }

  it('aggregates usage by provider, model, task, API key and day', async () => {
    const byProvider = await g.llm.usage(g.workspaceId, { groupBy: ['provider', 'model'] });
    expect(byProvider.rows).toHaveLength(cases.length);
    for (const c of cases) {
      const row = byProvider.rows.find((r) => r.provider === c.kind)!;
      expect(row).toMatchObject({ model: c.model, calls: 2, errors: 0, inputTokens: 2 * c.inputTokens, outputTokens: 2 * c.outputTokens });
      expect(row.costUsd).toBeCloseTo(2 * expectedCost(c), 12);
    }
    const total = cases.reduce((n, c) => n + 2 * expectedCost(c), 0);
    expect(byProvider.totals.calls).toBe(8);
    expect(byProvider.totals.costUsd).toBeCloseTo(total, 12);

    const byTask = await g.llm.usage(g.workspaceId, { groupBy: ['task'] });
    expect(byTask.rows.map((r) => [r.task, r.calls])).toEqual([['review', 4], ['summarize', 4]]);
    const byKey = await g.llm.usage(g.workspaceId, { groupBy: ['apiKey'] });
    expect(byKey.rows.find((r) => r.apiKeyId === 'key-gemini')?.calls).toBe(2);
    const byDay = await g.llm.usage(g.workspaceId, { groupBy: ['day'] });
    expect(byDay.rows).toEqual([expect.objectContaining({ day: new Date().toISOString().slice(0, 10), calls: 8 })]);
    const none = await g.llm.usage(g.workspaceId, { from: '2020-01-01', to: '2020-01-31', groupBy: ['day'] });
    expect(none.totals.calls).toBe(0);
    expect(none.rows).toEqual([]);
  });

  it('lists the recorded calls newest first, page by page', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await g.llm.calls(g.workspaceId, { limit: 3, cursor });
      sizes.push(page.items.length);
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(sizes).toEqual([3, 3, 2]);
    expect(new Set(seen).size).toBe(8);
    const all = (await g.llm.calls(g.workspaceId, { limit: 50 })).items;
    expect(all.map((c) => c.id)).toEqual(seen);
    expect([...all].sort((a, b) => (a.at < b.at ? 1 : -1)).map((c) => c.at)).toEqual(all.map((c) => c.at));
    const reviews = await g.llm.calls(g.workspaceId, { limit: 50, task: 'review', outcome: 'ok' });
    expect(reviews.items).toHaveLength(4);
  });

  it('uses a provider pricing override instead of the table', async () => {
    const list = await g.providers.list(g.workspaceId);
    const gem = list.find((p) => p.kind === 'gemini')!;
    const override = { inputPerMTok: 0.5, outputPerMTok: 3.25 };
    await g.providers.update(g.workspaceId, gem.id, { pricing: { 'gemini-2.5-flash': override } });
    await g.routing.replace(g.workspaceId, [{ name: 'gemini', enabled: true, match: {}, targets: [{ provider: 'gemini' }], fallbackToDefaults: false }]);
    const r = await g.llm.generateText({ workspaceId: g.workspaceId, task: 'debate', prompt: 'Argue.' });
    expect(r.costUsd).toBeCloseTo(expectedCost(cases[2]!, override), 12);
  });
});

describe('embeddings', () => {
  let up: FakeUpstream;
  let g: Gateway;
  beforeAll(async () => {
    up = await startFakeUpstream();
    up.script(() => ({ inputTokens: 321 }));
    g = await buildGateway();
    // Anthropic first by priority, but it has no embeddings API; OpenAI has no embedding model configured.
    await g.providers.create(g.workspaceId, { kind: 'anthropic', name: 'claude', apiKey: 'sk-a', baseUrl: baseUrlFor(up.url, 'anthropic'), priority: 1, enabled: true, maxConcurrency: 4, defaultModels: { default: 'claude-haiku-4-5', embed: 'none' } });
    await g.providers.create(g.workspaceId, { kind: 'openai', name: 'oa', apiKey: 'sk-o', baseUrl: baseUrlFor(up.url, 'openai'), priority: 2, enabled: true, maxConcurrency: 4, defaultModels: { default: 'gpt-4.1-mini' } });
    await g.providers.create(g.workspaceId, { kind: 'gemini', name: 'gm', apiKey: 'sk-g', baseUrl: baseUrlFor(up.url, 'gemini'), priority: 3, enabled: true, maxConcurrency: 4, defaultModels: { default: 'gemini-2.5-flash', embed: 'text-embedding-004' } });
  });
  afterAll(async () => {
    await up?.close();
    await g?.cleanup();
  });

  it('go to the first provider with an embedding model, recorded under task embed', async () => {
    const r = await g.llm.embed({ workspaceId: g.workspaceId, values: ['alpha', 'be'], sessionId: 's-9' });
    expect(r.provider.name).toBe('gm');
    expect(r.model).toBe('text-embedding-004');
    expect(r.embeddings).toEqual([[5, 0, 0.5], [2, 1, 0.5]]);
    expect(up.calls.map((c) => c.api)).toEqual(['gemini-embed']);
    const [row] = await g.db.kysely.selectFrom('llm_usage').selectAll().execute();
    expect(row).toMatchObject({ task: 'embed', provider_name: 'gm', outcome: 'ok', session_id: 's-9', output_tokens: 0 });
    // Gemini reports no usage for embeddings: the recorded tokens are the gateway's estimate, never zero.
    expect(row!.input_tokens).toBeGreaterThan(0);
  });

  it('a routing rule can send them to OpenAI, whose reported tokens are priced exactly', async () => {
    await g.routing.replace(g.workspaceId, [{ name: 'embeddings on OpenAI', enabled: true, match: { tasks: ['embed'] }, targets: [{ provider: 'oa', model: 'text-embedding-3-small' }], fallbackToDefaults: true }]);
    const r = await g.llm.embed({ workspaceId: g.workspaceId, values: ['one', 'three'] });
    expect(r.provider.name).toBe('oa');
    expect(r.embeddings).toEqual([[3, 0, 0.5], [5, 1, 0.5]]);
    expect(r.usage).toEqual({ inputTokens: 321, outputTokens: 0 });
    expect(r.costUsd).toBeCloseTo((321 * 0.02) / 1_000_000, 15);
    expect(up.calls.at(-1)).toMatchObject({ api: 'openai-embeddings', model: 'text-embedding-3-small', apiKey: 'sk-o' });
  });
});
