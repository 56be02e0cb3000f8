import { Hono, type Context } from 'hono';
import type { LogEntry } from './observe.ts';
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

/** Over HTTP, drops the request's connection without an answer (true when there was one to drop). */
function dropConnection(c: Context): boolean {
  const env = c.env as { incoming?: { socket?: { destroy(): void } } } | undefined;
  const socket = env?.incoming?.socket;
  if (!socket) return false;
  socket.destroy();
  return true;
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
    let counted = false;
    let extra: Partial<LogEntry> = {};
    try {
      if (!op) throw new SimError('NOT_FOUND', `Method not found: ${c.req.method} ${c.req.path}`);
      checkKey(ctx, key);
      if (op === 'sessions.create') {
        // In flight from here until answered: what the parallel-create fault counts.
        w.world.inFlight++;
        counted = true;
        const latency = ctx.faults.config.parallelCreates?.latencyMs;
        if (latency) {
          await sleep(latency);
          w.engine.sync();
        }
      }
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
      if (e.reason) extra = { reason: e.reason, message: e.message };
      if (e.createdSessionId) {
        // The service did create the session; only its answer is lost.
        extra.sessionId = e.createdSessionId;
        ctx.mutated();
        if (dropConnection(c)) extra.status = 0;
      }
    } finally {
      if (counted) w.world.inFlight--;
    }
    ctx.observer.record({ ...entry, status: res.status, ...extra });
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
