import { sql } from 'kysely';
import type { UsageGroupBy, UsageRow } from '@autopilot/contracts';
import type { Db } from '../../platform/db';
import type { LlmUsageTable } from '../../platform/db/schema';

const columnOf: Record<UsageGroupBy, 'day' | 'provider_name' | 'model' | 'task' | 'api_key_id' | 'outcome' | 'error_code' | 'actor'> = {
  day: 'day',
  provider: 'provider_name',
  model: 'model',
  task: 'task',
  apiKey: 'api_key_id',
  outcome: 'outcome',
  errorCode: 'error_code',
  actor: 'actor',
};
const fieldOf: Record<UsageGroupBy, keyof UsageRow> = {
  day: 'day',
  provider: 'provider',
  model: 'model',
  task: 'task',
  apiKey: 'apiKeyId',
  outcome: 'outcome',
  errorCode: 'errorCode',
  actor: 'actor',
};

/** Usage rows of the LLM gateway and their aggregation for reports. */
export function createLlmStore(db: Db) {
  const k = db.kysely;
  return {
    insertUsage: (row: LlmUsageTable) => k.insertInto('llm_usage').values(row).execute(),

    /**
     * What `actor` spent on LLM calls in [fromMs, toMs) in this workspace: one indexed sum over
     * llm_usage (workspace_id, actor, at), read by the per-key monthly limit before each call.
     */
    async spentBy(workspaceId: string, actor: string, fromMs: number, toMs: number): Promise<number> {
      const r = await k
        .selectFrom('llm_usage')
        .where('workspace_id', '=', workspaceId)
        .where('actor', '=', actor)
        .where('at', '>=', fromMs)
        .where('at', '<', toMs)
        .select(sql<number>`coalesce(sum(cost_usd), 0)`.as('spent'))
        .executeTakeFirst();
      return Number(r?.spent ?? 0);
    },

    /** Recorded calls newest first, after an optional keyset position (at, id). */
    listCalls(workspaceId: string, q: { limit: number; before?: { at: number; id: string }; task?: string; outcome?: string; errorCode?: string; sessionId?: string }) {
      let s = k.selectFrom('llm_usage').selectAll().where('workspace_id', '=', workspaceId);
      if (q.task) s = s.where('task', '=', q.task);
      // `failed`: every outcome but ok.
      if (q.outcome === 'failed') s = s.where('outcome', '!=', 'ok');
      else if (q.outcome) s = s.where('outcome', '=', q.outcome);
      if (q.errorCode) s = s.where('error_code', '=', q.errorCode);
      if (q.sessionId) s = s.where('session_id', '=', q.sessionId);
      const b = q.before;
      if (b) s = s.where((eb) => eb.or([eb('at', '<', b.at), eb.and([eb('at', '=', b.at), eb('id', '<', b.id)])]));
      return s.orderBy('at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
    },

    /** Sums over [fromMs, toMs) grouped by the given dimensions (none = one totals row). */
    async aggregate(workspaceId: string, fromMs: number, toMs: number, groupBy: UsageGroupBy[]): Promise<UsageRow[]> {
      const cols = groupBy.map((g) => columnOf[g]);
      let q = k
        .selectFrom('llm_usage')
        .where('workspace_id', '=', workspaceId)
        .where('at', '>=', fromMs)
        .where('at', '<', toMs)
        .select([
          sql<number>`count(*)`.as('calls'),
          sql<number>`sum(case when outcome = 'ok' then 0 else 1 end)`.as('errors'),
          sql<number>`sum(input_tokens)`.as('input_tokens'),
          sql<number>`sum(output_tokens)`.as('output_tokens'),
          sql<number>`sum(cost_usd)`.as('cost_usd'),
          sql<number>`avg(latency_ms)`.as('avg_latency_ms'),
          // price_known = 0: costed at the fallback price (an estimate); null (no model) and 1 are not.
          sql<number>`sum(case when price_known = 0 then cost_usd else 0 end)`.as('estimated_usd'),
          sql<number>`sum(case when price_known = 0 then 1 else 0 end)`.as('estimated_calls'),
        ]);
      if (cols.length) q = q.select(cols).groupBy(cols);
      // One recorded name of the actor (names can change; the ref is the group).
      const byActor = groupBy.includes('actor');
      if (byActor) q = q.select(sql<string | null>`max(actor_name)`.as('actor_name'));
      for (const c of cols) q = q.orderBy(c);
      const rows = (await q.execute()) as Array<Record<string, unknown>>;
      return rows
        .filter((r) => Number(r.calls) > 0)
        .map((r) => {
          const out: UsageRow = {
            calls: Number(r.calls),
            errors: Number(r.errors ?? 0),
            inputTokens: Number(r.input_tokens ?? 0),
            outputTokens: Number(r.output_tokens ?? 0),
            costUsd: Number(r.cost_usd ?? 0),
            avgLatencyMs: Math.round(Number(r.avg_latency_ms ?? 0) * 10) / 10,
            priceKnown: Number(r.estimated_calls ?? 0) === 0,
            estimatedUsd: Number(r.estimated_usd ?? 0),
            estimatedCalls: Number(r.estimated_calls ?? 0),
          };
          for (const g of groupBy) (out as Record<string, unknown>)[fieldOf[g]] = r[columnOf[g]] ?? null;
          if (byActor) {
            const ref = (r.actor as string | null) ?? null;
            Object.assign(out, { actorName: (r.actor_name as string | null) ?? null, actorKind: ref ? ref.slice(0, ref.indexOf(':')) : null });
          }
          return out;
        });
    },
  };
}
export type LlmStore = ReturnType<typeof createLlmStore>;
