/**
 * The simulator's virtual clock: sim time = start + (real elapsed x speed, unless manual) + manual advances.
 * CI runs complete and rate-limit windows reset on this clock, lazily when something looks (see GitHubState.sync).
 */
export interface SimClock {
  /** Current sim time in epoch milliseconds. */
  now(): number;
  /** Moves sim time forward; returns the new sim time in epoch milliseconds. */
  advance(ms: number): number;
}

export interface ClockOptions {
  startMs?: number;
  /** true: time moves only through advance(). */
  manual?: boolean;
  /** Real seconds are worth `speed` sim seconds (default 1). */
  speed?: number;
  realNow?: () => number;
}

export function createClock(opts: ClockOptions = {}): SimClock {
  const realNow = opts.realNow ?? Date.now;
  const realStart = realNow();
  const start = opts.startMs ?? realStart;
  const speed = opts.speed ?? 1;
  let offset = 0;
  let last = start;
  const now = (): number => {
    const t = start + offset + (opts.manual ? 0 : (realNow() - realStart) * speed);
    // Never backwards, even if the host clock is adjusted.
    if (t > last) last = Math.floor(t);
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

/** GitHub's timestamp format: ISO 8601 without milliseconds. */
export const isoSeconds = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
