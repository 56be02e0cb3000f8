import type { Hono } from 'hono';
import { json, readJson } from '../http.ts';
import type { SimContext } from '../context.ts';
import { SimError, invalidArgument, notFound } from '../errors.ts';
import { SESSION_STATES, type SessionState } from '../types.ts';
import { agentForce } from '../agent.ts';
import { sessionToWire } from '../wire.ts';
import { formatMicros } from '../time.ts';

/** Sim time as both ISO text and epoch ms. */
export function clockBody(ctx: SimContext): { now: string; nowMs: number } {
  const nowMs = ctx.clock.now();
  return { now: formatMicros(Math.round(nowMs * 1000)), nowMs };
}

/** Applies the due events of every world (a control call looks at all of them). */
export function syncAll(ctx: SimContext): void {
  for (const w of ctx.worlds.all()) w.engine.sync();
}

/** Per-state session counts over every world, every state present. */
export function byState(ctx: SimContext): Record<string, number> {
  const out: Record<string, number> = { ...ctx.engine.store.stateCounts };
  for (const w of ctx.worlds.all()) {
    if (w.engine === ctx.engine) continue;
    for (const [k, n] of Object.entries(w.engine.store.stateCounts)) out[k] = (out[k] ?? 0) + n;
  }
  return out;
}

/** One row per live session, for tests and dashboards of the simulator itself. */
export function sessionRows(ctx: SimContext): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = [];
  for (const w of ctx.worlds.all()) {
    const apiKey = ctx.worlds.keyOf(w);
    for (const s of w.engine.store.byId.values()) {
      rows.push({
        id: s.id, behaviour: s.agent.behaviour, state: s.state, archived: s.archived, title: s.title,
        createTime: formatMicros(s.createUs), updateTime: formatMicros(s.updateUs), activities: s.activities.length,
        ...(s.source ? { source: s.source } : {}), ...(apiKey ? { apiKey } : {}),
      });
    }
  }
  return rows;
}

/** Forces a session's state as a control action (PAUSED is only reachable this way). */
export function forceState(ctx: SimContext, id: string, state: unknown, reason: unknown): void {
  syncAll(ctx);
  const engine = ctx.worlds.holding(id)?.engine;
  const s = engine?.store.byId.get(id);
  if (!engine || !s) throw notFound(`Session not found: sessions/${id}`);
  if (typeof state !== 'string' || !SESSION_STATES.includes(state as SessionState)) {
    throw invalidArgument(`state must be one of ${SESSION_STATES.join(', ')}`);
  }
  if (reason !== undefined && typeof reason !== 'string') throw invalidArgument('reason must be a string');
  agentForce(engine, s, state as SessionState, reason, engine.nowUs());
}

/** The `/_sim/*` control and observation API (no API key). */
export function registerControlRoutes(app: Hono, ctx: SimContext): void {
  app.use('/_sim/*', async (_c, next) => {
    syncAll(ctx);
    await next();
  });
  app.post('/_sim/reset', () => {
    ctx.reset();
    return json({ ok: true, ...clockBody(ctx) });
  });
  app.get('/_sim/clock', () => json(clockBody(ctx)));
  app.post('/_sim/clock', async (c) => {
    const b = (await readJson(c)) as { advanceMs?: unknown; advanceSeconds?: unknown };
    const ms = typeof b.advanceMs === 'number' ? b.advanceMs : typeof b.advanceSeconds === 'number' ? b.advanceSeconds * 1000 : NaN;
    if (!Number.isFinite(ms) || ms < 0) throw invalidArgument('body needs a non-negative advanceMs or advanceSeconds');
    ctx.clock.advance(ms);
    syncAll(ctx);
    return json(clockBody(ctx));
  });
  app.get('/_sim/sessions', () => json(sessionRows(ctx)));
  app.post('/_sim/sessions/:id/state', async (c) => {
    const b = (await readJson(c)) as { state?: unknown; reason?: unknown };
    const id = c.req.param('id');
    forceState(ctx, id, b.state, b.reason);
    return json(sessionToWire(ctx.worlds.holding(id)!.engine.store.byId.get(id)!));
  });
  app.get('/_sim/faults', () => json(ctx.faults.get()));
  app.post('/_sim/faults', async (c) => {
    const cfg = ctx.faults.set(await readJson(c));
    ctx.applyLimits();
    return json(cfg);
  });
  app.get('/_sim/plan', () => json(ctx.planStatus()));
  app.post('/_sim/plan', async (c) => {
    const b = (await readJson(c)) as { plan?: unknown; apiKey?: unknown };
    if (typeof b !== 'object' || b === null || Array.isArray(b) || !('plan' in b)) {
      throw invalidArgument('body needs plan: free, pro, ultra, custom:C/D, { concurrent, daily } or null', 'plan');
    }
    const extra = Object.keys(b).filter((k) => k !== 'plan' && k !== 'apiKey');
    if (extra.length) throw invalidArgument(`unknown field ${extra[0]}`, extra[0]);
    if (b.apiKey !== undefined && (typeof b.apiKey !== 'string' || !b.apiKey)) throw invalidArgument('apiKey must be a non-empty string', 'apiKey');
    return json(ctx.setPlan(b.plan ?? null, b.apiKey as string | undefined));
  });
  app.get('/_sim/stats', () => json({ requests: ctx.observer.requestStats(), sessions: { byState: byState(ctx) } }));
  app.post('/_sim/stats/reset', () => {
    ctx.observer.resetStats();
    return json({ ok: true });
  });
  app.get('/_sim/log', (c) => {
    const limitRaw = c.req.query('limit');
    const limit = limitRaw === undefined ? undefined : Number(limitRaw);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new SimError('INVALID_ARGUMENT', 'limit must be a non-negative integer');
    return json(ctx.observer.entries({ since: c.req.query('since'), limit }));
  });
}
