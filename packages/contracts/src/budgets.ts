import { z } from '@hono/zod-openapi';

/** Where calls go once a budget is spent: a cheaper target, or a `budget_exhausted` error. */
export const BudgetTarget = z
  .strictObject({ provider: z.string().trim().min(1).max(64).openapi({ description: 'Provider name or kind' }), model: z.string().trim().min(1).max(200) })
  .openapi('BudgetTarget');

const usd = z.number().min(0).max(1_000_000);

export const PutBudgetBody = z
  .strictObject({
    dailyLimitUsd: usd.nullable().default(null),
    monthlyLimitUsd: usd.nullable().default(null),
    onExhausted: z.enum(['error', 'degrade']).default('error'),
    degradeTo: BudgetTarget.nullable().default(null),
  })
  .refine((b) => b.onExhausted !== 'degrade' || b.degradeTo !== null, { message: 'required when onExhausted is "degrade"', path: ['degradeTo'] })
  .openapi('PutBudget', {
    // The refine above, in JSON Schema: degrading needs a target.
    if: { properties: { onExhausted: { const: 'degrade' } }, required: ['onExhausted'] },
    // (unevaluatedProperties: true changes nothing in JSON Schema; Redocly's example check reads a `then` with
    // properties as closed without it.)
    then: { required: ['degradeTo'], properties: { degradeTo: { type: 'object' } }, unevaluatedProperties: true },
    example: { dailyLimitUsd: 5, monthlyLimitUsd: 100, onExhausted: 'degrade', degradeTo: { provider: 'gemini', model: 'gemini-2.5-flash-lite' } },
  } as Record<string, unknown>);
export type PutBudgetBody = z.infer<typeof PutBudgetBody>;

export const BudgetWindow = z.object({
  window: z.string().openapi({ example: '2026-11-24' }),
  limitUsd: z.number().nullable(),
  spentUsd: z.number(),
  reservedUsd: z.number().openapi({ description: 'Estimated cost of calls in flight' }),
  remainingUsd: z.number().nullable(),
  percentLeft: z.number().nullable(),
});

export const BudgetStatus = z
  .object({
    dailyLimitUsd: z.number().nullable(),
    monthlyLimitUsd: z.number().nullable(),
    onExhausted: z.enum(['error', 'degrade']),
    degradeTo: BudgetTarget.nullable(),
    day: BudgetWindow,
    month: BudgetWindow,
    percentLeft: z.number().openapi({ description: 'The smaller of the two windows; 100 when no limit is set' }),
  })
  .openapi('BudgetStatus');
export type BudgetStatus = z.infer<typeof BudgetStatus>;
