import { randomUUID } from 'node:crypto';
import type { RoutingRule, RoutingRuleBody, RouteTarget, RuleMatch } from '@autopilot/contracts';
import { notFound } from '../../platform/errors';
import { iso, type Clock } from '../../platform/clock';
import type { LlmRoutingRulesTable } from '../../platform/db/schema';
import type { RoutingStore } from './routing.store';
import { describeRule } from './routing.engine';

export interface RoutingDeps {
  store: RoutingStore;
  clock: Clock;
  /** How long rules are cached per workspace for the gateway; local writes invalidate at once. */
  cacheMs?: number;
}

const toRule = (r: LlmRoutingRulesTable): RoutingRule => {
  const rule = {
    id: r.id,
    position: r.position,
    name: r.name,
    enabled: r.enabled === 1,
    match: JSON.parse(r.match) as RuleMatch,
    targets: JSON.parse(r.targets) as RouteTarget[],
    fallbackToDefaults: r.fallback_to_defaults === 1,
    createdAt: r.created_at,
  };
  return { ...rule, explanation: describeRule(rule) };
};

/** The ordered routing rules of each workspace. Matching itself is the pure planRoute in routing.engine. */
export function createRoutingService(deps: RoutingDeps) {
  const { store, clock } = deps;
  const cacheMs = deps.cacheMs ?? 5_000;
  const cache = new Map<string, { until: number; rules: RoutingRule[] }>();
  const row = (workspaceId: string, body: RoutingRuleBody, position: number): LlmRoutingRulesTable => ({
    id: randomUUID(),
    workspace_id: workspaceId,
    position,
    name: body.name,
    enabled: body.enabled ? 1 : 0,
    match: JSON.stringify(body.match),
    targets: JSON.stringify(body.targets),
    fallback_to_defaults: body.fallbackToDefaults ? 1 : 0,
    created_at: iso(clock),
  });

  return {
    list: async (workspaceId: string) => (await store.list(workspaceId)).map(toRule),

    /** The rules for the gateway, cached briefly (every call needs them). */
    async rules(workspaceId: string): Promise<RoutingRule[]> {
      const now = clock.now();
      const hit = cache.get(workspaceId);
      if (hit && hit.until > now) return hit.rules;
      const rules = (await store.list(workspaceId)).map(toRule);
      cache.set(workspaceId, { until: now + cacheMs, rules });
      return rules;
    },

    /** Replaces the ordered list (array order = evaluation order). */
    async replace(workspaceId: string, bodies: RoutingRuleBody[]) {
      const rows = bodies.map((b, i) => row(workspaceId, b, i));
      await store.replaceAll(workspaceId, rows);
      cache.delete(workspaceId);
      return rows.map(toRule);
    },

    /** Adds a rule after the existing ones. */
    async append(workspaceId: string, body: RoutingRuleBody) {
      const r = row(workspaceId, body, (await store.maxPosition(workspaceId)) + 1);
      await store.insert(r);
      cache.delete(workspaceId);
      return toRule(r);
    },

    async remove(workspaceId: string, id: string) {
      const res = await store.delete(workspaceId, id);
      if (Number(res.numDeletedRows) === 0) throw notFound('Routing rule', id);
      cache.delete(workspaceId);
    },
  };
}
export type RoutingService = ReturnType<typeof createRoutingService>;
