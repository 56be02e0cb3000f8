import { z, type RouteConfig } from '@hono/zod-openapi';
import type { Role } from '../workspaces';

/**
 * One API route, declared once: method, path (`{param}` placeholders), params, query, body and responses, with its
 * summary and tags. The server registers its handler with it (`apiRoute` adds bearer security and the standard
 * errors) and the client builds its method from it, so a path or schema cannot differ between the two.
 */
export type RouteDeclaration = RouteConfig & {
  /** The least role a key needs; the server refuses lower ones with 403 `denied`. Omitted: every role may. */
  minRole?: Role;
  /** The 403 message for a key below `minRole`. */
  denied?: string;
  /**
   * The scope a scoped API key needs: `<resource>:<read|write>`, resource = the feature the route is declared in
   * (`sessions:read`, `keeper:write`). Set by `assignOperationIds`; documented as `x-scope`.
   */
  scope?: string;
};

/** The verb of a scope: reads are GET/HEAD, everything else writes. */
export const scopeVerb = (method: string): 'read' | 'write' => (method === 'get' || method === 'head' ? 'read' : 'write');

/** Whether a key's scopes grant `needed` (`sessions:read`): exact, `<resource>:*`, or `*`. */
export function scopeAllows(scopes: readonly string[] | null | undefined, needed: string): boolean {
  if (scopes == null) return true;
  const [resource] = needed.split(':');
  return scopes.some((s) => s === '*' || s === needed || s === `${resource}:*`);
}

/** Keeps each declaration's literal types (method, status codes, schemas) while checking it is a route. */
export const declareRoutes = <T extends Record<string, RouteDeclaration>>(routes: T): T => routes;

/** A required JSON request body. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } }, required: true as const });

/** A JSON response. */
export const jsonOk = <T extends z.ZodType>(schema: T, description = 'OK') => ({ content: { 'application/json': { schema } }, description });

/** The `{id}` path parameter every route on one resource takes. */
export const IdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' } }) });

type JsonSchemaOf<C> = C extends { content: { 'application/json': { schema: infer S extends z.ZodType } } } ? S : never;
type SuccessCode = 200 | 201 | 202 | 204;

/** The path parameters a route takes (`{ id: string }`), or never when its path has none. */
export type RouteParams<R> = R extends { request: { params: infer P extends z.ZodType } } ? { [K in keyof z.input<P>]: string } : never;
/** The query a route accepts, as sent (before the server's coercion). */
export type RouteQuery<R> = R extends { request: { query: infer Q extends z.ZodType } } ? z.input<Q> : never;
/** The JSON body a route accepts, as sent (defaults not yet applied). */
export type RouteBody<R> = R extends { request: { body: infer B } } ? z.input<JsonSchemaOf<B>> : never;
/** What a route answers on success: its JSON response parsed, or void for an empty (204) one. */
export type RouteResult<R> = R extends { responses: infer Rs }
  ? [JsonSchemaOf<Rs[Extract<keyof Rs, SuccessCode>]>] extends [never]
    ? void
    : z.output<JsonSchemaOf<Rs[Extract<keyof Rs, SuccessCode>]>>
  : never;

/**
 * The status and JSON schema (if any) of a route's success response: what a client parses the answer with. A route
 * with several success responses (201 created / 202 queued, 201 / 200 replayed) is parsed with their union.
 */
const successCache = new WeakMap<RouteDeclaration, { status: number; schema: z.ZodType | undefined }>();
export function successOf(route: RouteDeclaration): { status: number; schema: z.ZodType | undefined } {
  const hit = successCache.get(route);
  if (hit) return hit;
  const found: Array<{ status: number; schema: z.ZodType | undefined }> = [];
  for (const [code, res] of Object.entries(route.responses)) {
    const status = Number(code);
    if (status < 200 || status > 299) continue;
    const content = (res as { content?: Record<string, { schema?: unknown }> }).content;
    const schema = content?.['application/json']?.schema;
    found.push({ status, schema: typeof (schema as z.ZodType | undefined)?.safeParse === 'function' ? (schema as z.ZodType) : undefined });
  }
  if (found.length === 0) throw new Error(`${route.method.toUpperCase()} ${route.path} declares no success response`);
  const schemas = [...new Set(found.map((f) => f.schema).filter((x): x is z.ZodType => x !== undefined))];
  const schema = schemas.length > 1 ? z.union(schemas as [z.ZodType, z.ZodType, ...z.ZodType[]]) : schemas[0];
  const out = { status: found[0].status, schema };
  successCache.set(route, out);
  return out;
}

/**
 * Gives every declaration its OpenAPI `operationId`, derived from where it is declared: feature + key
 * (`routes.sessions.list` -> `sessionsList`, `routes.keeper.updateSettings` -> `keeperUpdateSettings`). One explicit
 * `operationId` in a declaration wins. Throws when two routes would share one (the document must not).
 */
export function assignOperationIds(routes: Record<string, Record<string, RouteDeclaration>>): void {
  const seen = new Map<string, string>();
  for (const [feature, decls] of Object.entries(routes)) {
    for (const [key, decl] of Object.entries(decls)) {
      const id = decl.operationId ?? `${feature}${key[0].toUpperCase()}${key.slice(1)}`;
      const where = `routes.${feature}.${key}`;
      const other = seen.get(id);
      if (other && other !== where) throw new Error(`operationId ${id} is used by both ${other} and ${where}`);
      seen.set(id, where);
      (decl as { operationId?: string }).operationId = id;
      (decl as { scope?: string }).scope ??= `${feature}:${scopeVerb(decl.method)}`;
    }
  }
}
