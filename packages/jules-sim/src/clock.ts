/**
 * The simulator's virtual clock. Sim time = start + real elapsed time (unless manual) + manual advances.
 * Agents never run on timers: their next steps wait in a queue keyed by sim time and are applied lazily when
 * someone looks, so a paused test or a 100,000-session world costs nothing while idle.
 */
export interface SimClock {
  /** Current sim time in epoch milliseconds. */
  now(): number;
  /** Moves sim time forward; returns the new sim time in epoch milliseconds. */
  advance(ms: number): number;
}

export interface ClockOptions {
  /** Sim time at creation, epoch ms (default: real now). */
  startMs?: number;
  /** When true, time moves only through advance(). */
  manual?: boolean;
  /** Real clock source, injectable for tests. */
  realNow?: () => number;
}

/** Creates a virtual clock; see {@link SimClock}. */
export function createClock(opts: ClockOptions = {}): SimClock {
  const realNow = opts.realNow ?? Date.now;
  const realStart = realNow();
  const start = opts.startMs ?? realStart;
  let offset = 0;
  let last = start;
  const now = (): number => {
    const t = start + offset + (opts.manual ? 0 : realNow() - realStart);
    // Never run backwards, even if the host clock is adjusted.
    if (t > last) last = t;
    return last;
  };
  return {
    now,
    advance(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance needs a finite, non-negative number of ms');
      offset += ms;
      return now();
    },
  };
}
