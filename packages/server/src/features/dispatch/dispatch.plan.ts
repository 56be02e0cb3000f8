import { DEFAULT_IN_FLIGHT, JULES_PLANS, type DispatchLimits, type JulesPlan } from '@autopilot/contracts';
import type { DispatchLimitsTable } from '../../platform/db/schema';

/**
 * The dispatcher's arithmetic, pure: an account's limits, how many creates may go now and why the rest wait, and
 * when each waiting one is estimated to go (from the account's typical run time, its daily window and any rate
 * limit). No I/O, so it is table-tested with a manual clock.
 */

export const DAY_MS = 86_400_000;
/** Run time assumed before an account has finished sessions to learn from. */
export const DEFAULT_RUN_MS = 20 * 60_000;

export interface Limits extends DispatchLimits {
  rateLimitedUntil: number | null;
}

export function limitsOf(row: DispatchLimitsTable | undefined): Limits {
  if (!row) return { plan: 'unknown', concurrent: null, daily: null, inFlight: DEFAULT_IN_FLIGHT, paused: false, rateLimitedUntil: null };
  const plan = row.plan as JulesPlan;
  const fixed = plan === 'free' || plan === 'pro' || plan === 'ultra' ? JULES_PLANS[plan] : null;
  return {
    plan,
    concurrent: fixed ? fixed.concurrent : plan === 'custom' ? row.concurrent : null,
    daily: fixed ? fixed.daily : plan === 'custom' ? row.daily : null,
    inFlight: row.in_flight,
    paused: row.paused === 1,
    rateLimitedUntil: row.rate_limited_until,
  };
}

export type WaitReason = 'slot' | 'daily_quota' | 'retry' | 'in_flight' | 'rate_limit' | 'paused';

export interface Load {
  /** Sessions holding a slot on Jules (mirror). */
  active: number;
  /** Creates in the last 24 h, epoch ms, oldest first (mirror). */
  createdInDay: number[];
  /** Creates being sent right now (they hold a slot and a daily create as soon as Jules takes them). */
  dispatching: number;
}

/** How many creates may be sent now, and if none, why not. `inFlight` may be lowered by the caller (backoff). */
export function capacity(l: Limits, load: Load, nowMs: number, inFlight = l.inFlight): { now: number; waitingFor: WaitReason | null } {
  if (l.paused) return { now: 0, waitingFor: 'paused' };
  if (l.rateLimitedUntil !== null && l.rateLimitedUntil > nowMs) return { now: 0, waitingFor: 'rate_limit' };
  const inDay = load.createdInDay.filter((t) => t > nowMs - DAY_MS).length;
  const byDaily = l.daily === null ? Infinity : l.daily - inDay - load.dispatching;
  const bySlot = l.concurrent === null ? Infinity : l.concurrent - load.active - load.dispatching;
  const byFlight = inFlight - load.dispatching;
  const now = Math.max(0, Math.min(byDaily, bySlot, byFlight));
  if (now > 0) return { now, waitingFor: null };
  // The scarcest limit names the wait: the daily quota outlasts a slot, a slot outlasts the in-flight cap.
  return { now: 0, waitingFor: byDaily <= 0 ? 'daily_quota' : bySlot <= 0 ? 'slot' : 'in_flight' };
}

/** The median of the recent run times, or the default when there are too few to say. */
export function typicalRunMs(recentRunsMs: number[]): number {
  const xs = recentRunsMs.filter((d) => d > 0).sort((a, b) => a - b);
  if (xs.length < 3) return DEFAULT_RUN_MS;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

export interface LineItem {
  id: string;
  /** A retry's earliest time (epoch ms), or null. */
  notBefore: number | null;
}

export interface Estimate {
  id: string;
  position: number;
  eta: number;
}

export interface Forecast {
  /** The queue's estimated send times, in line order. */
  estimates: Estimate[];
  /** When the daily limit is reached at this pace (null: not within the queue, or no daily limit). */
  exhaustsAt: number | null;
  /** When the last queued item goes (null: nothing queued). */
  drainsAt: number | null;
  /** When the oldest create of the window ages out, if the window is full now. */
  dailyFreesAt: number | null;
}

/**
 * Estimates the line: each slot frees when its session is expected to end (start + typical run time; a session
 * already past it is expected to end within a quarter of one), each send then holds that slot for a typical run;
 * a send also needs the daily window to have room (the oldest create in it ages out after 24 h) and waits out any
 * rate limit or retry time. Sends already in flight hold their slots.
 */
export function forecast(l: Limits, load: Load & { activeSince: number[] }, line: LineItem[], nowMs: number, runMs: number): Forecast {
  const start = l.rateLimitedUntil !== null && l.rateLimitedUntil > nowMs ? l.rateLimitedUntil : nowMs;
  const slots: number[] = [];
  if (l.concurrent !== null) {
    const ends = load.activeSince.map((t) => Math.max(t + runMs, nowMs + runMs / 4)).sort((a, b) => a - b);
    for (let i = 0; i < load.dispatching; i++) ends.push(nowMs + runMs);
    ends.sort((a, b) => a - b);
    const free = Math.max(0, l.concurrent - ends.length);
    for (let i = 0; i < free; i++) slots.push(nowMs);
    // Only the earliest-ending sessions matter: the rest of the slots are busy beyond the limit anyway.
    slots.push(...ends.slice(0, Math.max(0, l.concurrent - free)));
  }
  const window = load.createdInDay.filter((t) => t > nowMs - DAY_MS).sort((a, b) => a - b);
  for (let i = 0; i < load.dispatching; i++) window.push(nowMs);
  const dailyFull = l.daily !== null && window.length >= l.daily;
  const dailyFreesAt = dailyFull ? window[window.length - (l.daily as number)] + DAY_MS : null;
  const estimates: Estimate[] = [];
  let exhaustsAt: number | null = null;
  let prev = start;
  line.forEach((item, i) => {
    let t = Math.max(start, item.notBefore ?? start);
    let slotIdx = -1;
    if (slots.length) {
      slotIdx = slots.indexOf(Math.min(...slots));
      t = Math.max(t, slots[slotIdx]);
    }
    if (l.daily !== null) {
      // The window holds `daily` creates: the next one goes once the daily-th most recent ages out.
      const inWindow = (at: number) => window.filter((w) => w > at - DAY_MS).length;
      if (inWindow(t) >= l.daily) t = Math.max(t, window[window.length - l.daily] + DAY_MS);
    }
    // Sends of one account go one after another through the in-flight cap: never earlier than the previous one.
    t = Math.max(t, prev);
    prev = t;
    if (slotIdx >= 0) slots[slotIdx] = t + runMs;
    window.push(t);
    window.sort((a, b) => a - b);
    if (l.daily !== null && exhaustsAt === null && window.filter((w) => w > t - DAY_MS).length >= l.daily) exhaustsAt = t;
    estimates.push({ id: item.id, position: i + 1, eta: t });
  });
  return { estimates, exhaustsAt, drainsAt: estimates.length ? estimates[estimates.length - 1].eta : null, dailyFreesAt };
}

/** The forecast in words, for the quota widget. */
export function forecastNote(l: Limits, f: Forecast, queued: number, nowMs: number): string {
  const at = (t: number) => new Date(t).toISOString().slice(11, 16) + ' UTC';
  if (l.plan === 'unknown') return queued ? `${queued} queued; no plan set, so only the in-flight cap applies (set the plan to plan ahead)` : 'No plan set: only the in-flight cap applies';
  if (l.paused) return `Paused: ${queued} queued, nothing is sent until dispatch is resumed`;
  const parts: string[] = [];
  if (f.dailyFreesAt !== null) parts.push(`Today's quota is used up; the next daily slot frees at ${at(f.dailyFreesAt)}`);
  else if (f.exhaustsAt !== null) parts.push(`At this pace today's quota runs out about ${at(f.exhaustsAt)}`);
  else if (l.daily !== null) parts.push('The daily quota lasts for everything queued');
  if (queued && f.drainsAt !== null) parts.push(f.drainsAt <= nowMs + 1000 ? `${queued} queued, going now` : `${queued} queued, the last one about ${at(f.drainsAt)}`);
  return parts.join('. ') || 'Nothing queued';
}
