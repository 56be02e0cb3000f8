import { createRoute } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { ErrorBody, jsonOk, type RouteDeclaration } from '@autopilot/contracts';
import { forbidden } from '../errors';
import { hasRole } from './auth';
import type { AppEnv, AuthContext } from './types';

const err = (description: string) => jsonOk(ErrorBody, description);

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

/**
 * Routes are declared in `@autopilot/contracts` (routes/<feature>.ts), never here: see the routes-contract test.
 *
 * A route declaration from `@autopilot/contracts` (`routes.<feature>.<name>`), ready for `app.openapi`: bearer
 * security and the standard error responses added, and its `minRole` enforced (403 with its `denied` message,
 * before the body is read) and documented as `x-min-role`.
 */
export function apiRoute<R extends RouteDeclaration>(declaration: R) {
  const { minRole, denied, ...cfg } = declaration;
  const guard: MiddlewareHandler<AppEnv> | undefined = minRole
    ? async (c, next) => {
        if (!hasRole(c.get('auth'), minRole)) throw forbidden(denied ?? `Needs the ${minRole} role or higher`);
        await next();
      }
    : undefined;
  return createRoute({
    security: [{ Bearer: [] }],
    ...cfg,
    ...(minRole ? { 'x-min-role': minRole, middleware: guard } : {}),
    responses: { ...standardErrors, ...(minRole && denied ? { 403: err(denied) } : {}), ...cfg.responses },
  } as unknown as R);
}

/** The workspace the request acts in: its key's (or log-in session's). Every /api route is scoped to it. */
export const workspaceOf = (c: { get(key: 'auth'): AuthContext }) => c.get('auth').workspaceId;
