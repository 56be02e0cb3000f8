import {
  bulkhead,
  circuitBreaker,
  CircuitState,
  ExponentialBackoff,
  handleWhen,
  retry,
  SamplingBreaker,
  timeout,
  TimeoutStrategy,
  TaskCancelledError,
  wrap,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
  type IPolicy,
} from 'cockatiel';
import { BreakerOpen, LlmUpstreamError } from './errors';

export interface ResilienceOptions {
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Extra attempts on the same target for retryable failures (5xx, 429, timeouts). */
  retries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  breaker: {
    /** Failure ratio (0..1, exclusive) over the window that opens the circuit. */
    threshold: number;
    /** Calls needed in the window before the ratio counts. */
    minRequests: number;
    windowMs: number;
    /** How long the circuit stays open before one trial call (half-open). */
    halfOpenAfterMs: number;
  };
}

export const defaultResilience: ResilienceOptions = {
  timeoutMs: 60_000,
  retries: 2,
  retryBaseMs: 250,
  retryMaxMs: 4_000,
  breaker: { threshold: 0.5, minRequests: 5, windowMs: 30_000, halfOpenAfterMs: 30_000 },
};

/** Who a breaker belongs to: one per provider config and model. */
export interface TargetRef {
  workspaceId: string;
  providerId: string;
  /** The provider's name in its workspace (for logs and the workspace's own API). */
  provider: string;
  kind: string;
  model: string;
}

export type BreakerStateName = 'closed' | 'open' | 'half-open' | 'isolated';
const stateName: Record<CircuitState, BreakerStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

interface Entry {
  ref: TargetRef;
  breaker: CircuitBreakerPolicy;
  policy: IPolicy<any>;
  openedAt: number | null;
}

const isUpstream = (e: Error) => e instanceof LlmUpstreamError;

/**
 * Cockatiel policies around every upstream call: per provider a bulkhead (max concurrency, excess calls queue),
 * per provider:model retry -> circuit breaker -> timeout. The breaker samples the failure ratio over a sliding
 * window (SamplingBreaker; "minimum requests" becomes its minimum rate over the window) and only counts failures
 * that say the upstream is unhealthy (5xx, 429, timeouts), not refusals of a bad request.
 */
export function createResilience(opts: ResilienceOptions, hooks: { onStateChange?: (ref: TargetRef, state: BreakerStateName) => void } = {}) {
  const entries = new Map<string, Entry>();
  const bulkheads = new Map<string, { limit: number; policy: BulkheadPolicy }>();
  const keyOf = (r: TargetRef) => `${r.providerId}:${r.model}`;

  function entry(ref: TargetRef): Entry {
    const key = keyOf(ref);
    const hit = entries.get(key);
    if (hit) {
      hit.ref = ref;
      return hit;
    }
    const b = opts.breaker;
    const breaker = circuitBreaker(
      handleWhen((e) => (e instanceof LlmUpstreamError && e.tripsBreaker) || e instanceof TaskCancelledError),
      {
        halfOpenAfter: b.halfOpenAfterMs,
        breaker: new SamplingBreaker({ threshold: b.threshold, duration: b.windowMs, minimumRps: (b.minRequests * 1000) / b.windowMs }),
      },
    );
    const e: Entry = {
      ref,
      breaker,
      openedAt: null,
      policy: wrap(
        retry(handleWhen((err) => (isUpstream(err) && (err as LlmUpstreamError).retryable) || err instanceof TaskCancelledError), {
          maxAttempts: opts.retries,
          backoff: new ExponentialBackoff({ initialDelay: opts.retryBaseMs, maxDelay: opts.retryMaxMs }),
        }),
        breaker,
        timeout(opts.timeoutMs, TimeoutStrategy.Aggressive),
      ),
    };
    // Date.now, not the injected clock: cockatiel times the open window with Date.now and the two must agree.
    breaker.onBreak(() => {
      e.openedAt = Date.now();
      hooks.onStateChange?.(e.ref, 'open');
    });
    breaker.onHalfOpen(() => hooks.onStateChange?.(e.ref, 'half-open'));
    breaker.onReset(() => {
      e.openedAt = null;
      hooks.onStateChange?.(e.ref, 'closed');
    });
    entries.set(key, e);
    return e;
  }

  function bulkheadFor(providerId: string, limit: number): BulkheadPolicy {
    const hit = bulkheads.get(providerId);
    if (hit && hit.limit === limit) return hit.policy;
    const policy = bulkhead(limit, 10_000);
    bulkheads.set(providerId, { limit, policy });
    return policy;
  }

  return {
    /**
     * True while the circuit is open and its recovery window has not passed, so callers skip the target without
     * reserving budget. After the window the next call goes through and becomes the half-open trial.
     */
    isOpen(ref: TargetRef): boolean {
      const e = entries.get(keyOf(ref));
      if (!e) return false;
      const s = e.breaker.state;
      if (s === CircuitState.Isolated) return true;
      return s === CircuitState.Open && e.openedAt !== null && Date.now() - e.openedAt < opts.breaker.halfOpenAfterMs;
    },

    /**
     * Runs one upstream call under the target's policies; failures are LlmUpstreamErrors (BreakerOpen when
     * short-circuited). `stop` (shutdown) aborts the call and its retries.
     */
    async run<T>(ref: TargetRef, maxConcurrency: number, fn: (signal: AbortSignal) => Promise<T>, stop?: AbortSignal): Promise<T> {
      const e = entry(ref);
      // A signal per call: cockatiel otherwise hangs every in-flight call's listener on one shared signal.
      const call = new AbortController();
      const onStop = () => call.abort(stop?.reason);
      if (stop?.aborted) onStop();
      else stop?.addEventListener('abort', onStop, { once: true });
      try {
        const callSignal = call.signal;
        return await bulkheadFor(ref.providerId, maxConcurrency).execute(
          () => e.policy.execute(({ signal }: { signal: AbortSignal }) => fn(signal), callSignal),
          callSignal,
        );
      } catch (err) {
        if (err instanceof Error && err.name === 'BrokenCircuitError') throw new BreakerOpen(keyOf(ref));
        throw err;
      } finally {
        stop?.removeEventListener('abort', onStop);
      }
    },

    /** Every breaker created so far, with its state. */
    states(): Array<TargetRef & { state: BreakerStateName; openedAt: number | null }> {
      return [...entries.values()].map((e) => ({ ...e.ref, state: stateName[e.breaker.state], openedAt: e.openedAt }));
    },

    /** Drops breakers and bulkheads of a deleted or reconfigured provider. */
    forget(providerId: string): void {
      for (const [k, e] of entries) if (e.ref.providerId === providerId) entries.delete(k);
      bulkheads.delete(providerId);
    },
  };
}
export type Resilience = ReturnType<typeof createResilience>;
