import { createRoute, type RouteConfig, type z } from '@hono/zod-openapi';
import { ErrorBody } from '@autopilot/contracts';

const err = (description: string) => ({ content: { 'application/json': { schema: ErrorBody } }, description });

/** The error responses every authenticated JSON route may give; listed once so the OpenAPI document is complete. */
export const standardErrors = {
  400: err('Invalid input: details lists each bad field'),
  401: err('Missing or invalid API key'),
  403: err('The key may not do this'),
  404: err('Not found in this workspace'),
  409: err('Conflicts with the current state'),
  413: err('Request body too large'),
  415: err('Body is not application/json'),
} as const;

/** A required JSON request body. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });

/** A JSON response. */
export const jsonOk = <T extends z.ZodType>(schema: T, description = 'OK') => ({ content: { 'application/json': { schema } }, description });

/** createRoute with bearer security and the standard error responses added. */
export function apiRoute<R extends RouteConfig>(cfg: R) {
  return createRoute({ security: [{ Bearer: [] }], ...cfg, responses: { ...standardErrors, ...cfg.responses } } as R);
}
