import { describe, expect, it } from 'vitest';
import { formatMicros, parseRfc3339Micros } from './time.ts';
import { parseActivitiesFilter, pageSize, parseSourcesFilter } from './paging.ts';
import { createRng } from './rng.ts';

describe('timestamps and filters', () => {
  it('formats microseconds with exactly six fractional digits and parses them back', () => {
    const us = Date.UTC(2025, 9, 3, 5, 43, 42) * 1000 + 801654;
    expect(formatMicros(us)).toBe('2025-10-03T05:43:42.801654Z');
    expect(parseRfc3339Micros('2025-10-03T05:43:42.801654Z')).toBe(us);
    expect(parseRfc3339Micros('2025-10-03T07:43:42.801654+02:00')).toBe(us);
    expect(parseRfc3339Micros('2025-10-03T05:43:42.801654321Z')).toBeCloseTo(us + 0.321, 6);
    expect(parseRfc3339Micros('yesterday')).toBeUndefined();
  });

  it('rounds nanosecond filter bounds so comparisons stay exact', () => {
    const t = '2025-10-03T05:43:42.801654500Z';
    const base = parseRfc3339Micros('2025-10-03T05:43:42.801654Z')!;
    expect(parseActivitiesFilter(`create_time>"${t}"`).lo).toBe(base + 1);
    expect(parseActivitiesFilter(`create_time>="${t}"`).lo).toBe(base + 1);
    expect(parseActivitiesFilter(`create_time<"${t}"`).hi).toBe(base + 1);
    expect(parseActivitiesFilter(`create_time<="${t}"`).hi).toBe(base + 1);
    expect(parseActivitiesFilter(`create_time>"2025-10-03T05:43:42.801654Z" AND create_time<"2025-10-04T00:00:00Z"`).lo).toBe(base + 1);
  });

  it('clamps page sizes and parses OR-joined source filters', () => {
    expect(pageSize(undefined, 30)).toBe(30);
    expect(pageSize('0', 50)).toBe(50);
    expect(pageSize('1000', 30)).toBe(100);
    expect(() => pageSize('-3', 30)).toThrow();
    expect([...parseSourcesFilter('name="sources/github/a/b" OR name=sources/github/c/d')!]).toEqual(['sources/github/a/b', 'sources/github/c/d']);
  });

  it('seeded generators replay', () => {
    const a = createRng(42);
    const b = createRng(42);
    expect(Array.from({ length: 5 }, () => a.hex(8))).toEqual(Array.from({ length: 5 }, () => b.hex(8)));
  });
});
