import { z } from '@hono/zod-openapi';

/** Error codes every API error carries; the HTTP layer maps each code to one status. */
export const ErrorCode = z.enum([
  'bad_request',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'budget_exhausted',
  'upstream_unavailable',
  'upstream_error',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** HTTP status for each error code: the one place this mapping lives (server and client share it). */
export const errorStatus: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  budget_exhausted: 402,
  upstream_unavailable: 503,
  upstream_error: 502,
  internal: 500,
};

/** One field-level problem found while validating input. */
export const FieldIssue = z.object({
  path: z.string().openapi({ example: 'body.prompt' }),
  message: z.string(),
  code: z.string().optional(),
});
export type FieldIssue = z.infer<typeof FieldIssue>;

/**
 * `error.details`, always an object (never an array): `issues` names every bad input by where it came from
 * (`body.prompt`, `query.state`, `header.authorization`), `retryAfterMs` says when a 429/503 is worth retrying,
 * `state` is the resource's state a 409 refused to act in, `allowed` the methods (405) or values a field takes.
 * Other keys are facts for machines (e.g. `reason`, `upstreamStatus`) and may be added; these four never change.
 */
export const ErrorDetails = z
  .object({
    issues: z.array(FieldIssue).optional().openapi({ description: 'One entry per bad input; `path` says where it came from (body., query., param., header.)' }),
    retryAfterMs: z.number().int().min(0).optional().openapi({ description: 'When retrying makes sense, in milliseconds' }),
    state: z.string().optional().openapi({ description: 'The current state a 409 refused to act in, e.g. COMPLETED' }),
    allowed: z.array(z.string()).optional().openapi({ description: 'The methods a 405 path takes, or the values a refused field takes' }),
  })
  .catchall(z.unknown())
  .openapi('ErrorDetails');
/** The keys with a fixed meaning, and room for more facts. A bad field is always an `issues` entry. */
export type ErrorDetails = { issues?: FieldIssue[]; retryAfterMs?: number; state?: string; allowed?: string[] } & Record<string, unknown>;

/** `{ issues: [{ path, message }] }`: the details of an error about one input. */
export const fieldIssue = (path: string, message: string, code?: string): ErrorDetails => ({ issues: [{ path, message, ...(code ? { code } : {}) }] });

/** The single error shape of every API response with a 4xx or 5xx status. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: ErrorCode,
      message: z.string(),
      details: ErrorDetails.optional(),
      requestId: z.string().optional(),
    }),
  })
  .openapi('Error');
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Opaque cursor pagination, shared by every list endpoint. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ param: { name: 'limit', in: 'query' } }),
  cursor: z.string().max(512).optional().openapi({ param: { name: 'cursor', in: 'query' } }),
});
export type PageQuery = z.infer<typeof PageQuery>;

/** Wraps an item schema in the list envelope `{ items, nextCursor }`. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const IsoDate = z.string().openapi({ example: '2026-11-23T10:00:00.000Z' });
