import { z } from '@hono/zod-openapi';
import { IsoDate } from './common';
import { LlmTask } from './llm';

export const RouteTarget = z
  .strictObject({
    provider: z.string().trim().min(1).max(64).openapi({ description: 'Provider name, or a kind (the first enabled provider of that kind)' }),
    model: z.string().trim().min(1).max(200).optional().openapi({ description: "Defaults to the provider's model for the task" }),
  })
  .openapi('RouteTarget');
export type RouteTarget = z.infer<typeof RouteTarget>;

const hour = z.number().int().min(0).max(24);

/** Every condition given must hold; an empty match matches every call. */
export const RuleMatch = z
  .strictObject({
    tasks: z.array(LlmTask).min(1).optional(),
    personas: z.array(z.string().trim().min(1).max(64)).min(1).optional(),
    budgetLeftBelowPct: z.number().min(0).max(100).optional().openapi({ description: 'Matches when less than this percent of the budget is left' }),
    budgetLeftAtLeastPct: z.number().min(0).max(100).optional(),
    hoursUtc: z
      .strictObject({ from: hour, to: hour })
      .optional()
      .openapi({ description: 'From (inclusive) to (exclusive) hour in UTC; from > to wraps past midnight' }),
  })
  .openapi('RuleMatch');
export type RuleMatch = z.infer<typeof RuleMatch>;

export const RoutingRuleBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    enabled: z.boolean().default(true),
    match: RuleMatch.default({}),
    targets: z.array(RouteTarget).min(1).max(10).openapi({ description: 'Tried in order: the fallback chain' }),
    fallbackToDefaults: z.boolean().default(true).openapi({ description: 'After the targets, try the other providers by priority' }),
  })
  .openapi('RoutingRuleInput', {
    example: { name: 'reviews on Claude', match: { tasks: ['review'] }, targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] },
  });
export type RoutingRuleBody = z.infer<typeof RoutingRuleBody>;

export const RoutingRule = z
  .object({
    id: z.string(),
    position: z.number(),
    name: z.string(),
    enabled: z.boolean(),
    match: RuleMatch,
    targets: z.array(RouteTarget),
    fallbackToDefaults: z.boolean(),
    createdAt: IsoDate,
    explanation: z.string().openapi({
      description: 'The rule in plain words: when it matches and what it routes to',
      example: 'When the task is review: anthropic (claude-sonnet-4-5), then the other providers by priority.',
    }),
  })
  .openapi('RoutingRule');
export type RoutingRule = z.infer<typeof RoutingRule>;

export const RoutingPolicy = z.object({ items: z.array(RoutingRule) }).openapi('RoutingPolicy');
export const PutRoutingPolicyBody = z
  .strictObject({ rules: z.array(RoutingRuleBody).max(100) })
  .openapi('PutRoutingPolicy', {
    example: {
      rules: [
        { name: 'reviews on Claude', enabled: true, match: { tasks: ['review'] }, targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }], fallbackToDefaults: true },
        { name: 'cheap when budget is low', enabled: true, match: { budgetLeftBelowPct: 20 }, targets: [{ provider: 'gemini', model: 'gemini-2.5-flash' }], fallbackToDefaults: false },
      ],
    },
  });

export const SimulateBody = z
  .strictObject({
    task: LlmTask,
    persona: z.string().trim().min(1).max(64).optional(),
    budgetLeftPct: z.number().min(0).max(100).optional().openapi({ description: 'Defaults to the workspace budget now' }),
    at: z.string().datetime().optional().openapi({ description: 'Defaults to now' }),
  })
  .openapi('SimulateRoute', { example: { task: 'review', persona: 'reviewer', budgetLeftPct: 50 } });
export type SimulateBody = z.infer<typeof SimulateBody>;

export const SimulateResult = z
  .object({
    input: z.object({ task: LlmTask, persona: z.string().nullable(), budgetLeftPct: z.number(), hourUtc: z.number() }),
    matched: z.object({ id: z.string(), name: z.string(), position: z.number() }).nullable(),
    rules: z.array(z.object({ id: z.string(), name: z.string(), position: z.number(), matched: z.boolean(), reasons: z.array(z.string()) })),
    targets: z.array(
      z.object({
        providerId: z.string(),
        provider: z.string(),
        kind: z.string(),
        model: z.string(),
        source: z.enum(['rule', 'default']),
        available: z.boolean(),
        why: z.string().optional(),
      }),
    ),
    unresolved: z.array(z.object({ target: RouteTarget, why: z.string() })),
  })
  .openapi('SimulateResult');
export type SimulateResult = z.infer<typeof SimulateResult>;
