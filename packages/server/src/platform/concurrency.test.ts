import { describe, expect, it } from 'vitest';
import { eventLoopYielder, pool } from './concurrency';

describe('pool', () => {
  it('runs every item with at most n in flight', async () => {
    let active = 0;
    let peak = 0;
    const done: number[] = [];
    await pool([...Array(20).keys()], 3, async (i) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 1));
      done.push(i);
      active--;
    });
    expect(done.sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
    expect(peak).toBe(3);
  });

  it('lets timers run during a long chain of already-resolved awaits', async () => {
    // Work that only awaits resolved promises (as better-sqlite3 queries do) never reaches the event loop by itself.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    await pool([...Array(40).keys()], 1, async () => {
      busy(2);
      await Promise.resolve();
    });
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });

  it('the yielder does nothing until its interval has passed', async () => {
    const y = eventLoopYielder(1_000_000);
    let ran = false;
    setImmediate(() => (ran = true));
    await y();
    expect(ran).toBe(false);
  });
});
