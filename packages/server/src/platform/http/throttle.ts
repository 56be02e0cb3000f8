import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** Failed authentication per client address: how long it must wait, if at all. */
export interface AuthThrottle {
  /** Milliseconds until `address` may try again (0 = it may). Checked before any credential is looked at. */
  blockedFor(address: string): Promise<number>;
  /** Counts one failure; the milliseconds to wait when this one went over the limit (0 otherwise). */
  fail(address: string): Promise<number>;
}

export interface AuthThrottleOptions {
  /** Failures allowed per window; the next one is refused with 429. */
  failures: number;
  windowSec: number;
  /** Shared counters when several instances serve the same users. */
  redis?: Redis;
  keyPrefix: string;
}

/**
 * rate-limiter-flexible counters of failed authentications by client address: in memory for one process, in Redis
 * for several (so an attacker cannot spread guesses over instances). When Redis fails, an in-memory limiter takes
 * over (the library's insurance limiter) rather than letting every guess through.
 */
export function createAuthThrottle(opts: AuthThrottleOptions): AuthThrottle {
  const base = { points: opts.failures, duration: opts.windowSec, keyPrefix: `${opts.keyPrefix}:auth-fail` };
  const memory = new RateLimiterMemory(base);
  const limiter: RateLimiterAbstract = opts.redis ? new RateLimiterRedis({ ...base, storeClient: opts.redis, insuranceLimiter: new RateLimiterMemory(base) }) : memory;
  return {
    async blockedFor(address) {
      const res = await limiter.get(address).catch(() => null);
      return res && res.consumedPoints > opts.failures ? Math.max(1, res.msBeforeNext) : 0;
    },
    async fail(address) {
      try {
        await limiter.consume(address);
        return 0;
      } catch (err) {
        if (err instanceof RateLimiterRes) return Math.max(1, err.msBeforeNext);
        throw err;
      }
    },
  };
}

/**
 * The client's address: the socket's remote address. X-Forwarded-For is believed only when the operator says a
 * proxy is in front (TRUST_PROXY), and then only its last entry (the one that proxy added). Requests that come
 * with no socket (in-process `app.request` in tests) share the address `unknown`.
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').map((s) => s.trim()).filter(Boolean);
    if (forwarded?.length) return forwarded[forwarded.length - 1];
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
