import type { Context } from 'hono';
import { SimError } from './errors.ts';
import type { Op } from './faults.ts';
import type { SimContext } from './context.ts';

/** HTTP helpers shared by the app and the route modules. */
export const JSON_TYPE = 'application/json; charset=UTF-8';

/**
 * A route handler: returns the JSON body of a 200 answer or throws a {@link SimError}. `w` is the context of the
 * world the request's API key works in.
 */
export type ApiHandler = (c: Context, sessionId: string | undefined, w: SimContext) => unknown | Promise<unknown>;

/** Wraps an API handler with the per-request pipeline: catch-up, auth, faults, accounting. */
export type ApiWrapper = (
  op: Op | ((c: Context) => Op | undefined),
  handler: ApiHandler,
) => (c: Context) => Promise<Response>;

/** Sends a JSON body the way Google front ends do. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': JSON_TYPE, ...headers } });
}

export function errorResponse(e: SimError): Response {
  return json(e.body(), e.code, e.headers);
}

/** Reads a JSON request body; an empty body is `{}`, invalid JSON is INVALID_ARGUMENT. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new SimError('INVALID_ARGUMENT', 'Invalid JSON payload received. Unexpected token.');
  }
}

