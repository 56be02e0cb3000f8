import type { Context, MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { errorResponse } from './errors';
import type { AppEnv, AuthContext } from './types';
import type { Actor } from '../actor';

/** What authOf (features/workspaces/keys.ts) puts on a key's actor: Actor.limits plus the per-minute rate. */
export type KeyActorLimits = NonNullable<Actor['limits']> & { ratePerMinute?: number | null };

/*
 * Per-key rate limits and daily quotas (issue #16).
 *
 * Who is limited: requests whose actor is an API key (a bearer key, or a dashboard session minted from one: the key
 * stays the principal, so logging in cannot dodge its limits). A person's session is not a key and is not limited
 * here. A key with no limits pays nothing: no limiter call, one in-memory increment (or one Redis INCR that is not
 * awaited) for its usage count.
 *
 * Rate limit: rate-limiter-flexible, 60 s windows, points = the key's `rate_per_minute`. One limiter per distinct
 * points value (cached), all under one key prefix: with Redis the count lives in one Redis key per API key, so a
 * change of the limit (PATCH) applies at once to the running window, and every instance shares it. Without Redis,
 * in memory (one process). With Redis, an in-memory insurance limiter takes over while Redis is unreachable.
 *
 * Daily quota: `requests_per_day`, counted per UTC day by a fixed 86 400 s window whose storage key carries the UTC
 * date (`<key id>:<yyyy-mm-dd>`): a new day starts a new count at 00:00 UTC whatever time the first request came.
 * Its reset is the end of the UTC day. Only requests the rate limit admitted are counted against it.
 *
 * Headers (draft-ietf-httpapi-ratelimit-headers, the structured-field form): every response to a limited key
 * carries `RateLimit-Policy` (e.g. `"minute";q=60;w=60, "day";q=10000;w=86400`) and `RateLimit` for the limit
 * nearest to running out (e.g. `"minute";r=12;t=34`: 12 requests remain, the window resets in 34 s). Over a
 * limit: 429 `rate_limited` naming the limit (`details.limit` = `ratePerMinute` | `requestsPerDay`) with
 * Retry-After in seconds.
 *
 * Usage count (`requestsToday` of `GET /api/keys/{id}/usage`, admitted requests): with a daily quota, the quota's
 * own consumed points, at most the quota (exact, shared across instances with Redis). Without one, a per-day counter: Redis INCR (`<prefix>:key-req:<key
 * id>:<day>`, expires after two days; fire-and-forget, so it adds no latency) when Redis is configured, else an
 * in-memory map (exact for one instance, which is all there is without Redis).
 */

export interface KeyLimitValues {
  ratePerMinute: number | null;
  requestsPerDay: number | null;
}

export interface KeyLimitsOptions {
  redis?: Redis;
  keyPrefix: string;
  /** Milliseconds since the epoch (the orchestrator's clock), for the UTC day. */
  now: () => number;
}

export interface KeyLimiter {
  /** Runs after authentication: counts the request and answers 429 over a limit. */
  middleware: MiddlewareHandler<AppEnv>;
  /** Requests of the key admitted this UTC day (see the header comment for where the count lives). */
  requestsToday(keyId: string, limits: KeyLimitValues): Promise<number>;
}

const MINUTE = 60;
const DAY = 86_400;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const secondsToEndOfUtcDay = (ms: number) => Math.max(1, Math.ceil((Date.UTC(new Date(ms).getUTCFullYear(), new Date(ms).getUTCMonth(), new Date(ms).getUTCDate() + 1) - ms) / 1000));

/** The key's limits when the request's actor is a key with at least one request limit; otherwise null. */
export function requestLimitsOf(auth: AuthContext | undefined): (KeyLimitValues & { keyId: string }) | null {
  if (!auth || auth.actor.kind !== 'key' || !auth.keyId) return null;
  const l = auth.actor.limits as KeyActorLimits | undefined;
  const ratePerMinute = l?.ratePerMinute ?? null;
  const requestsPerDay = l?.requestsPerDay ?? null;
  if (ratePerMinute == null && requestsPerDay == null) return null;
  return { keyId: auth.keyId, ratePerMinute, requestsPerDay };
}

export function createKeyLimits(opts: KeyLimitsOptions): KeyLimiter {
  const limiters = new Map<string, RateLimiterAbstract>();
  const memoryCounts = new Map<string, number>();

  function limiter(kind: 'rate' | 'day', points: number): RateLimiterAbstract {
    const name = `${kind}:${points}`;
    let l = limiters.get(name);
    if (!l) {
      const base = { points, duration: kind === 'rate' ? MINUTE : DAY, keyPrefix: `${opts.keyPrefix}:key-${kind}` };
      l = opts.redis ? new RateLimiterRedis({ ...base, storeClient: opts.redis, insuranceLimiter: new RateLimiterMemory(base) }) : new RateLimiterMemory(base);
      // Few distinct limit values exist in practice; the cap only bounds a pathological workload.
      if (limiters.size > 1000) limiters.clear();
      limiters.set(name, l);
    }
    return l;
  }

  /** Consumes one point: the result whether admitted or not (`over` when refused). */
  async function take(l: RateLimiterAbstract, key: string): Promise<{ res: RateLimiterRes; over: boolean }> {
    try {
      return { res: await l.consume(key), over: false };
    } catch (err) {
      if (err instanceof RateLimiterRes) return { res: err, over: true };
      throw err;
    }
  }

  function countUnlimited(keyId: string) {
    const day = utcDay(opts.now());
    if (opts.redis) {
      const k = `${opts.keyPrefix}:key-req:${keyId}:${day}`;
      opts.redis.multi().incr(k).expire(k, 2 * DAY).exec().catch(() => undefined);
      return;
    }
    const k = `${keyId}:${day}`;
    if (!memoryCounts.has(k) && memoryCounts.size > 10_000) memoryCounts.clear();
    memoryCounts.set(k, (memoryCounts.get(k) ?? 0) + 1);
  }

  function tooMany(c: Context<AppEnv>, limit: 'ratePerMinute' | 'requestsPerDay', seconds: number, quota: number) {
    c.header('Retry-After', String(seconds));
    const what = limit === 'ratePerMinute' ? `${quota} requests per minute` : `${quota} requests per UTC day`;
    return errorResponse(c, 'rate_limited', `This API key is over its limit of ${what} (${limit}); try again in ${seconds} s`, { limit, retryAfterMs: seconds * 1000 });
  }

  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    const auth = c.get('auth') as AuthContext | undefined;
    const limits = requestLimitsOf(auth);
    if (!limits) {
      if (auth?.actor.kind === 'key' && auth.keyId) countUnlimited(auth.keyId);
      await next();
      return;
    }
    const now = opts.now();
    const policy: string[] = [];
    // The state reported in `RateLimit`: the limit with the fewest requests left.
    let nearest: { name: string; remaining: number; reset: number } | null = null;
    const note = (name: string, remaining: number, reset: number) => {
      if (!nearest || remaining < nearest.remaining) nearest = { name, remaining, reset };
    };
    const headers = () => {
      c.header('RateLimit-Policy', policy.join(', '));
      if (nearest) c.header('RateLimit', `"${nearest.name}";r=${nearest.remaining};t=${nearest.reset}`);
    };
    if (limits.ratePerMinute != null) {
      policy.push(`"minute";q=${limits.ratePerMinute};w=${MINUTE}`);
      const { res, over } = await take(limiter('rate', limits.ratePerMinute), limits.keyId);
      const reset = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      note('minute', Math.max(0, res.remainingPoints), reset);
      if (over) {
        if (limits.requestsPerDay != null) policy.push(`"day";q=${limits.requestsPerDay};w=${DAY}`);
        headers();
        return tooMany(c, 'ratePerMinute', reset, limits.ratePerMinute);
      }
    }
    if (limits.requestsPerDay != null) {
      policy.push(`"day";q=${limits.requestsPerDay};w=${DAY}`);
      const { res, over } = await take(limiter('day', limits.requestsPerDay), `${limits.keyId}:${utcDay(now)}`);
      const reset = secondsToEndOfUtcDay(now);
      note('day', Math.max(0, res.remainingPoints), reset);
      if (over) {
        headers();
        return tooMany(c, 'requestsPerDay', reset, limits.requestsPerDay);
      }
    } else {
      countUnlimited(limits.keyId);
    }
    headers();
    await next();
    // Handlers may build a fresh Response; the headers must be on the one sent (some responses are immutable).
    try {
      headers();
    } catch {
      /* immutable headers: the response is sent without them */
    }
  };

  return {
    middleware,
    async requestsToday(keyId, limits) {
      const day = utcDay(opts.now());
      if (limits.requestsPerDay != null) {
        const res = await limiter('day', limits.requestsPerDay).get(`${keyId}:${day}`).catch(() => null);
        // Refused requests count points too; only the admitted ones are reported (at most the quota).
        return Math.min(res?.consumedPoints ?? 0, limits.requestsPerDay);
      }
      if (opts.redis) return Number((await opts.redis.get(`${opts.keyPrefix}:key-req:${keyId}:${day}`).catch(() => null)) ?? 0);
      return memoryCounts.get(`${keyId}:${day}`) ?? 0;
    },
  };
}
