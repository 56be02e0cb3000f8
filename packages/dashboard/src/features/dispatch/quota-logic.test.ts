import { describe, expect, it, vi } from 'vitest';
import type { DispatchAccount, DispatchLimits } from '@autopilot/contracts';
import { limitsBody, limitsForm, meter, quotaSummary, throttle, whenText } from './quota-logic';

const limits: DispatchLimits = { plan: 'free', concurrent: 3, daily: 15, inFlight: 3, paused: false };
const account = (over: Partial<DispatchAccount> = {}): DispatchAccount => ({
  accountId: 'a1',
  accountName: 'team',
  limits,
  active: 1,
  createdToday: 4,
  queued: 0,
  dispatching: 0,
  rateLimitedUntil: null,
  dailyFreesAt: null,
  forecast: { exhaustsAt: null, queueDrainsAt: null, typicalSessionMinutes: 20, note: 'Room for 11 more today.' },
  ...over,
});

describe('meters', () => {
  it('fills a bar up to the limit, full at the limit, none without one', () => {
    expect(meter(2, 3)).toEqual({ used: 2, limit: 3, pct: 67, full: false, text: '2 / 3' });
    expect(meter(4, 3)).toMatchObject({ pct: 100, full: true, text: '4 / 3' });
    expect(meter(5, null)).toBeNull();
  });

  it('names why an account cannot take more', () => {
    expect(quotaSummary(account())).toBe('has room');
    expect(quotaSummary(account({ active: 3 }))).toBe('all slots busy');
    expect(quotaSummary(account({ createdToday: 15 }))).toBe('daily quota used up');
    expect(quotaSummary(account({ rateLimitedUntil: '2026-12-02T15:00:00Z' }))).toBe('rate limited');
    expect(quotaSummary(account({ limits: { ...limits, paused: true } }))).toBe('paused');
    expect(quotaSummary(account({ limits: { ...limits, plan: 'unknown', concurrent: null, daily: null }, active: 99 }))).toBe('has room');
  });

  it('says future times only', () => {
    const now = new Date('2026-12-02T12:00:00');
    expect(whenText(null, now)).toBeNull();
    expect(whenText('2026-12-02T11:00:00', now)).toBeNull();
    expect(whenText('2026-12-02T14:05:00', now)).toMatch(/14.05|2.05/);
    expect(whenText('2026-12-04T09:30:00', now)).toMatch(/\S+ .*(09|9).30/);
  });
});

describe('limits form', () => {
  it('sends only what changed', () => {
    expect(limitsBody(limitsForm(limits), limits)).toBeNull();
    expect(limitsBody({ ...limitsForm(limits), plan: 'pro' }, limits)).toEqual({ body: { plan: 'pro' } });
    expect(limitsBody({ ...limitsForm(limits), paused: true, inFlight: '5' }, limits)).toEqual({ body: { paused: true, inFlight: 5 } });
  });

  it('sends custom numbers as a pair, with the plan', () => {
    const custom: DispatchLimits = { plan: 'custom', concurrent: 5, daily: 50, inFlight: 3, paused: false };
    expect(limitsBody({ ...limitsForm(limits), plan: 'custom', concurrent: '4', daily: '40' }, limits)).toEqual({ body: { plan: 'custom', concurrent: 4, daily: 40 } });
    expect(limitsBody({ ...limitsForm(custom), daily: '60' }, custom)).toEqual({ body: { plan: 'custom', concurrent: 5, daily: 60 } });
  });

  it('names the field a bad number is in', () => {
    expect(limitsBody({ ...limitsForm(limits), plan: 'custom', concurrent: '', daily: '10' }, limits)).toEqual({ errors: { concurrent: 'Sessions at once: a whole number from 1 to 1000' } });
    expect(limitsBody({ ...limitsForm(limits), plan: 'custom', concurrent: '2.5', daily: '0' }, limits)).toEqual({
      errors: { concurrent: 'Sessions at once: a whole number from 1 to 1000', daily: 'Creates a day: a whole number from 1 to 100000' },
    });
    expect(limitsBody({ ...limitsForm(limits), inFlight: '21' }, limits)).toEqual({ errors: { inFlight: 'Creates sent at once: a whole number from 1 to 20' } });
  });
});

describe('throttle', () => {
  it('runs once at the end of a burst, again for a later burst, never after cancel', () => {
    vi.useFakeTimers();
    try {
      const fn = vi.fn();
      const t = throttle(fn, 500);
      for (let i = 0; i < 20; i++) t.call();
      expect(fn).not.toHaveBeenCalled();
      vi.advanceTimersByTime(500);
      expect(fn).toHaveBeenCalledTimes(1);
      t.call();
      vi.advanceTimersByTime(499);
      expect(fn).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(1);
      expect(fn).toHaveBeenCalledTimes(2);
      t.call();
      t.cancel();
      vi.advanceTimersByTime(1000);
      expect(fn).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
