import { JULES_PLANS, UpdateDispatchLimitsBody, type DispatchAccount, type DispatchLimits, type JulesPlan } from '@autopilot/contracts';

/* The quota widget's rules without React: bars, times in words, the limits form's body, a throttle for live refetches. */

export interface Meter {
  used: number;
  limit: number;
  /** Filled share of the bar, 0..100. */
  pct: number;
  /** At or over the limit: the bar turns to a warning. */
  full: boolean;
  text: string;
}

/** "2 / 3" as a bar, or null when the limit is not known (plan unknown: nothing enforced here). */
export function meter(used: number, limit: number | null): Meter | null {
  if (limit === null) return null;
  return { used, limit, pct: Math.min(100, Math.round((used / limit) * 100)), full: used >= limit, text: `${used} / ${limit}` };
}

/** A time soon in the viewer's clock: "14:05", or "Thu 09:30" when not today; null for a time already past. */
export function whenText(iso: string | null, now: Date = new Date()): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime()) || d.getTime() <= now.getTime()) return null;
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return d.toDateString() === now.toDateString() ? time : `${d.toLocaleDateString(undefined, { weekday: 'short' })} ${time}`;
}

export const PLAN_LABEL: Record<JulesPlan, string> = {
  unknown: 'Unknown (no limits enforced here)',
  free: `Free (${JULES_PLANS.free.concurrent} at once, ${JULES_PLANS.free.daily} a day)`,
  pro: `Pro (${JULES_PLANS.pro.concurrent} at once, ${JULES_PLANS.pro.daily} a day)`,
  ultra: `Ultra (${JULES_PLANS.ultra.concurrent} at once, ${JULES_PLANS.ultra.daily} a day)`,
  custom: 'Custom limits',
};

/** What the limits form holds, as typed. */
export interface LimitsForm {
  plan: JulesPlan;
  concurrent: string;
  daily: string;
  inFlight: string;
  paused: boolean;
}

export const limitsForm = (l: DispatchLimits): LimitsForm => ({
  plan: l.plan,
  concurrent: l.concurrent === null ? '' : String(l.concurrent),
  daily: l.daily === null ? '' : String(l.daily),
  inFlight: String(l.inFlight),
  paused: l.paused,
});

const num = (s: string) => (s.trim() === '' ? undefined : Number(s.trim()));

/**
 * The PATCH body for what changed (numbers only with plan custom, as the contract requires), checked with the
 * contract's own schema: field errors by name, or null when nothing changed.
 */
export function limitsBody(f: LimitsForm, current: DispatchLimits): { body: UpdateDispatchLimitsBody } | { errors: Record<string, string> } | null {
  const candidate: Record<string, unknown> = {};
  const custom = f.plan === 'custom';
  if (f.plan !== current.plan) candidate.plan = f.plan;
  if (custom) {
    const c = num(f.concurrent);
    const d = num(f.daily);
    // The contract wants both numbers with plan custom, so changing one sends the pair.
    if (candidate.plan || c !== (current.concurrent ?? undefined) || d !== (current.daily ?? undefined)) {
      candidate.plan = 'custom';
      candidate.concurrent = c;
      candidate.daily = d;
    }
  }
  const inFlight = num(f.inFlight);
  if (inFlight !== current.inFlight) candidate.inFlight = inFlight;
  if (f.paused !== current.paused) candidate.paused = f.paused;
  if (Object.keys(candidate).length === 0) return null;
  const r = UpdateDispatchLimitsBody.safeParse(candidate);
  if (r.success) return { body: r.data };
  const errors: Record<string, string> = {};
  for (const i of r.error.issues) {
    const k = String(i.path[0] ?? 'form');
    errors[k] ??=
      k === 'concurrent'
        ? 'Sessions at once: a whole number from 1 to 1000'
        : k === 'daily'
          ? 'Creates a day: a whole number from 1 to 100000'
          : k === 'inFlight'
            ? 'Creates sent at once: a whole number from 1 to 20'
            : i.message;
  }
  return { errors };
}

/** The account's state in one short line for screen readers and the card's header. */
export function quotaSummary(a: DispatchAccount): string {
  if (a.limits.paused) return 'paused';
  if (a.rateLimitedUntil) return 'rate limited';
  if (a.limits.concurrent !== null && a.active >= a.limits.concurrent) return 'all slots busy';
  if (a.limits.daily !== null && a.createdToday >= a.limits.daily) return 'daily quota used up';
  return 'has room';
}

/**
 * Runs `fn` at most once per `ms`, trailing: a burst of live events (a batch moves many intents at once) gives one
 * refetch at the end of the window, not one per event. `cancel` drops a pending call (on unmount).
 */
export function throttle(fn: () => void, ms: number) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return {
    call() {
      if (timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        fn();
      }, ms);
    },
    cancel() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
