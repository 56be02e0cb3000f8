import type { BreakerInfo, ComponentHealth, LlmCall, LlmOutcome, SimulateBody, SimulateResult, UsageGroupBy, UsageReport } from '@autopilot/contracts';
import { z } from 'zod';
import type { Clock } from '../../platform/clock';
import { cursorCodec } from '../../platform/cursor';
import { badRequest } from '../../platform/errors';
import type { Resilience } from '../../integrations/llm';
import type { ProvidersService } from '../providers';
import type { BudgetsService } from '../budgets';
import { planRoute, type RoutingService } from '../routing';
import { FALLBACK_PRICE } from '../../integrations/llm';
import type { LlmStore } from './llm.store';
import { explainCall } from './llm.explain';

export interface InsightsDeps {
  providers: Pick<ProvidersService, 'resolveEnabled'>;
  budgets: Pick<BudgetsService, 'snapshot'>;
  routing: Pick<RoutingService, 'rules'>;
  store: LlmStore;
  resilience: Resilience;
  clock: Clock;
}

const DAY = 86_400_000;

/** Call pages continue before (at, id), newest first. */
const cursor = cursorCodec(z.object({ a: z.number().int(), i: z.string() }));
const isBareDate = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v);

/** The read side of the gateway: route simulation, usage reports, breaker states for the API, health and metrics. */
export function createLlmInsights(deps: InsightsDeps) {
  const { providers, budgets, routing, store, resilience, clock } = deps;

  return {
    /** Which rule a call would match and why (and why earlier rules did not), with the targets it would try. */
    async simulate(workspaceId: string, input: z.infer<typeof SimulateBody>): Promise<SimulateResult> {
      const enabled = await providers.resolveEnabled(workspaceId);
      const budgetLeftPct = input.budgetLeftPct ?? (await budgets.snapshot(workspaceId)).percentLeft;
      const hourUtc = new Date(input.at ? Date.parse(input.at) : clock.now()).getUTCHours();
      const plan = planRoute(await routing.rules(workspaceId), enabled, { task: input.task, persona: input.persona ?? null, budgetLeftPct, hourUtc });
      return {
        input: { task: input.task, persona: input.persona ?? null, budgetLeftPct, hourUtc },
        matched: plan.matched ? { id: plan.matched.id, name: plan.matched.name, position: plan.matched.position } : null,
        rules: plan.rules,
        targets: plan.targets.map((t) => {
          const open = resilience.isOpen({ workspaceId, providerId: t.provider.id, provider: t.provider.name, kind: t.provider.kind, model: t.model });
          return {
            providerId: t.provider.id,
            provider: t.provider.name,
            kind: t.provider.kind,
            model: t.model,
            source: t.source,
            available: !open,
            ...(open ? { why: 'circuit open after repeated failures; skipped until its recovery window passes' } : {}),
          };
        }),
        unresolved: plan.unresolved,
      };
    },

    /** Usage totals and rows grouped by the requested dimensions over [from, to) (default: the last 30 days). */
    async usage(workspaceId: string, q: { from?: string; to?: string; groupBy: UsageGroupBy[] }): Promise<UsageReport> {
      const now = clock.now();
      const toMs = q.to ? Date.parse(q.to) + (isBareDate(q.to) ? DAY : 0) : now + 1;
      const fromMs = q.from ? Date.parse(q.from) : toMs - 30 * DAY;
      if (!(fromMs < toMs)) throw badRequest('from must be before to', { field: 'query.from' });
      const [totals] = await store.aggregate(workspaceId, fromMs, toMs, []);
      const rows = await store.aggregate(workspaceId, fromMs, toMs, q.groupBy);
      return {
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        groupBy: q.groupBy,
        totals: totals ?? { calls: 0, errors: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, avgLatencyMs: 0, priceKnown: true, estimatedUsd: 0, estimatedCalls: 0 },
        rows,
        fallbackPrice: { inputPerMTok: FALLBACK_PRICE.inputPerMTok, outputPerMTok: FALLBACK_PRICE.outputPerMTok },
      };
    },

    /** Recorded calls, newest first, one page at a time. */
    async calls(workspaceId: string, q: { limit: number; cursor?: string; task?: string; outcome?: string; errorCode?: string; sessionId?: string }): Promise<{ items: LlmCall[]; nextCursor: string | null }> {
      const key = cursor.decode(q.cursor);
      const before = key ? { at: key.a, id: key.i } : undefined;
      const rows = await store.listCalls(workspaceId, { ...q, limit: q.limit + 1, before });
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return {
        items: page.map((r) => ({
          id: r.id,
          at: new Date(Number(r.at)).toISOString(),
          provider: r.provider_name,
          providerKind: r.provider_kind,
          model: r.model,
          task: r.task,
          persona: r.persona,
          sessionId: r.session_id,
          apiKeyId: r.api_key_id,
          inputTokens: r.input_tokens,
          outputTokens: r.output_tokens,
          costUsd: r.cost_usd,
          latencyMs: r.latency_ms,
          outcome: r.outcome as LlmOutcome,
          errorCode: r.error_code,
          reason: explainCall(r.outcome as LlmOutcome, r.error_code),
          priceKnown: r.price_known !== 0,
          degraded: r.degraded === 1,
        })),
        nextCursor: rows.length > q.limit && last ? cursor.encode({ a: Number(last.at), i: last.id }) : null,
      };
    },

    /** Circuit breakers of one workspace's providers. */
    breakers(workspaceId: string): BreakerInfo[] {
      return resilience
        .states()
        .filter((b) => b.workspaceId === workspaceId)
        .map((b) => ({ providerId: b.providerId, provider: b.provider, model: b.model, state: b.state, openedAt: b.openedAt ? new Date(b.openedAt).toISOString() : null }));
    },

    /**
     * Breakers as health components, one per provider kind and model across workspaces (health is visible to every
     * workspace, so it names no workspace's providers). Any circuit not closed degrades health; fallbacks still
     * answer, so it never takes health down.
     */
    healthComponents(): ComponentHealth[] {
      const groups = new Map<string, { total: number; notClosed: number; states: Set<string> }>();
      for (const b of resilience.states()) {
        const key = `llm:${b.kind}/${b.model}`;
        const g = groups.get(key) ?? { total: 0, notClosed: 0, states: new Set<string>() };
        g.total++;
        if (b.state !== 'closed') {
          g.notClosed++;
          g.states.add(b.state);
        }
        groups.set(key, g);
      }
      return [...groups].map(([name, g]) => ({
        name,
        status: g.notClosed ? ('degraded' as const) : ('ok' as const),
        latencyMs: null,
        detail: g.notClosed ? `circuit ${[...g.states].join('/')} for ${g.notClosed} of ${g.total} provider configs` : `circuit closed (${g.total} provider configs)`,
      }));
    },
  };
}
