import type { Clock } from '../../platform/clock';
import { GitHubRateLimited } from './errors';

/** What health shows of one token's budget: numbers as GitHub last reported them, times as ISO strings. */
export interface GitHubRateStatus {
  remaining: number | null;
  limit: number | null;
  resetAt: string | null;
  /** Set while at least one request is waiting for the reset. */
  waitingUntil: string | null;
}

type Headers = Record<string, string | number | undefined>;

const num = (v: string | number | undefined): number | null => {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

/**
 * The token's rate-limit budget as the x-ratelimit-* headers of every answer report it. When it is spent, requests
 * wait here until the reset instead of spending a 403 each; a caller that cannot wait that long (a person at a
 * form) gets GitHubRateLimited with the reset time instead.
 */
export function createRateGate(clock: Clock) {
  let remaining: number | null = null;
  let limit: number | null = null;
  let resetAt: number | null = null;
  let waiting = 0;
  let waitingUntil: number | null = null;

  return {
    /** Reads the budget from an answer (200, 304 or an error); answers without the headers change nothing. */
    observe(headers: Headers | undefined) {
      if (!headers) return;
      // Search and GraphQL have budgets of their own; this gate follows the REST `core` one.
      const resource = headers['x-ratelimit-resource'];
      if (resource !== undefined && resource !== 'core') return;
      const rem = num(headers['x-ratelimit-remaining']);
      const lim = num(headers['x-ratelimit-limit']);
      const reset = num(headers['x-ratelimit-reset']);
      if (rem !== null) remaining = rem;
      if (lim !== null) limit = lim;
      if (reset !== null) resetAt = reset * 1000;
    },

    /** A 403/429 "rate limit exceeded": spent until the reset header, or Retry-After (secondary limits), or a minute. */
    exhausted(headers: Headers | undefined) {
      const retryAfter = num(headers?.['retry-after']);
      const reset = num(headers?.['x-ratelimit-reset']);
      remaining = 0;
      if (retryAfter !== null) resetAt = clock.now() + retryAfter * 1000;
      else if (reset !== null) resetAt = reset * 1000;
      else resetAt = clock.now() + 60_000;
    },

    /** Resolves when a request may be sent: now, or after the reset when the budget is spent. */
    async before(op: string, maxWaitMs: number, signal?: AbortSignal): Promise<void> {
      while (remaining === 0 && resetAt !== null && clock.now() < resetAt) {
        const until = resetAt;
        const wait = until - clock.now();
        if (wait > maxWaitMs) {
          throw new GitHubRateLimited(`GitHub rate limit spent until ${new Date(until).toISOString()} (${op})`, op, until);
        }
        waiting++;
        waitingUntil = until;
        try {
          await clock.sleep(wait, signal);
        } finally {
          if (--waiting === 0) waitingUntil = null;
        }
        signal?.throwIfAborted();
      }
    },

    status(): GitHubRateStatus {
      const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
      return { remaining, limit, resetAt: iso(resetAt), waitingUntil: iso(waitingUntil) };
    },
  };
}
export type RateGate = ReturnType<typeof createRateGate>;
