import { z } from '@hono/zod-openapi';
import { IsoDate, PageQuery, pageOf } from './common';

/**
 * The dispatcher owns every session create: single creates, batches, schedules, keeper recoveries (and later
 * webhooks and swarms). Each create is an *intent*, written before Jules is called, so a crash between "Jules
 * created it" and "we stored it" is reconciled against the account's session list instead of creating twice.
 * Per Jules account it holds work while the plan's concurrent or daily limit is reached, keeps at most `inFlight`
 * creates running at once, and backs off on Jules' "Could not get source" under load.
 */

/** Jules plans and their limits (concurrent active sessions, creates per rolling 24 h). */
export const JULES_PLANS = {
  free: { concurrent: 3, daily: 15 },
  pro: { concurrent: 15, daily: 100 },
  ultra: { concurrent: 60, daily: 300 },
} as const;
export const JulesPlan = z
  .enum(['unknown', 'free', 'pro', 'ultra', 'custom'])
  .openapi({ description: 'unknown = no limits are enforced here (Jules still queues what is over its own); free 3/15, pro 15/100, ultra 60/300 (concurrent/daily); custom = the limits given' });
export type JulesPlan = z.infer<typeof JulesPlan>;

export const DEFAULT_IN_FLIGHT = 3;

/** Where an intent came from: the API, a batch item, a schedule run, the keeper's recovery (later: webhooks, swarms). */
export const DispatchOriginKind = z.enum(['api', 'batch', 'schedule', 'keeper', 'template', 'github', 'webhook']);
export type DispatchOriginKind = z.infer<typeof DispatchOriginKind>;

export const DispatchState = z
  .enum(['queued', 'dispatching', 'created', 'failed', 'cancelled'])
  .openapi({ description: 'queued: waiting for a slot or a retry; dispatching: the create is being sent (or is reconciled after a crash); created: the session exists (sessionId); failed: gave up (error); cancelled: by a person before it was sent' });
export type DispatchState = z.infer<typeof DispatchState>;

/** What to create on Jules (the body of POST /api/sessions without the account). */
export const DispatchRequest = z
  .object({
    prompt: z.string(),
    title: z.string().nullable(),
    source: z.string().nullable().openapi({ description: 'sources/github/owner/repo, or null for a repoless session' }),
    startingBranch: z.string().nullable().openapi({ description: "null with a source = the repository's default branch, looked up when it is sent" }),
    requirePlanApproval: z.boolean(),
    autoCreatePr: z.boolean(),
  })
  .openapi('DispatchRequest');
export type DispatchRequest = z.infer<typeof DispatchRequest>;

export const DispatchIntent = z
  .object({
    kind: z.literal('dispatch').openapi({ description: 'Always "dispatch": tells an intent from a session in a 201/202 answer' }),
    id: z.string(),
    accountId: z.string(),
    state: DispatchState,
    origin: z.object({ kind: DispatchOriginKind, id: z.string().nullable().openapi({ description: 'The batch, schedule run or keeper action it belongs to' }) }),
    request: DispatchRequest,
    sessionId: z.string().nullable().openapi({ description: 'The mirrored session once created (GET /api/sessions/{id})' }),
    julesId: z.string().nullable(),
    attempts: z.number().int().min(0).openapi({ description: 'Creates sent so far (retries included)' }),
    error: z.string().nullable().openapi({ description: 'Why the last attempt failed, in plain words' }),
    waitingFor: z
      .enum(['slot', 'daily_quota', 'retry', 'in_flight', 'rate_limit', 'paused'])
      .nullable()
      .openapi({ description: 'Why a queued intent is not sent yet: slot = the plan\'s concurrent limit is reached; daily_quota = today\'s creates are used up; retry = backing off after a retryable failure; in_flight = other creates of the account are being sent; rate_limit = Jules answered 429; paused = dispatch of the account is paused' }),
    position: z.number().int().min(1).nullable().openapi({ description: 'Place in the account\'s line (1 = next); null unless queued' }),
    eta: IsoDate.nullable().openapi({ description: 'Estimated time it is sent (from the running sessions\' typical duration and the quota); null unless queued' }),
    nextAttemptAt: IsoDate.nullable(),
    createdAt: IsoDate,
    updatedAt: IsoDate,
    dispatchedAt: IsoDate.nullable().openapi({ description: 'When the last create was sent' }),
  })
  .openapi('DispatchIntent');
export type DispatchIntent = z.infer<typeof DispatchIntent>;

/** True for a dispatch intent (a 202 "queued" answer), false for a session. */
export const isDispatchIntent = (v: unknown): v is DispatchIntent => typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'dispatch';

const WAITING_TEXT: Record<NonNullable<DispatchIntent['waitingFor']>, string> = {
  slot: "waiting for a free slot (the plan's concurrent sessions are running)",
  daily_quota: "waiting for the daily quota (today's creates are used up)",
  retry: 'waiting to retry after a failed attempt',
  in_flight: 'waiting while other creates of the account are sent',
  rate_limit: 'waiting out a Jules rate limit',
  paused: 'waiting: dispatch of this account is paused',
};

/** A queued intent in words: "2nd in line, waiting for a free slot (...), sent about 14:05 UTC". */
export function queuedText(i: Pick<DispatchIntent, 'state' | 'position' | 'waitingFor' | 'eta' | 'error'>): string {
  if (i.state !== 'queued') return i.state === 'failed' && i.error ? `failed: ${i.error}` : i.state;
  const parts: string[] = [];
  if (i.position !== null) parts.push(`#${i.position} in line`);
  parts.push(i.waitingFor ? WAITING_TEXT[i.waitingFor] : 'waiting to be sent');
  if (i.eta) parts.push(`sent about ${i.eta.slice(11, 16)} UTC`);
  return parts.join(', ');
}

export const DispatchIntentQuery = PageQuery.extend({
  state: DispatchState.optional().openapi({ param: { name: 'state', in: 'query' } }),
  accountId: z.string().max(64).optional().openapi({ param: { name: 'accountId', in: 'query' } }),
  origin: DispatchOriginKind.optional().openapi({ param: { name: 'origin', in: 'query' } }),
});
export type DispatchIntentQuery = z.infer<typeof DispatchIntentQuery>;
export const DispatchIntentPage = pageOf(DispatchIntent).openapi('DispatchIntentPage');

export const DispatchLimits = z
  .object({
    plan: JulesPlan,
    concurrent: z.number().int().min(1).nullable().openapi({ description: 'Active sessions at once (null = not enforced)' }),
    daily: z.number().int().min(1).nullable().openapi({ description: 'Creates per rolling 24 hours (null = not enforced)' }),
    inFlight: z.number().int().min(1).max(20).openapi({ description: 'Creates sent at once (Jules fails parallel creates with "Could not get source")' }),
    paused: z.boolean(),
  })
  .openapi('DispatchLimits');
export type DispatchLimits = z.infer<typeof DispatchLimits>;

export const UpdateDispatchLimitsBody = z
  .strictObject({
    plan: JulesPlan.optional(),
    concurrent: z.number().int().min(1).max(1000).optional().openapi({ description: 'The custom plan\'s concurrent limit (required with plan custom; kept, and used once the plan is custom, with another plan)' }),
    daily: z.number().int().min(1).max(100_000).optional().openapi({ description: 'The custom plan\'s daily limit (required with plan custom; kept, and used once the plan is custom, with another plan)' }),
    inFlight: z.number().int().min(1).max(20).optional(),
    paused: z.boolean().optional().openapi({ description: 'true = nothing is sent for this account until resumed (queued work waits)' }),
  })
  .superRefine((b, ctx) => {
    if (b.plan === 'custom' && b.concurrent === undefined) ctx.addIssue({ code: 'custom', path: ['concurrent'], message: 'required with plan custom' });
    if (b.plan === 'custom' && b.daily === undefined) ctx.addIssue({ code: 'custom', path: ['daily'], message: 'required with plan custom' });
  })
  .openapi('UpdateDispatchLimits', {
    minProperties: 1,
    example: { plan: 'free', inFlight: 3 },
    if: { properties: { plan: { const: 'custom' } }, required: ['plan'] },
    // (unevaluatedProperties: true changes nothing; Redocly reads a `then` with properties as closed without it.)
    then: { required: ['concurrent', 'daily'], properties: { concurrent: { type: 'integer' }, daily: { type: 'integer' } }, unevaluatedProperties: true },
  } as Record<string, unknown>);
export type UpdateDispatchLimitsBody = z.infer<typeof UpdateDispatchLimitsBody>;

/** One Jules account's quota as the dispatcher sees it: what the dashboard's quota widget shows. */
export const DispatchAccount = z
  .object({
    accountId: z.string(),
    accountName: z.string(),
    limits: DispatchLimits,
    active: z.number().int().min(0).openapi({ description: 'Sessions of the account not yet COMPLETED or FAILED (from the mirror), plus creates being sent' }),
    createdToday: z.number().int().min(0).openapi({ description: 'Sessions created on the account in the last 24 hours' }),
    queued: z.number().int().min(0),
    dispatching: z.number().int().min(0),
    rateLimitedUntil: IsoDate.nullable().openapi({ description: 'Jules answered 429: nothing is sent before this' }),
    dailyFreesAt: IsoDate.nullable().openapi({ description: 'When the oldest create of the last 24 hours ages out (a daily slot frees); null when the daily limit is not reached or not enforced' }),
    forecast: z
      .object({
        exhaustsAt: IsoDate.nullable().openapi({ description: "When today's daily quota is estimated to run out at the current pace and queue; null = not today" }),
        queueDrainsAt: IsoDate.nullable().openapi({ description: 'When the last queued intent is estimated to be sent' }),
        typicalSessionMinutes: z.number().openapi({ description: 'Median run time of the account\'s recent sessions, the basis of every estimate' }),
        note: z.string().openapi({ description: 'The forecast in words' }),
      })
      .openapi({ description: 'Estimates, not promises: sessions run as long as they run' }),
  })
  .openapi('DispatchAccount');
export type DispatchAccount = z.infer<typeof DispatchAccount>;
export const DispatchAccountList = z.object({ items: z.array(DispatchAccount) }).openapi('DispatchAccountList');
export type DispatchAccountList = z.infer<typeof DispatchAccountList>;
export const AccountIdParam = z.object({ accountId: z.string().min(1).max(64).openapi({ param: { name: 'accountId', in: 'path' } }) });
