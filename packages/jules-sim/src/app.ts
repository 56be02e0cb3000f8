import { Hono, type Context } from 'hono';
import type { SimContext } from './context.ts';
import { SimError } from './errors.ts';
import { corruptBody, type Op } from './faults.ts';
import { registerSessionRoutes } from './routes/sessions.ts';
import { registerActivityRoutes } from './routes/activities.ts';
import { registerSourceRoutes } from './routes/sources.ts';
import { registerControlRoutes } from './routes/control.ts';

const JSON_TYPE = 'application/json; charset=UTF-8';

/** A route handler: returns the JSON body of a 200 answer or throws a {@link SimError}. */
export type ApiHandler = (c: Context, sessionId: string | undefined) => unknown | Promise<unknown>;

/** Wraps an API handler with the per-request pipeline: catch-up, auth, faults, accounting. */
export type ApiWrapper = (
  op: Op | ((c: Context) => Op | undefined),
  handler: ApiHandler,
) => (c: Context) => Promise<Response>;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends a JSON body the way Google front ends do. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': JSON_TYPE, ...headers } });
}

function errorResponse(e: SimError): Response {
  return json(e.body(), e.code, e.headers);
}

function checkKey(ctx: SimContext, key: string | undefined): void {
  if (!key) throw new SimError('UNAUTHENTICATED', 'Request is missing required authentication credential. Expected an API key.');
  if (ctx.apiKeys && !ctx.apiKeys.includes(key)) {
    throw new SimError('UNAUTHENTICATED', 'API key not valid. Please pass a valid API key.');
  }
}

function makeWrapper(ctx: SimContext): ApiWrapper {
  return (opOrFn, handler) => async (c) => {
    const arrived = new Date().toISOString();
    ctx.engine.sync();
    const op = typeof opOrFn === 'function' ? opOrFn(c) : opOrFn;
    const rawId = c.req.param('id') ?? c.req.param('idAndVerb')?.split(':')[0];
    const session = rawId ? ctx.engine.store.byId.get(rawId) : undefined;
    const entry = {
      at: arrived, method: c.req.method, route: op ?? 'unknown',
      ...(rawId ? { sessionId: rawId } : {}),
      ...(session ? { stateBefore: session.state, archivedBefore: session.archived } : {}),
    };
    let res: Response;
    try {
      if (!op) throw new SimError('NOT_FOUND', `Method not found: ${c.req.method} ${c.req.path}`);
      checkKey(ctx, c.req.header('x-goog-api-key'));
      const fault = ctx.faults.decide(op, rawId);
      if (fault.delayMs) {
        await sleep(fault.delayMs);
        ctx.engine.sync();
      }
      if (fault.error) throw fault.error;
      const body = await handler(c, rawId);
      res = fault.corrupt
        ? new Response(corruptBody(JSON.stringify(body), fault.corrupt), { status: 200, headers: { 'content-type': JSON_TYPE } })
        : json(body);
    } catch (e) {
      if (!(e instanceof SimError)) throw e;
      res = errorResponse(e);
    }
    ctx.observer.record({ ...entry, status: res.status });
    return res;
  };
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

/** Builds the Hono app serving `/v1alpha/...` and `/_sim/...`. */
export function createApp(ctx: SimContext): Hono {
  const app = new Hono();
  const api = makeWrapper(ctx);
  registerSourceRoutes(app, ctx, api);
  registerSessionRoutes(app, ctx, api);
  registerActivityRoutes(app, ctx, api);
  registerControlRoutes(app, ctx);
  app.all('/v1alpha/*', api(() => undefined, () => undefined));
  app.notFound(() => errorResponse(new SimError('NOT_FOUND', 'Not found.')));
  app.onError((err) => {
    if (err instanceof SimError) return errorResponse(err);
    return errorResponse(new SimError('INTERNAL', `Internal error encountered: ${err.message}`));
  });
  return app;
}
