import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { progressCoalescer } from './batches.progress';

describe('batch progress coalescing', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('publishes the first change at once, then at most once per window while changes come, and once after the last', async () => {
    const published: Array<{ at: number; seen: number }> = [];
    let changes = 0;
    const c = progressCoalescer({ windowMs: 100, log: pino({ level: 'silent' }), send: async () => void published.push({ at: Date.now(), seen: changes }) });
    const start = Date.now();
    for (let i = 0; i < 50; i++) {
      changes += 1;
      c.touch('w', 'b1');
      await vi.advanceTimersByTimeAsync(10);
    }
    await vi.advanceTimersByTimeAsync(500);
    const gaps = published.slice(1).map((p, i) => p.at - published[i].at);
    expect(published[0]).toEqual({ at: start, seen: 1 });
    expect(gaps.every((g) => g >= 100)).toBe(true);
    expect(published.length).toBeLessThanOrEqual(7);
    // The last publish happened after the last change: it read the final state.
    expect(published.at(-1)?.seen).toBe(50);
    expect(c.pending()).toBe(0);
  });

  it('keeps batches apart, and a publish that fails does not stop the next one', async () => {
    const calls: string[] = [];
    let fail = true;
    const c = progressCoalescer({
      windowMs: 100,
      log: pino({ level: 'silent' }),
      send: async (_w, id) => {
        calls.push(id);
        if (fail) {
          fail = false;
          throw new Error('bus down');
        }
      },
    });
    c.touch('w', 'a');
    c.touch('w', 'b');
    c.touch('w', 'a');
    await vi.advanceTimersByTimeAsync(150);
    expect(calls).toEqual(['a', 'b', 'a']);
    c.close();
    c.touch('w', 'a');
    expect(calls).toHaveLength(3);
  });
});
