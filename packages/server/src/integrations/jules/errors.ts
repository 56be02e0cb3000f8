import { AppError } from '../../platform/errors';

/**
 * Typed failures of the Jules API, so retry, breakers and callers decide by type. Messages name the operation and
 * the upstream status but never the API key.
 */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly op: string,
    /** HTTP status when one was received. */
    readonly status?: number,
    /** Google's `error.status` (e.g. INVALID_ARGUMENT) when the body carried one. */
    readonly upstreamStatus?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 429 (RESOURCE_EXHAUSTED): `retryAfterMs` is the server's Retry-After when given, else our backoff estimate. */
export class UpstreamRateLimited extends UpstreamError {
  constructor(message: string, op: string, readonly retryAfterMs: number, status = 429, upstreamStatus?: string) {
    super(message, op, status, upstreamStatus);
  }
}

/** 5xx, timeouts, network failures, or our circuit breaker being open. */
export class UpstreamUnavailable extends UpstreamError {
  constructor(message: string, op: string, status?: number, upstreamStatus?: string, readonly breakerOpen = false) {
    super(message, op, status, upstreamStatus);
  }
}

/** 401/403: the key is missing, wrong or lacks permission. */
export class UpstreamAuth extends UpstreamError {}
/** 404. */
export class UpstreamNotFound extends UpstreamError {}
/** 400 (INVALID_ARGUMENT / FAILED_PRECONDITION) and other 4xx: the request itself was refused. */
export class UpstreamBadRequest extends UpstreamError {}
/** The body was not JSON or did not match the expected shape. */
export class UpstreamMalformed extends UpstreamError {}

/**
 * Maps an upstream failure to the API's error codes (429 -> rate_limited with retryAfterMs, 5xx/breaker ->
 * upstream_unavailable, 404 -> not_found ...). Anything else is returned unchanged. `quiet` (accounts at a
 * user-supplied URL) keeps every word the upstream sent out of the message: only operation and status remain.
 */
export function upstreamToAppError(err: unknown, what = 'Jules', opts: { quiet?: boolean } = {}): unknown {
  if (!(err instanceof UpstreamError)) return err;
  const text = opts.quiet ? publicUpstreamMessage(err) : err.message;
  const code = err.upstreamStatus && (!opts.quiet || /^[A-Z_]{3,40}$/.test(err.upstreamStatus)) ? err.upstreamStatus : null;
  const details = { op: err.op, upstreamStatus: err.status ?? null, upstreamCode: code };
  if (err instanceof UpstreamRateLimited) return new AppError('rate_limited', `${what} rate limit reached; retry later`, { ...details, retryAfterMs: err.retryAfterMs });
  if (err instanceof UpstreamUnavailable) {
    return new AppError('upstream_unavailable', err.breakerOpen ? `${what} is unavailable (circuit open after repeated failures)` : `${what} is unavailable: ${text}`, {
      ...details,
      breakerOpen: err.breakerOpen,
    });
  }
  if (err instanceof UpstreamNotFound) return new AppError('not_found', `${what}: ${text}`, details);
  if (err instanceof UpstreamBadRequest) return new AppError('bad_request', `${what} refused the request: ${text}`, details);
  if (err instanceof UpstreamAuth) return new AppError('upstream_error', `${what} rejected the account's API key (${err.status})`, details);
  return new AppError('upstream_error', `${what} answered unexpectedly: ${text}`, details);
}

/**
 * A summary of a failure that is safe to store and show (an account's `lastError`): the operation, the HTTP status
 * and Google's status code, never text the upstream sent. Whatever answers at a user-supplied URL must not be able
 * to make us display its content, and "connection refused" must read like "timeout" (no port scanning).
 */
export function publicUpstreamMessage(err: unknown): string {
  if (!(err instanceof UpstreamError)) return 'sync failed (internal error; see the server log)';
  const code = err.upstreamStatus && /^[A-Z_]{3,40}$/.test(err.upstreamStatus) ? ` ${err.upstreamStatus}` : '';
  if (err instanceof UpstreamUnavailable && err.breakerOpen) return `${err.op}: circuit open after repeated failures`;
  if (err.status === undefined) return `${err.op}: upstream unreachable`;
  if (err instanceof UpstreamMalformed) return `${err.op}: upstream answered HTTP ${err.status} with an unreadable body`;
  return `${err.op}: upstream answered HTTP ${err.status}${code}`;
}
