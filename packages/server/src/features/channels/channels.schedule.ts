/**
 * The retry schedule (like Svix's): the first attempt at once, then after each failure wait 5 s, 5 min, 30 min, 2 h,
 * 5 h, 10 h, 10 h (eight attempts, about 27 hours in all), each wait ±20% jitter. After the eighth failure the
 * delivery gives up.
 */
export const RETRY_DELAYS_MS = [5_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000, 10 * 3_600_000] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
export const JITTER = 0.2;

/**
 * Epoch ms of the next attempt after `attempts` failed ones, or null when that was the last. `random` in [0, 1)
 * (injectable): 0.5 is no jitter.
 */
export function nextAttemptAt(now: number, attempts: number, random: () => number = Math.random): number | null {
  const base = RETRY_DELAYS_MS[attempts - 1];
  if (base === undefined) return null;
  const factor = 1 + JITTER * (2 * random() - 1);
  return now + Math.round(base * factor);
}
