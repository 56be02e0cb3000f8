import { BrokenCircuitError, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import type { z } from 'zod';
import { systemClock, type Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import { findOutboundError } from '../../platform/outbound/errors';
import type { Metrics } from '../../platform/metrics';
import {
  UpstreamAuth, UpstreamBadRequest, UpstreamError, UpstreamMalformed, UpstreamNotFound, UpstreamRateLimited, UpstreamUnavailable,
} from './errors';
import { parseGoogleError } from './google-error';

/** Tuning of one Jules transport; every field has a production default. */
/**
 * JSON.parse for upstream answers. PostgreSQL text cannot hold U+0000, so a NUL in anything Jules sends (a title, a
 * message, a patch) would fail the mirror's INSERT for that page on PostgreSQL only; it becomes U+FFFD here, at
 * the boundary. The reviver runs only for bodies that contain the escape, so the common path costs one scan.
 */
export function parseUpstreamJson(text: string): unknown {
  if (!text.includes('\\u0000')) return JSON.parse(text);
  return JSON.parse(text, (_k, v: unknown) => (typeof v === 'string' && v.includes('\u0000') ? v.replaceAll('\u0000', '\uFFFD') : v));
}

export interface TransportOptions {
  baseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
  clock?: Clock;
  /** Source of jitter, injectable so tests are deterministic. */
  random?: () => number;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Attempts per call including the first (default 5). */
  maxAttempts?: number;
  /**
   * Full-jitter exponential backoff when the answer names no delay (no Retry-After, no RetryInfo): a delay in
   * [0, min(maxMs, initialMs * 2^n)) (defaults 1 s / 20 s, the start Google's client libraries use).
   */
  backoff?: { initialMs: number; maxMs: number };
  /** A Retry-After longer than this is not waited out: the caller gets UpstreamRateLimited (default 60 s). */
  maxRetryAfterMs?: number;
  /** Consecutive unavailable answers that open the breaker, and how long it stays open (defaults 5 / 15 s). */
  breaker?: { consecutiveFailures: number; halfOpenAfterMs: number };
  metrics?: Metrics;
  log?: Logger;
  onBreakerChange?: (open: boolean) => void;
}

/**
 * How a call may be retried. `idempotent` (GET, DELETE, archive): any transient failure. `unprocessed`
 * (create, sendMessage, approvePlan): only 429 and 503, the answers that say the request was refused before it was
 * processed; a 500 or a timeout may have created a session or delivered a message, and repeating it could do so
 * twice, so those surface to the caller instead.
 */
export type RetryMode = 'idempotent' | 'unprocessed';

export interface RequestSpec<T> {
  op: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  schema: z.ZodType<T>;
  retry: RetryMode;
  /** Until this epoch ms a 404 is retried (eventual consistency right after a session is created). */
  notFoundGraceUntil?: number;
  signal?: AbortSignal;
}

export interface Transport {
  request<T>(spec: RequestSpec<T>): Promise<T>;
  readonly breaker: CircuitBreakerPolicy;
  readonly clock: Clock;
}

/** Parses Retry-After: delta seconds or an HTTP date. Returns ms, or undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}


/**
 * The HTTP core under the Jules client: one fetch per attempt with a timeout, typed errors, retries with full
 * jitter that honour Retry-After, a consecutive-failure circuit breaker (cockatiel) and metrics. The retry loop is
 * our own rather than cockatiel's RetryPolicy because it must wait on the injected clock and take its delay from
 * each answer's Retry-After.
 */
export function createTransport(opts: TransportOptions): Transport {
  const doFetch = opts.fetch ?? fetch;
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxAttempts = opts.maxAttempts ?? 5;
  const backoff = opts.backoff ?? { initialMs: 1000, maxMs: 20_000 };
  // The delay an answer itself asked for (Retry-After or RetryInfo), per error: only those override the jitter.
  const asked = new WeakMap<Error, number>();
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
  const base = opts.baseUrl.replace(/\/+$/, '');
  const cfg = opts.breaker ?? { consecutiveFailures: 5, halfOpenAfterMs: 15_000 };
  const breaker = circuitBreaker(handleWhen((e) => e instanceof UpstreamUnavailable), {
    halfOpenAfter: cfg.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(cfg.consecutiveFailures),
  });
  breaker.onBreak(() => {
    opts.log?.warn({ baseUrl: base }, 'Jules circuit breaker opened');
    opts.onBreakerChange?.(true);
  });
  breaker.onReset(() => {
    opts.log?.info({ baseUrl: base }, 'Jules circuit breaker closed');
    opts.onBreakerChange?.(false);
  });
  // Retry-After speaks for the key, not one request: until it passes, no request of this transport goes out
  // (a quota answer for sessions.list also holds back the keeper's sessions.get on the same key). A wait longer
  // than we would ever sit out is returned to the caller instead (UpstreamRateLimited), and holds nothing: the
  // account-level backoff of the sync loop covers that case without freezing every user action for minutes.
  let holdUntil = 0;
  const hold = (ms: number | undefined) => {
    if (ms !== undefined && ms > 0 && ms <= maxRetryAfterMs) holdUntil = Math.max(holdUntil, clock.now() + ms);
  };
  const counter = opts.metrics?.counter('autopilot_jules_requests_total', 'Jules API requests by operation and outcome', ['op', 'status']);
  const duration = opts.metrics?.histogram('autopilot_jules_request_duration_seconds', 'Jules API request duration by operation', ['op'], [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);

  async function attempt<T>(spec: RequestSpec<T>): Promise<T> {
    const url = new URL(`${base}/${spec.path}`);
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    // One controller per attempt, aborted by our timeout or the caller's signal. (Not AbortSignal.any: on Node 20
    // it keeps listeners on a long-lived caller signal, such as a loop's, alive across thousands of requests.)
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
    const onAbort = () => ac.abort(spec.signal?.reason);
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    const started = performance.now();
    let status = 'network';
    try {
      let res: Response;
      let text: string;
      try {
        res = await doFetch(url, {
          method: spec.method,
          headers: { 'X-Goog-Api-Key': opts.apiKey, accept: 'application/json', ...(spec.body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: spec.body !== undefined ? JSON.stringify(spec.body) : undefined,
          signal: ac.signal,
        });
        status = String(res.status);
        text = await res.text();
      } catch (err) {
        if (spec.signal?.aborted) throw err;
        const timedOut = ac.signal.aborted;
        if (timedOut) status = 'timeout';
        // One message for refused, unreachable, DNS failure and timeout, so a URL's owner cannot scan ports.
        opts.log?.debug({ op: spec.op, timedOut, reason: (err as { reason?: string })?.reason ?? (err as Error)?.message }, 'Jules request did not get an answer');
        // Never connected (guard, DNS, refused): the dispatcher may send a create again without looking for it.
        const o = findOutboundError(err);
        const notSent = !timedOut && !!o && (o.refused || o.reason === 'dns' || o.reason === 'connect:ECONNREFUSED');
        throw new UpstreamUnavailable(`${spec.op}: upstream unreachable`, spec.op, undefined, undefined, false, notSent);
      }
      if (res.ok) {
        let json: unknown;
        try {
          json = text.trim() === '' ? {} : parseUpstreamJson(text);
        } catch {
          status = 'malformed';
          // The body may come from whatever answered at a user-supplied URL: debug log only, never the message.
          opts.log?.debug({ op: spec.op, status: res.status, bodyStart: text.slice(0, 200) }, 'Jules answered a body that is not JSON');
          throw new UpstreamMalformed(`${spec.op}: response body is not JSON (HTTP ${res.status})`, spec.op, res.status);
        }
        const parsed = spec.schema.safeParse(json);
        if (!parsed.success) {
          status = 'malformed';
          const i = parsed.error.issues[0];
          throw new UpstreamMalformed(`${spec.op}: response does not match the expected shape (${i?.path.join('.') || '(root)'}: ${i?.message})`, spec.op, res.status);
        }
        return parsed.data;
      }
      const up = parseGoogleError(text);
      const fields = up.violations.length ? ` (${up.violations.join('; ')})` : '';
      const msg = `${spec.op}: HTTP ${res.status}${up.message ? ` ${up.message}` : ''}${fields}`;
      // The header wins when both are sent; RetryInfo in `details` is how Google APIs usually say it.
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'), clock.now()) ?? up.retryDelayMs;
      if (res.status === 429 || res.status === 503) hold(retryAfter);
      if (res.status === 429) {
        const e = new UpstreamRateLimited(msg, spec.op, retryAfter ?? backoff.initialMs, 429, up.status);
        if (retryAfter !== undefined) asked.set(e, retryAfter);
        throw e;
      }
      if (res.status >= 500) {
        const e = new UpstreamUnavailable(msg, spec.op, res.status, up.status);
        if (retryAfter !== undefined) {
          (e as UpstreamUnavailable & { retryAfterMs?: number }).retryAfterMs = retryAfter;
          asked.set(e, retryAfter);
        }
        throw e;
      }
      if (res.status === 401 || res.status === 403) throw new UpstreamAuth(msg, spec.op, res.status, up.status);
      if (res.status === 404) throw new UpstreamNotFound(msg, spec.op, res.status, up.status);
      throw new UpstreamBadRequest(msg, spec.op, res.status, up.status);
    } finally {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      counter?.inc({ op: spec.op, status });
      duration?.observe({ op: spec.op }, (performance.now() - started) / 1000);
    }
  }

  function retryable(err: unknown, spec: RequestSpec<unknown>): boolean {
    if (err instanceof UpstreamRateLimited) return err.retryAfterMs <= maxRetryAfterMs;
    if (err instanceof UpstreamUnavailable) {
      if (err.breakerOpen) return false;
      return spec.retry === 'idempotent' || err.status === 503;
    }
    if (err instanceof UpstreamNotFound) return spec.notFoundGraceUntil !== undefined && clock.now() < spec.notFoundGraceUntil;
    return false;
  }

  return {
    breaker,
    clock,
    async request<T>(spec: RequestSpec<T>): Promise<T> {
      // n counts failures for backoff; `counted` the ones that use up maxAttempts. 404s inside the create-race
      // window do not: the window itself bounds them.
      for (let n = 0, counted = 0; ; n++) {
        const held = holdUntil - clock.now();
        if (held > 0) {
          await clock.sleep(held, spec.signal);
          if (spec.signal?.aborted) throw spec.signal.reason ?? new Error('aborted');
        }
        try {
          return await breaker.execute(() => attempt(spec));
        } catch (raw) {
          const err = raw instanceof BrokenCircuitError ? new UpstreamUnavailable(`${spec.op}: circuit open after repeated failures`, spec.op, undefined, undefined, true) : raw;
          if (!(err instanceof UpstreamError) || !retryable(err, spec as RequestSpec<unknown>)) throw err;
          if (!(err instanceof UpstreamNotFound) && ++counted >= maxAttempts) throw err;
          const jitter = Math.floor(random() * Math.min(backoff.maxMs, backoff.initialMs * 2 ** n));
          const hinted = asked.get(err);
          const delay = hinted !== undefined ? Math.max(hinted, jitter) : jitter;
          opts.log?.debug({ op: spec.op, status: err.status ?? null, attempt: n + 1, delayMs: delay }, 'Jules request will be retried');
          await clock.sleep(delay, spec.signal);
          if (spec.signal?.aborted) throw spec.signal.reason ?? new Error('aborted');
        }
      }
    },
  };
}
