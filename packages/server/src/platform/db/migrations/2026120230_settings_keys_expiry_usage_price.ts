import type { Kysely } from 'kysely';
import { priceFor } from '../../../integrations/llm/pricing';

/**
 * Settings pages (issue #12):
 *   - `api_keys.expires_at` (ISO time, null = never) and `api_keys.created_by` (the id of the key that minted it,
 *     null for keys made at start or before this column existed).
 *   - `llm_usage.price_known`: 1 when the call was costed at a known price (the table or the provider's
 *     override), 0 when at the fallback price (an estimate), null for rows without a model (refused calls).
 *     Rows recorded before this column are back-filled from the price table and provider overrides as they are now.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('expires_at', 'text').execute();
  await db.schema.alterTable('api_keys').addColumn('created_by', 'text').execute();
  await db.schema.alterTable('llm_usage').addColumn('price_known', 'integer').execute();

  const providers = await db.selectFrom('llm_providers').select(['id', 'pricing']).execute();
  const overrides = new Map<string, Record<string, { inputPerMTok: number; outputPerMTok: number }> | null>();
  for (const p of providers as Array<{ id: string; pricing: string | null }>) {
    let parsed = null;
    try {
      parsed = p.pricing ? JSON.parse(p.pricing) : null;
    } catch {
      parsed = null;
    }
    overrides.set(p.id, parsed);
  }
  const pairs = (await db.selectFrom('llm_usage').select(['provider_id', 'model']).where('model', 'is not', null).distinct().execute()) as Array<{
    provider_id: string | null;
    model: string;
  }>;
  for (const pair of pairs) {
    const known = priceFor(pair.model, pair.provider_id ? overrides.get(pair.provider_id) : null).known ? 1 : 0;
    let q = db.updateTable('llm_usage').set({ price_known: known }).where('model', '=', pair.model);
    q = pair.provider_id === null ? q.where('provider_id', 'is', null) : q.where('provider_id', '=', pair.provider_id);
    await q.execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('llm_usage').dropColumn('price_known').execute();
  await db.schema.alterTable('api_keys').dropColumn('created_by').execute();
  await db.schema.alterTable('api_keys').dropColumn('expires_at').execute();
}
