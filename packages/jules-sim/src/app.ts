import { Hono } from 'hono';
import type { SimContext } from './context.ts';
import { SimError } from './errors.ts';
import { corruptBody } from './faults.ts';
import { JSON_TYPE, errorResponse, json, type ApiWrapper } from './http.ts';
import { registerSessionRoutes } from './routes/sessions.ts';
import { registerActivityRoutes } from './routes/activities.ts';
import { registerSourceRoutes } from './routes/sources.ts';
import { registerControlRoutes } from './routes/control.ts';

function checkKey(ctx: SimContext, key: string | undefined): void {
  if (!key) throw new SimError('UNAUTHENTICATED', 'Request is missing required authentication credential. Expected an API key.');
  if (ctx.apiKeys && !ctx.apiKeys.includes(key)) {
    throw new SimError('UNAUTHENTICATED', 'API key not valid. Please pass a valid API key.');
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function makeWrapper(ctx: SimContext): ApiWrapper {
  return (opOrFn, handler) => async (c) => {
    const arrived = new Date().toISOString();
    const key = c.req.header('x-goog-api-key');
    // Only an accepted key may pick (and so create) a world; any other request is refused in the shared one.
    const w = key && (!ctx.apiKeys || ctx.apiKeys.includes(key)) ? ctx.forKey(key) : ctx;
    w.engine.sync();
    const op = typeof opOrFn === 'function' ? opOrFn(c) : opOrFn;
    const rawId = c.req.param('id') ?? c.req.param('idAndVerb')?.split(':')[0];
    const session = rawId ? w.engine.store.byId.get(rawId) : undefined;
    const entry = {
      at: arrived, method: c.req.method, route: op ?? 'unknown',
      ...(rawId ? { sessionId: rawId } : {}),
      ...(session ? { stateBefore: session.state, archivedBefore: session.archived } : {}),
    };
    let res: Response;
    try {
      if (!op) throw new SimError('NOT_FOUND', `Method not found: ${c.req.method} ${c.req.path}`);
      checkKey(ctx, key);
      const overQuota = ctx.quota.hit(ctx.faults.config.minuteQuota, key!, ctx.clock.now());
      if (overQuota) throw overQuota;
      const fault = ctx.faults.decide(op, rawId);
      if (fault.delayMs) {
        await sleep(fault.delayMs);
        w.engine.sync();
      }
      if (fault.error) throw fault.error;
      const body = await handler(c, rawId, w);
      if (c.req.method !== 'GET') ctx.mutated();
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

/** Builds the Hono app serving `/v1alpha/...` and `/_sim/...`. */
export function createApp(ctx: SimContext): Hono {
  const app = new Hono();
  const api = makeWrapper(ctx);
  registerSourceRoutes(app, ctx, api);
  registerSessionRoutes(app, api);
  registerActivityRoutes(app, api);
  registerControlRoutes(app, ctx);
  app.all('/v1alpha/*', api(() => undefined, () => undefined));
  app.notFound(() => errorResponse(new SimError('NOT_FOUND', 'Not found.')));
  app.onError((err) => {
    if (err instanceof SimError) return errorResponse(err);
    return errorResponse(new SimError('INTERNAL', `Internal error encountered: ${err.message}`));
  });
  return app;
}
