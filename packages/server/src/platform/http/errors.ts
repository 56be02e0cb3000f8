import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { errorStatus, type ErrorBody, type ErrorCode, type ErrorDetails, type FieldIssue } from '@autopilot/contracts';
import { AppError, normalizeDetails } from '../errors';
import type { Logger } from '../logger';
import type { AppEnv } from './types';

/** Field-level issues from a zod error, prefixed with where the input came from (body, query, param). */
export function zodIssues(err: ZodError, target?: string): FieldIssue[] {
  return unwrapUnions(err.issues).map((i) => ({
    path: [target === 'json' ? 'body' : target, ...i.path.map(String)].filter(Boolean).join('.') || '(root)',
    // An enum's refusal lists what it takes, in words (query values are read in any case).
    message: i.code === 'invalid_value' && i.values.length > 1 ? `must be one of ${i.values.map(String).join(', ')}${target === 'query' ? ' (any case)' : ''}` : i.message,
    code: i.code,
  }));
}

/**
 * A union of objects that refuses a value says only "invalid input" at the union's own path; the issues of the
 * branch that came closest (fewest issues) name the field instead, e.g. `body.timezone`, not `body`.
 */
function unwrapUnions(issues: ZodError['issues']): ZodError['issues'] {
  return issues.flatMap((i) => {
    if (i.code !== 'invalid_union' || !('errors' in i) || !Array.isArray(i.errors) || i.errors.length === 0) return [i];
    const best = [...i.errors].sort((a, b) => a.length - b.length)[0]!;
    if (best.length === 0) return [i];
    return unwrapUnions(best.map((b) => ({ ...b, path: [...i.path, ...b.path] })) as ZodError['issues']);
  });
}

/** Builds the one error response shape; `details` is always an object (a bare issue list becomes `{ issues }`). */
export function errorResponse(c: Context<AppEnv>, code: ErrorCode, message: string, details?: ErrorDetails | FieldIssue[], headers?: Record<string, string>) {
  const d = normalizeDetails(details, message);
  const body: ErrorBody = { error: { code, message, ...(d === undefined ? {} : { details: d }), requestId: c.get('requestId') } };
  return c.json(body, errorStatus[code] as 400, headers);
}

const httpCodes: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** The app's onError: every thrown thing becomes the error shape; only the unexpected is a 500 (and logged). */
export function makeErrorHandler(log: Logger) {
  return (err: Error, c: Context<AppEnv>) => {
    if (err instanceof AppError) return errorResponse(c, err.code, err.message, err.details);
    if (err instanceof ZodError) return errorResponse(c, 'validation_failed', 'Invalid input', zodIssues(err));
    if (err instanceof HTTPException) {
      const code = httpCodes[err.status] ?? (err.status >= 500 ? 'internal' : 'bad_request');
      return errorResponse(c, code, err.message || code);
    }
    // Malformed request bodies surface as SyntaxError/TypeError from body parsing: the client's fault.
    if (err instanceof SyntaxError) return errorResponse(c, 'bad_request', 'Malformed JSON in request body');
    log.error({ err, requestId: c.get('requestId'), path: c.req.path }, 'unhandled error');
    return errorResponse(c, 'internal', 'Internal error');
  };
}
