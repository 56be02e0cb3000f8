import { z } from '@hono/zod-openapi';
import { IsoDate, PageQuery, pageOf } from './common';

/** What a model call is for: routing rules, output limits and usage reports are keyed by it. */
export const LlmTask = z.enum(['supervisor', 'review', 'debate', 'decompose', 'summarize', 'embed']);
export type LlmTask = z.infer<typeof LlmTask>;

/** Tasks as recorded in usage: the feature tasks plus the provider connectivity test. */
export const UsageTask = z.enum([...LlmTask.options, 'provider_test']);
export type UsageTask = z.infer<typeof UsageTask>;

/** How a recorded call ended. */
export const LlmOutcome = z.enum(['ok', 'error', 'invalid_output', 'budget_exhausted', 'no_provider', 'all_breakers_open']);
export type LlmOutcome = z.infer<typeof LlmOutcome>;

export const UsageGroupBy = z.enum(['day', 'provider', 'model', 'task', 'apiKey', 'outcome', 'errorCode', 'actor']);
export type UsageGroupBy = z.infer<typeof UsageGroupBy>;

const dateOrTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/, 'YYYY-MM-DD or an ISO-8601 timestamp')
  .refine((v) => !Number.isNaN(Date.parse(v)), 'not a valid date');

/** `GET /api/llm/usage` query: a time range (default: the last 30 days) and the dimensions to group by. */
export const UsageQuery = z.object({
  from: dateOrTime.optional().openapi({ param: { name: 'from', in: 'query' }, example: '2026-11-01' }),
  to: dateOrTime.optional().openapi({ param: { name: 'to', in: 'query' }, description: 'Exclusive; a bare date means the end of that day', example: '2026-11-30' }),
  groupBy: z
    .string()
    .default('day')
    .transform((v, ctx) => {
      const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
      const out: UsageGroupBy[] = [];
      for (const p of parts) {
        const r = UsageGroupBy.safeParse(p);
        if (!r.success) {
          ctx.addIssue({ code: 'custom', message: `unknown dimension "${p}" (use ${UsageGroupBy.options.join(', ')})` });
          return z.NEVER;
        }
        if (!out.includes(r.data)) out.push(r.data);
      }
      return out;
    })
    .openapi({ param: { name: 'groupBy', in: 'query' }, description: 'Comma-separated: day, provider, model, task, apiKey, outcome, errorCode, actor (who caused the calls: person, key, keeper, schedule, webhook, automation)', example: 'day,provider' }),
});

export const UsageRow = z
  .object({
    day: z.string().optional(),
    provider: z.string().nullable().optional(),
    model: z.string().nullable().optional(),
    task: z.string().optional(),
    apiKeyId: z.string().nullable().optional(),
    outcome: LlmOutcome.optional(),
    errorCode: z.string().nullable().optional(),
    actor: z.string().nullable().optional().openapi({ description: 'With groupBy=actor: `<kind>:<id>` of who caused the calls (key:…, person:…, keeper:keeper, schedule:…); null for calls recorded before attribution' }),
    actorName: z.string().nullable().optional().openapi({ description: "With groupBy=actor: the actor's display name as recorded with its calls" }),
    actorKind: z.string().nullable().optional().openapi({ description: 'With groupBy=actor: person, key, keeper, schedule, webhook, automation or system' }),
    calls: z.number(),
    errors: z.number(),
    inputTokens: z.number(),
    outputTokens: z.number(),
    costUsd: z.number(),
    avgLatencyMs: z.number(),
    priceKnown: z.boolean().openapi({ description: 'False when some of costUsd was computed at the fallback price (a model without a known price): an estimate' }),
    estimatedUsd: z.number().openapi({ description: 'The part of costUsd computed at the fallback price' }),
    estimatedCalls: z.number().openapi({ description: 'Calls costed at the fallback price' }),
  })
  .openapi('LlmUsageRow');
export type UsageRow = z.infer<typeof UsageRow>;

/** USD per million tokens. */
const Price = z.object({ inputPerMTok: z.number(), outputPerMTok: z.number() });

export const UsageReport = z
  .object({
    from: IsoDate,
    to: IsoDate,
    groupBy: z.array(UsageGroupBy),
    totals: UsageRow,
    rows: z.array(UsageRow),
    fallbackPrice: Price.openapi({ description: 'What a model without a known price is costed at (deliberately high, so budgets err on the safe side)' }),
  })
  .openapi('LlmUsageReport');
export type UsageReport = z.infer<typeof UsageReport>;

export const BreakerStateName = z.enum(['closed', 'open', 'half-open', 'isolated']);

/** One circuit breaker (per provider and model) of this workspace's providers. */
export const BreakerInfo = z
  .object({ providerId: z.string(), provider: z.string(), model: z.string(), state: BreakerStateName, openedAt: IsoDate.nullable() })
  .openapi('LlmBreaker');
export const BreakerList = z.object({ items: z.array(BreakerInfo) }).openapi('LlmBreakerList');
export type BreakerInfo = z.infer<typeof BreakerInfo>;

/** One recorded gateway attempt (or a call refused before any attempt), newest first in `GET /api/llm/calls`. */
export const LlmCall = z
  .object({
    id: z.string(),
    at: IsoDate,
    provider: z.string().nullable(),
    providerKind: z.string().nullable(),
    model: z.string().nullable(),
    task: z.string(),
    persona: z.string().nullable(),
    sessionId: z.string().nullable(),
    apiKeyId: z.string().nullable(),
    inputTokens: z.number(),
    outputTokens: z.number(),
    costUsd: z.number(),
    latencyMs: z.number(),
    outcome: LlmOutcome,
    errorCode: z.string().nullable(),
    reason: z.string().nullable().openapi({ description: 'Why the call failed, in plain words (null when it succeeded)' }),
    priceKnown: z.boolean().openapi({ description: 'False when costUsd was computed at the fallback price (the model has no known price): an estimate' }),
    degraded: z.boolean(),
  })
  .openapi('LlmCall');
export type LlmCall = z.infer<typeof LlmCall>;
export const LlmCallPage = pageOf(LlmCall).openapi('LlmCallPage');

/** Error codes a failed attempt records (`http_<status>` for other upstream HTTP statuses). */
export const LlmErrorCode = z
  .string()
  .regex(/^(network|timeout|concurrency_limit|rate_limited|auth|breaker_open|invalid_output|truncated_output|http_[1-5]\d\d)$/, 'one of network, timeout, concurrency_limit, rate_limited, auth, breaker_open, invalid_output, truncated_output, http_<status>')
  .openapi({ example: 'rate_limited' });

/** `outcome` filter of the calls list: an outcome, or `failed` for every outcome but ok. */
export const LlmCallOutcomeFilter = z.enum([...LlmOutcome.options, 'failed']);
export type LlmCallOutcomeFilter = z.infer<typeof LlmCallOutcomeFilter>;

export const LlmCallsQuery = PageQuery.extend({
  task: UsageTask.optional().openapi({ param: { name: 'task', in: 'query' } }),
  outcome: LlmCallOutcomeFilter.optional().openapi({ param: { name: 'outcome', in: 'query' }, description: 'An outcome, or failed for every outcome but ok' }),
  errorCode: LlmErrorCode.optional().openapi({ param: { name: 'errorCode', in: 'query' } }),
  sessionId: z.string().max(200).optional().openapi({ param: { name: 'sessionId', in: 'query' } }),
});
