import { z } from 'zod';
import { SimError } from './errors.ts';
import { retryableError } from './faults.ts';

/**
 * Jules plan limits, as the live service enforces them per Google account: at most `concurrent` active sessions
 * (further creates are accepted but wait in QUEUED until a slot frees) and at most `daily` creates per rolling
 * 24 hours (further creates get 429 RESOURCE_EXHAUSTED with RetryInfo).
 */
export const PLAN_TIERS = {
  free: { concurrent: 3, daily: 15 },
  pro: { concurrent: 15, daily: 100 },
  ultra: { concurrent: 60, daily: 300 },
} as const;
export type PlanTier = keyof typeof PLAN_TIERS;

/** A plan as options, the control API and snapshots give it: a tier name, `custom:C/D`, or custom limits. */
export type PlanSpec = PlanTier | `custom:${number}/${number}` | { concurrent: number; daily: number };

/** A resolved plan: its name (`custom` for custom limits) and both limits. */
export interface PlanLimits {
  name: PlanTier | 'custom';
  concurrent: number;
  daily: number;
}

export const DAY_MS = 86_400_000;

const limitsSchema = z.strictObject({
  concurrent: z.number().int().min(0),
  daily: z.number().int().min(0),
});
const namedSchema = z.strictObject({ name: z.enum(['free', 'pro', 'ultra', 'custom']), concurrent: z.number().int().min(0), daily: z.number().int().min(0) });

/** Resolves a plan spec; throws INVALID_ARGUMENT naming `plan` when it is none of the accepted forms. */
export function resolvePlan(spec: unknown): PlanLimits {
  if (typeof spec === 'string') {
    const name = spec.trim().toLowerCase();
    if (name in PLAN_TIERS) return { name: name as PlanTier, ...PLAN_TIERS[name as PlanTier] };
    const m = /^custom:(\d+)\/(\d+)$/.exec(name);
    if (m) return { name: 'custom', concurrent: Number(m[1]), daily: Number(m[2]) };
    throw planError(`plan must be free, pro, ultra or custom:CONCURRENT/DAILY (e.g. custom:5/40), got "${spec}"`);
  }
  const named = namedSchema.safeParse(spec);
  if (named.success) return named.data.name === 'custom' ? { ...named.data } : { name: named.data.name, ...PLAN_TIERS[named.data.name] };
  const r = limitsSchema.safeParse(spec);
  if (!r.success) throw planError(`plan must be free, pro, ultra, custom:C/D or { concurrent, daily } with non-negative integers: ${z.prettifyError(r.error)}`);
  return { name: 'custom', ...r.data };
}

function planError(message: string): SimError {
  return new SimError('INVALID_ARGUMENT', message, {}, [{
    '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'plan', description: message }],
  }]);
}

/** What `GET /_sim/plan` and `sim.plan()` report about one world. */
export interface PlanStatus {
  /** The API key owning the world (`worldPerKey`); null = the shared world. */
  apiKey: string | null;
  /** The plan, or null when the world has no limits. */
  plan: PlanLimits | null;
  /** Sessions holding a slot: admitted and not COMPLETED or FAILED (AWAITING_*, PAUSED and stalled ones included). */
  active: number;
  /** Sessions waiting in QUEUED for a slot. */
  queued: number;
  /** Accepted creates in the rolling 24 h window ending now. */
  createdInWindow: number;
  /** When the oldest create in the window leaves it (ISO sim time); absent when the window is empty. */
  windowFreesAt?: string;
}

/**
 * The rolling 24 h create window of one world. Times are sim epoch ms, oldest first; only creates the service
 * accepted count (refused ones do not), queued ones and ones whose response was lost included.
 */
export class CreateWindow {
  times: number[] = [];

  /** Drops creates older than 24 h before `nowMs`; returns how many remain. */
  count(nowMs: number): number {
    let i = 0;
    while (i < this.times.length && this.times[i] <= nowMs - DAY_MS) i++;
    if (i) this.times.splice(0, i);
    return this.times.length;
  }

  add(nowMs: number): void {
    this.count(nowMs);
    this.times.push(nowMs);
  }

  /** Sim ms when the oldest create leaves the window (undefined when empty). */
  freesAt(): number | undefined {
    return this.times.length ? this.times[0] + DAY_MS : undefined;
  }

  /** The 429 to answer when the window is full for `plan`, else undefined. */
  refusal(plan: PlanLimits, nowMs: number): SimError | undefined {
    if (this.count(nowMs) < plan.daily) return undefined;
    // With a daily limit of 0 nothing ever leaves the window: ask the client to come back in a day.
    const seconds = Math.max(1, Math.ceil(((this.freesAt() ?? nowMs + DAY_MS) - nowMs) / 1000));
    const e = retryableError(
      'RESOURCE_EXHAUSTED',
      `Quota exceeded: the ${plan.name} plan allows ${plan.daily} sessions per 24 hours. Try again in ${seconds}s.`,
      { seconds },
    );
    e.reason = 'plan-daily-limit';
    return e;
  }
}
