import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { ErrorBody, jsonOk, scopeAllows, type RouteDeclaration } from '@autopilot/contracts';
import { AppError, forbidden } from '../errors';
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

type Def = { type: string; innerType?: z.ZodType; entries?: Record<string, unknown> };
const defOf = (s: unknown): Def | undefined => (s as { def?: Def } | undefined)?.def;

/** The values of an enum, looking through optional/default/nullable; undefined for anything else. */
function enumValues(schema: z.ZodType): string[] | undefined {
  let d = defOf(schema);
  while (d && (d.type === 'optional' || d.type === 'default' || d.type === 'nullable' || d.type === 'prefault') && d.innerType) d = defOf(d.innerType);
  if (d?.type !== 'enum' || !d.entries) return undefined;
  const values = Object.values(d.entries);
  return values.every((v): v is string => typeof v === 'string') ? values : undefined;
}

/**
 * Enum query parameters take their values in any case (`state=completed`, `archived=TRUE`): each is read through
 * a preprocess to the declared spelling, so the document still lists the exact values and an unknown value is the
 * enum's own 400 naming the parameter and the values it takes. Done once per declaration, at registration.
 */
export function caseInsensitiveQuery<Q extends z.ZodType>(query: Q): Q {
  const obj = query as unknown as z.ZodObject;
  if (defOf(obj)?.type !== 'object') return query;
  const patch: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(obj.shape as Record<string, z.ZodType>)) {
    const values = enumValues(field);
    if (!values) continue;
    const canon = new Map(values.map((v) => [v.toLowerCase(), v]));
    if (canon.size !== values.length) continue; // values differing only in case: case matters here
    patch[key] = z.preprocess((v) => (typeof v === 'string' ? (canon.get(v.toLowerCase()) ?? v) : v), field);
  }
  return (Object.keys(patch).length ? obj.extend(patch) : query) as Q;
}

/**
 * Routes are declared in `@autopilot/contracts` (routes/<feature>.ts), never here: see the routes-contract test.
 *
 * A route declaration from `@autopilot/contracts` (`routes.<feature>.<name>`), ready for `app.openapi`: bearer
 * security and the standard error responses added, and its `minRole` enforced (403 with its `denied` message,
 * before the body is read) and documented as `x-min-role`.
 */
export function apiRoute<R extends RouteDeclaration>(declaration: R) {
  const { minRole, denied, scope, ...cfg } = declaration;
  const guard: MiddlewareHandler<AppEnv> = async (c, next) => {
    const auth = c.get('auth') as AuthContext | undefined;
    // No auth: a public route (security: [], let through by requireAuth's isPublicApi): nobody to check.
    if (auth === undefined) return next();
    if (minRole && !hasRole(auth, minRole)) throw forbidden(denied ?? `Needs the ${minRole} role or higher`);
    if (scope && !scopeAllows(auth.scopes, scope)) throw new AppError('forbidden', `This API key lacks the scope ${scope}`, [{ path: 'header.authorization', message: `needs scope ${scope}` }]);
    await next();
  };
  const request = cfg.request?.query ? { ...cfg.request, query: caseInsensitiveQuery(cfg.request.query as z.ZodType) } : cfg.request;
  return createRoute({
    security: [{ Bearer: [] }],
    ...cfg,
    ...(request ? { request } : {}),
    ...(minRole ? { 'x-min-role': minRole } : {}),
    ...(scope ? { 'x-scope': scope } : {}),
    middleware: guard,
    responses: { ...standardErrors, ...(minRole && denied ? { 403: err(denied) } : {}), ...cfg.responses },
  } as unknown as R);
}

/** The workspace the request acts in: its key's (or log-in session's). Every /api route is scoped to it. */
export const workspaceOf = (c: { get(key: 'auth'): AuthContext }) => c.get('auth').workspaceId;
