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
  constructor(
    message: string,
    op: string,
    status?: number,
    upstreamStatus?: string,
    readonly breakerOpen = false,
    /** No connection was made (refused by the address guard, DNS, connection refused): the request was never sent. */
    readonly notSent = false,
  ) {
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

/** The upstream's own words without our `op: HTTP nnn` prefix (the call name is ours, not the user's business). */
export function upstreamText(err: UpstreamError): string {
  const prefix = `${err.op}: `;
  let text = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  if (err.status !== undefined) text = text.replace(new RegExp(`^HTTP ${err.status} ?`), '');
  return text.trim();
}

/** The same for an account at a user-supplied URL: only the status and Google's code, never the upstream's text. */
function quietText(err: UpstreamError): string {
  const code = err.upstreamStatus && /^[A-Z_]{3,40}$/.test(err.upstreamStatus) ? ` ${err.upstreamStatus}` : '';
  if (err.status === undefined) return 'it could not be reached';
  if (err instanceof UpstreamMalformed) return `it answered HTTP ${err.status} with an unreadable body`;
  return `it answered HTTP ${err.status}${code}`;
}

/** True for the upstream's "not in this state" refusal (400 FAILED_PRECONDITION). */
export const isPrecondition = (err: unknown): boolean => err instanceof UpstreamBadRequest && err.upstreamStatus === 'FAILED_PRECONDITION';

/**
 * Maps an upstream failure to the API's error codes, in the user's terms (429 -> rate_limited with retryAfterMs,
 * 5xx/breaker -> upstream_unavailable, 404 -> not_found, FAILED_PRECONDITION -> conflict ...). Messages never name
 * our call (`sessions.approvePlan`): `doing` says what the user asked for ("approve the plan"); `details.upstream`
 * keeps the status and Google's code for machines. Anything that is not an upstream failure is returned unchanged.
 * `quiet` (accounts at a user-supplied URL) keeps every word the upstream sent out of the message.
 */
export function upstreamToAppError(err: unknown, what = 'Jules', opts: { quiet?: boolean; doing?: string } = {}): unknown {
  if (!(err instanceof UpstreamError)) return err;
  const text = opts.quiet ? quietText(err) : upstreamText(err) || `HTTP ${err.status ?? 'error'}`;
  const code = err.upstreamStatus && (!opts.quiet || /^[A-Z_]{3,40}$/.test(err.upstreamStatus)) ? err.upstreamStatus : null;
  const details = { upstream: { status: err.status ?? null, code } };
  const doing = opts.doing ?? 'do this';
  if (err instanceof UpstreamRateLimited) return new AppError('rate_limited', `${what} is limiting requests from this account; try again in ${Math.ceil(err.retryAfterMs / 1000)} s`, { ...details, retryAfterMs: err.retryAfterMs });
  if (err instanceof UpstreamUnavailable) {
    const retryAfterMs = (err as UpstreamUnavailable & { retryAfterMs?: number }).retryAfterMs;
    return new AppError(
      'upstream_unavailable',
      err.breakerOpen ? `${what} is unavailable: paused after repeated failures, trying again shortly` : `${what} is unavailable right now (${text}); try again later`,
      { ...details, breakerOpen: err.breakerOpen, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
    );
  }
  if (err instanceof UpstreamNotFound) return new AppError('not_found', `${what} does not know what this refers to (${text})`, details);
  if (isPrecondition(err)) return new AppError('conflict', `${what} cannot ${doing} in the current state (${text})`, details);
  if (err instanceof UpstreamBadRequest) return new AppError('bad_request', `${what} refused to ${doing}: ${text}`, details);
  if (err instanceof UpstreamAuth) return new AppError('upstream_error', `${what} rejected this account's API key (HTTP ${err.status}): check the key in Settings, Jules accounts`, details);
  return new AppError('upstream_error', `${what} answered unexpectedly (${text})`, details);
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
