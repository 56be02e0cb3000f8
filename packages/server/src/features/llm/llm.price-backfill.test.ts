import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDb, requirePostgresInCi, testEngines, type TestDb } from '../../platform/db/testing';
import { down, up } from '../../platform/db/migrations/2026120230_settings_keys_expiry_usage_price';

requirePostgresInCi();

/**
 * Usage rows recorded before `llm_usage.price_known` existed get it from the price table and each provider's
 * overrides when the migration runs: a model known to either is 1, any other model 0 (costed at the fallback),
 * and a row without a model (a refused call) stays null.
 */
describe.each(testEngines())('price_known back-fill (%s)', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(engine);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('marks the rows of models without a known price, per provider override', async () => {
    const k = t.db.kysely;
    await down(k);
    const now = '2026-12-01T00:00:00.000Z';
    await k.insertInto('workspaces').values({ id: 'ws-1', name: 'backfill', created_at: now }).execute();
    const provider = (id: string, pricing: string | null) => ({
      id, workspace_id: 'ws-1', kind: 'openai-compatible', name: id, api_key_sealed: 'x', key_last4: 'xxxx', base_url: 'http://127.0.0.1:1/v1', priority: 1,
      enabled: 1, max_concurrency: 1, default_models: '{"default":"m"}', pricing, source: 'api', created_at: now, updated_at: now,
    });
    await k.insertInto('llm_providers').values([provider('p-plain', null), provider('p-priced', JSON.stringify({ 'acme-7b': { inputPerMTok: 0.1, outputPerMTok: 0.2 } }))]).execute();
    const rows: Array<[string, string | null, string | null]> = [
      ['u1', 'p-plain', 'gpt-4o-mini'],
      ['u2', 'p-plain', 'acme-7b'],
      ['u3', 'p-priced', 'acme-7b'],
      ['u4', null, null],
      ['u5', 'p-plain', 'claude-sonnet-4-5-20250929'],
    ];
    for (const [id, providerId, model] of rows) {
      await sql`insert into llm_usage (id, workspace_id, at, day, provider_id, provider_name, provider_kind, model, task, persona, session_id, api_key_id, input_tokens, output_tokens, cost_usd, latency_ms, outcome, error_code, degraded)
        values (${id}, 'ws-1', 1, '2026-12-01', ${providerId}, ${providerId}, 'openai-compatible', ${model}, 'summarize', null, null, null, 10, 10, 0.001, 5, ${model ? 'ok' : 'no_provider'}, null, 0)`.execute(k);
    }
    await up(k);
    const got = Object.fromEntries((await k.selectFrom('llm_usage').select(['id', 'price_known']).execute()).map((r) => [r.id, r.price_known === null || r.price_known === undefined ? null : Number(r.price_known)]));
    expect(got).toEqual({ u1: 1, u2: 0, u3: 1, u4: null, u5: 1 });
  });
});
