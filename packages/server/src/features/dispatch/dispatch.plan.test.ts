import { describe, expect, it } from 'vitest';
import { DAY_MS, DEFAULT_RUN_MS, capacity, forecast, forecastNote, limitsOf, typicalRunMs, type Limits } from './dispatch.plan';
import { backoffMs } from './dispatch.pump';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const MIN = 60_000;
const free: Limits = { ...limitsOf(undefined), plan: 'free', concurrent: 3, daily: 15 };
const load = (o: Partial<{ active: number; createdInDay: number[]; dispatching: number; activeSince: number[] }> = {}) => ({
  active: 0, createdInDay: [], dispatching: 0, activeSince: [], ...o,
});

describe('limits of an account', () => {
  it('no row: plan unknown, nothing enforced but the in-flight cap of 3', () => {
    expect(limitsOf(undefined)).toEqual({ plan: 'unknown', concurrent: null, daily: null, inFlight: 3, paused: false, rateLimitedUntil: null });
  });
  it('named plans have Jules\' fixed limits whatever the row holds; custom uses its own', () => {
    const row = { account_id: 'a', workspace_id: 'w', concurrent: 99, daily: 99, in_flight: 2, paused: 0, rate_limited_until: null, updated_at: '' };
    expect(limitsOf({ ...row, plan: 'pro' })).toMatchObject({ concurrent: 15, daily: 100, inFlight: 2 });
    expect(limitsOf({ ...row, plan: 'ultra' })).toMatchObject({ concurrent: 60, daily: 300 });
    expect(limitsOf({ ...row, plan: 'custom' })).toMatchObject({ concurrent: 99, daily: 99 });
    expect(limitsOf({ ...row, plan: 'unknown', paused: 1 })).toMatchObject({ concurrent: null, daily: null, paused: true });
  });
});

describe('capacity: how many creates may go now, and why the rest wait', () => {
  it.each([
    ['free, idle', free, load(), 3, null],
    ['free, 2 active', free, load({ active: 2 }), 1, null],
    ['free, 2 active + 1 being sent', free, load({ active: 2, dispatching: 1 }), 0, 'slot'],
    ['free, 14 created today', free, load({ createdInDay: Array(14).fill(NOW - MIN) }), 1, null],
    ['free, 15 created today', free, load({ createdInDay: Array(15).fill(NOW - MIN) }), 0, 'daily_quota'],
    ['free, 15 created but one over a day ago', free, load({ createdInDay: [NOW - DAY_MS - 1, ...Array(14).fill(NOW - MIN)] }), 1, null],
    ['unknown plan: only the in-flight cap', limitsOf(undefined), load({ active: 500, dispatching: 3 }), 0, 'in_flight'],
    ['paused', { ...free, paused: true }, load(), 0, 'paused'],
    ['rate limited', { ...free, rateLimitedUntil: NOW + 1000 }, load(), 0, 'rate_limit'],
    ['rate limit over', { ...free, rateLimitedUntil: NOW - 1 }, load(), 3, null],
  ] as const)('%s', (_, l, ld, now, why) => {
    expect(capacity(l, ld, NOW)).toEqual({ now, waitingFor: why });
  });
  it('the in-flight cap lowered after "Could not get source" applies', () => {
    expect(capacity(limitsOf(undefined), load(), NOW, 1)).toEqual({ now: 1, waitingFor: null });
  });
});

describe('estimates', () => {
  it('typical run time is the median of at least three, else 20 minutes', () => {
    expect(typicalRunMs([MIN, 2 * MIN])).toBe(DEFAULT_RUN_MS);
    expect(typicalRunMs([5 * MIN, MIN, 3 * MIN])).toBe(3 * MIN);
    expect(typicalRunMs([MIN, 2 * MIN, 3 * MIN, 4 * MIN])).toBe(2.5 * MIN);
  });

  it('free plan, 3 running, 4 queued: each waits for the next slot to free, in line order', () => {
    const run = 30 * MIN;
    const f = forecast(free, load({ active: 3, activeSince: [NOW - 20 * MIN, NOW - 10 * MIN, NOW - 5 * MIN] }), ['a', 'b', 'c', 'd'].map((id) => ({ id, notBefore: null })), NOW, run);
    expect(f.estimates.map((e) => [e.id, e.position, (e.eta - NOW) / MIN])).toEqual([
      ['a', 1, 10],
      ['b', 2, 20],
      ['c', 3, 25],
      ['d', 4, 40],
    ]);
    expect(f.drainsAt).toBe(NOW + 40 * MIN);
    expect(f.exhaustsAt).toBeNull();
  });

  it('a session past its typical run time is expected within a quarter of one', () => {
    const f = forecast(free, load({ active: 3, activeSince: [NOW - 90 * MIN, NOW - 80 * MIN, NOW - 70 * MIN] }), [{ id: 'a', notBefore: null }], NOW, 20 * MIN);
    expect(f.estimates[0].eta).toBe(NOW + 5 * MIN);
  });

  it('the daily quota: the create that uses the last one is when it runs out; after it, the oldest create must age out', () => {
    const made = Array.from({ length: 13 }, (_, i) => NOW - 23 * 3_600_000 + i * MIN);
    const f = forecast(free, load({ createdInDay: made }), ['a', 'b', 'c'].map((id) => ({ id, notBefore: null })), NOW, 10 * MIN);
    expect(f.estimates[0].eta).toBe(NOW);
    expect(f.exhaustsAt).toBe(f.estimates[1].eta);
    // The 16th create in a day waits until the oldest of the window is 24 h old.
    expect(f.estimates[2].eta).toBe(made[0] + DAY_MS);
    expect(forecast(free, load({ createdInDay: Array(15).fill(NOW - 3_600_000) }), [], NOW, MIN).dailyFreesAt).toBe(NOW - 3_600_000 + DAY_MS);
  });

  it('a retry time and a rate limit delay the estimate; unknown plan estimates "now"', () => {
    const f = forecast({ ...free, rateLimitedUntil: NOW + 5 * MIN }, load(), [{ id: 'a', notBefore: NOW + 7 * MIN }, { id: 'b', notBefore: null }], NOW, MIN);
    expect(f.estimates.map((e) => (e.eta - NOW) / MIN)).toEqual([7, 7]);
    expect(forecast(limitsOf(undefined), load({ active: 99 }), [{ id: 'a', notBefore: null }], NOW, MIN).estimates[0].eta).toBe(NOW);
  });

  it('says it in words', () => {
    const f = forecast(free, load({ createdInDay: Array(15).fill(NOW - 3_600_000) }), [{ id: 'a', notBefore: null }], NOW, MIN);
    expect(forecastNote(free, f, 1, NOW)).toMatch(/^Today's quota is used up; the next daily slot frees at 11:00 UTC\. 1 queued, the last one about 11:00 UTC$/);
    expect(forecastNote(limitsOf(undefined), f, 0, NOW)).toMatch(/No plan set/);
  });
});

describe('backoff', () => {
  it('doubles from about a second up to a minute, with jitter, in whole milliseconds', () => {
    expect([1, 2, 3, 10].map((n) => backoffMs(n, () => 1))).toEqual([1000, 2000, 4000, 60_000]);
    expect(backoffMs(1, () => 0)).toBe(500);
    expect(Number.isInteger(backoffMs(3, Math.random))).toBe(true);
  });
});
