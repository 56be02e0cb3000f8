import { describe, expect, it } from 'vitest';
import type { Notice } from '@autopilot/contracts';
import { badgeText, bulkBody, bySource, countLabel, EMPTY_FILTER, filterFrom, perDay, queryOf, safeLink, searchOf, shouldNotify, snoozeUntil } from './logic';

const at = (y: number, m: number, d: number, h = 0, min = 0) => new Date(y, m - 1, d, h, min, 0, 0);

describe('snooze times (local time)', () => {
  it('one hour from now', () => {
    const now = at(2026, 12, 2, 22, 30);
    expect(snoozeUntil('hour', now).getTime() - now.getTime()).toBe(3_600_000);
  });
  it('tomorrow at 9:00, across a month and a year end', () => {
    expect(snoozeUntil('tomorrow', at(2026, 12, 2, 23, 59))).toEqual(at(2026, 12, 3, 9));
    expect(snoozeUntil('tomorrow', at(2026, 11, 30, 1))).toEqual(at(2026, 12, 1, 9));
    expect(snoozeUntil('tomorrow', at(2026, 12, 31, 8))).toEqual(at(2027, 1, 1, 9));
  });
  it('next week = the next Monday at 9:00, at least a day away', () => {
    // 2 Dec 2026 is a Wednesday.
    expect(snoozeUntil('week', at(2026, 12, 2, 10))).toEqual(at(2026, 12, 7, 9));
    // Sunday: tomorrow is Monday.
    expect(snoozeUntil('week', at(2026, 12, 6, 10))).toEqual(at(2026, 12, 7, 9));
    // Monday: the Monday after.
    expect(snoozeUntil('week', at(2026, 12, 7, 8))).toEqual(at(2026, 12, 14, 9));
    for (let d = 1; d <= 14; d++) {
      const now = at(2026, 12, d, 12);
      const until = snoozeUntil('week', now);
      expect(until.getDay()).toBe(1);
      expect(until.getTime() - now.getTime()).toBeGreaterThan(0);
      expect(until.getTime() - now.getTime()).toBeLessThanOrEqual(8 * 86_400_000);
    }
  });
});

describe('labels', () => {
  it('counts repeats and caps the badge', () => {
    expect(countLabel(1)).toBe('');
    expect(countLabel(3)).toBe('×3');
    expect(countLabel(5000)).toBe('×999+');
    expect(badgeText(7)).toBe('7');
    expect(badgeText(100)).toBe('99+');
  });
});

describe('links from notifications (untrusted text)', () => {
  it('keeps in-app paths and http(s) URLs, drops the rest', () => {
    expect(safeLink('/sessions/s1')).toEqual({ href: '/sessions/s1', external: false });
    expect(safeLink('https://github.com/a/b/pull/1')).toEqual({ href: 'https://github.com/a/b/pull/1', external: true });
    expect(safeLink('javascript:alert(1)')).toBeNull();
    expect(safeLink('data:text/html,hi')).toBeNull();
    expect(safeLink('//evil.example/x')).toBeNull();
    expect(safeLink('/\\evil.example')).toBeNull();
    expect(safeLink('not a url')).toBeNull();
  });
});

describe('filters in the URL', () => {
  it('round-trips and drops malformed values', () => {
    const f = filterFrom(new URLSearchParams('view=snoozed&severity=critical&source=budget&repo=acme/shop'));
    expect(f).toEqual({ view: 'snoozed', severity: 'critical', source: 'budget', repo: 'acme/shop' });
    expect(searchOf(f)).toBe('?view=snoozed&severity=critical&source=budget&repo=acme%2Fshop');
    expect(filterFrom(new URLSearchParams(searchOf(f).slice(1)))).toEqual(f);
    expect(queryOf(f)).toEqual({ view: 'snoozed', severity: 'critical', source: 'budget', repo: 'acme/shop' });
    const bad = filterFrom(new URLSearchParams('view=everything&severity=loud&source=moon&repo=not-a-repo'));
    expect(bad).toEqual(EMPTY_FILTER);
    expect(searchOf(bad)).toBe('');
    expect(queryOf(bad)).toEqual({ view: 'inbox' });
  });
  it('builds bulk bodies for a selection or for everything matching', () => {
    const f = { ...EMPTY_FILTER, view: 'unread' as const, source: 'keeper' as const };
    expect(bulkBody(['a', 'b'], f, { read: true })).toEqual({ ids: ['a', 'b'], read: true });
    expect(bulkBody('all', f, { dismissed: true })).toEqual({ filter: { view: 'unread', source: 'keeper' }, dismissed: true });
    expect((bulkBody(Array.from({ length: 600 }, (_, i) => `n${i}`), f, { read: true }).ids ?? []).length).toBe(500);
  });
});

describe('chart data', () => {
  const n = (severity: Notice['severity'], lastAt: Date, source: Notice['source'] = 'keeper') => ({ severity, lastAt: lastAt.toISOString(), count: 1, source });
  it('counts per local day and severity over 14 days, today last, older ones left out', () => {
    const now = at(2026, 12, 2, 15);
    const days = perDay([n('critical', at(2026, 12, 2, 1)), n('warning', at(2026, 12, 2, 14)), n('warning', at(2026, 11, 30, 23, 59)), n('info', at(2026, 11, 19, 0, 1)), n('info', at(2026, 11, 18, 23))], now);
    expect(days).toHaveLength(14);
    expect(days[0]!.day).toBe('2026-11-19');
    expect(days.at(-1)).toEqual({ day: '2026-12-02', info: 0, warning: 1, critical: 1 });
    expect(days.find((d) => d.day === '2026-11-30')).toEqual({ day: '2026-11-30', info: 0, warning: 1, critical: 0 });
    expect(days[0]).toEqual({ day: '2026-11-19', info: 1, warning: 0, critical: 0 });
    expect(days.reduce((a, d) => a + d.info + d.warning + d.critical, 0)).toBe(4);
  });
  it('orders sources by count', () => {
    expect(bySource([{ source: 'budget' }, { source: 'keeper' }, { source: 'keeper' }, { source: 'batch' }])).toEqual([
      { source: 'keeper', n: 2 },
      { source: 'batch', n: 1 },
      { source: 'budget', n: 1 },
    ]);
  });
});

describe('browser notifications', () => {
  const on = { enabled: true, permission: 'granted', hidden: true };
  it('only for warnings and worse, opted in, allowed, while the tab is hidden', () => {
    expect(shouldNotify('warning', on)).toBe(true);
    expect(shouldNotify('critical', on)).toBe(true);
    expect(shouldNotify('info', on)).toBe(false);
    expect(shouldNotify('critical', { ...on, hidden: false })).toBe(false);
    expect(shouldNotify('critical', { ...on, enabled: false })).toBe(false);
    expect(shouldNotify('critical', { ...on, permission: 'denied' })).toBe(false);
    expect(shouldNotify('critical', { ...on, permission: 'default' })).toBe(false);
  });
});
