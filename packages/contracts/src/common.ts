import { z } from '@hono/zod-openapi';

/** Error codes every API error carries; the HTTP layer maps each code to one status. */
export const ErrorCode = z.enum([
  'bad_request',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
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

/** The single error shape of every API response with a 4xx or 5xx status. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: ErrorCode,
      message: z.string(),
      details: z.unknown().optional(),
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
