import { ErrorBody, errorStatus, type ErrorCode, type ErrorDetails, type FieldIssue } from '@autopilot/contracts';

/**
 * Every failed API call becomes one of these: the server's error shape (code, message, details, requestId) plus
 * the HTTP status. Network failures and unparseable responses get a code too, so callers switch on `code` only.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network_error' | 'invalid_response',
    message: string,
    /** The server's `error.details`: always an object (`issues`, `retryAfterMs`, `state`, `allowed`, ...). */
    readonly details?: ErrorDetails,
    readonly requestId?: string,
  ) {
    super(message);
  }

  /** Every bad input the server named (`[{ path: 'body.prompt', message }]`); empty when none. */
  get issues(): FieldIssue[] {
    return this.details?.issues ?? [];
  }

  /** The issues by field, without the `body.` / `query.` prefix: `{ prompt: 'required' }` (the first per field). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const i of this.issues) {
      const key = i.path.replace(/^(body|query|param|header)\./, '');
      out[key] ??= i.message;
    }
    return out;
  }

  /** When the server said retrying makes sense (429, some 503s), in ms. */
  get retryAfterMs(): number | undefined {
    return this.details?.retryAfterMs;
  }

  /** True for errors worth retrying later (network, rate limit, upstream trouble), false for the caller's mistakes. */
  get retryable(): boolean {
    return this.code === 'network_error' || this.code === 'rate_limited' || this.status >= 500;
  }
}

/** The error code a bare status maps to, used when a non-JSON error (a proxy's 502 page) has no body to read. */
function codeForStatus(status: number): ErrorCode {
  const found = (Object.entries(errorStatus) as [ErrorCode, number][]).find(([, s]) => s === status);
  if (found) return found[0];
  return status >= 500 ? 'internal' : 'bad_request';
}

/** Builds an ApiError from an error response, reading the shared error shape when the body has it. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = ErrorBody.safeParse(json);
  if (parsed.success) {
    const e = parsed.data.error;
    return new ApiError(res.status, e.code, e.message, e.details as ErrorDetails | undefined, e.requestId);
  }
  return new ApiError(res.status, codeForStatus(res.status), text.slice(0, 200) || `HTTP ${res.status}`);
}
