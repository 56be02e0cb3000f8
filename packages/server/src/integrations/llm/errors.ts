import { APICallError, NoObjectGeneratedError, NoOutputGeneratedError, RetryError } from 'ai';
import { BrokenCircuitError, BulkheadRejectedError, TaskCancelledError } from 'cockatiel';
import { findOutboundError, OutboundUnreachable } from '../../platform/outbound';

/**
 * Typed failures of an LLM provider, so retry, breakers and fallback decide by type. Messages carry the status
 * and a short upstream reason, never the API key (callers also scrub the key out of any message they keep).
 */
export class LlmUpstreamError extends Error {
  constructor(
    message: string,
    /** Short stable code recorded in usage rows. */
    readonly code: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
  /** Worth another attempt on the same target. */
  get retryable(): boolean {
    return false;
  }
  /** Counts as a failure for the target's circuit breaker. */
  get tripsBreaker(): boolean {
    return false;
  }
}

/** 5xx, network failures, timeouts. */
export class UpstreamUnavailable extends LlmUpstreamError {
  override get retryable() {
    return true;
  }
  override get tripsBreaker() {
    return true;
  }
}
/** 429. */
export class UpstreamRateLimited extends LlmUpstreamError {
  override get retryable() {
    return true;
  }
  override get tripsBreaker() {
    return true;
  }
}
/** 401/403: the key is wrong; retrying is pointless, the next target may work. */
export class UpstreamAuth extends LlmUpstreamError {}
/** Other 4xx: the request was refused (unknown model, too long ...). */
export class UpstreamBadRequest extends LlmUpstreamError {}
/** The model answered, but not with a valid object for the schema (or it was cut off). */
export class UpstreamInvalidOutput extends LlmUpstreamError {
  constructor(
    message: string,
    readonly usage: { inputTokens: number; outputTokens: number } | null,
    readonly truncated: boolean,
  ) {
    super(message, truncated ? 'truncated_output' : 'invalid_output');
  }
}
/** The circuit for this provider:model is open; the call never left the process. */
export class BreakerOpen extends LlmUpstreamError {
  constructor(key: string) {
    super(`circuit open for ${key}`, 'breaker_open');
  }
}

const short = (s: string | undefined) => (s ?? '').replace(/\s+/g, ' ').slice(0, 200);

/** Maps anything thrown by an AI SDK call (or a cockatiel policy around it) to an LlmUpstreamError. */
export function classifyLlmError(err: unknown): LlmUpstreamError {
  if (err instanceof LlmUpstreamError) return err;
  // The outbound guard and every network failure read the same, whatever happened (no port scanning).
  if (findOutboundError(err)) return new UpstreamUnavailable(`network: ${OutboundUnreachable.MESSAGE}`, 'network');
  if (err instanceof BrokenCircuitError) return new BreakerOpen('target');
  if (err instanceof TaskCancelledError) return new UpstreamUnavailable('timed out', 'timeout');
  if (err instanceof BulkheadRejectedError) return new UpstreamRateLimited('too many calls queued for this provider', 'concurrency_limit');
  if (RetryError.isInstance(err)) return classifyLlmError(err.lastError);
  if (NoObjectGeneratedError.isInstance(err)) {
    const u = err.usage;
    return new UpstreamInvalidOutput(
      `no valid object: ${short(err.message)}`,
      u ? { inputTokens: u.inputTokens ?? 0, outputTokens: u.outputTokens ?? 0 } : null,
      err.finishReason === 'length',
    );
  }
  if (NoOutputGeneratedError.isInstance(err)) return new UpstreamInvalidOutput(`no output: ${short(err.message)}`, null, false);
  if (APICallError.isInstance(err)) {
    const s = err.statusCode;
    const msg = `HTTP ${s ?? '-'}: ${short(err.message)}`;
    if (s === 429) return new UpstreamRateLimited(msg, 'rate_limited', s);
    if (s === 401 || s === 403) return new UpstreamAuth(msg, 'auth', s);
    if (s === undefined || s >= 500 || s === 408) return new UpstreamUnavailable(msg, s ? `http_${s}` : 'network', s);
    return new UpstreamBadRequest(msg, `http_${s}`, s);
  }
  const e = err as { name?: string; message?: string; code?: string };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return new UpstreamUnavailable('timed out', 'timeout');
  // fetch failures (ECONNREFUSED, reset sockets) surface as TypeError or plain errors without a status.
  return new UpstreamUnavailable(`network: ${short(e?.message)}`, 'network');
}
