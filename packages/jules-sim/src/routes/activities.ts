import type { Hono, Context } from 'hono';
import type { ApiWrapper } from '../http.ts';
import type { SimContext } from '../context.ts';
import { invalidArgument, notFound } from '../errors.ts';
import { decodeToken, encodeToken, lowerBound, pageSize, parseActivitiesFilter } from '../paging.ts';
import { activityToWire } from '../wire.ts';
import { activityIdFor } from '../ids.ts';
import type { SessionRecord } from '../store.ts';
import type { WireActivity } from '../types.ts';

function lookup(ctx: SimContext, id: string | undefined): SessionRecord {
  const s = id ? ctx.engine.store.byId.get(id) : undefined;
  if (!s) throw notFound(`Session not found: sessions/${id ?? ''}`);
  // Eventual consistency of the live service: activities of a brand-new session can 404 for a few seconds.
  const window = ctx.faults.config.activities404AfterCreateMs;
  if (window && ctx.engine.nowUs() - s.createUs < window * 1000) throw notFound(`Session not found: sessions/${s.id}`);
  return s;
}

function list(ctx: SimContext, c: Context, id: string | undefined): { activities?: WireActivity[]; nextPageToken?: string } {
  const s = lookup(ctx, id);
  const filter = (c.req.query('filter') ?? '').trim();
  if (filter && ctx.faults.config.rejectActivityFilter) throw invalidArgument(`Invalid filter: filtering activities is not supported here (${filter.slice(0, 60)})`, 'filter');
  const range = parseActivitiesFilter(filter);
  const size = pageSize(c.req.query('pageSize'), 50);
  const tok = decodeToken<{ s: string; o: number }>(c.req.query('pageToken'), 'a', filter);
  if (tok && (tok.s !== s.id || !Number.isInteger(tok.o) || tok.o < 0)) throw invalidArgument('Invalid page token.', 'page_token');
  const acts = s.activities;
  const lo = lowerBound(acts, range.lo, (a) => a.t);
  const hi = lowerBound(acts, range.hi, (a) => a.t);
  const start = Math.max(lo, tok?.o ?? lo);
  const end = Math.min(hi, start + size);
  const out: { activities?: WireActivity[]; nextPageToken?: string } = {};
  if (end > start) out.activities = acts.slice(start, end).map((a) => activityToWire(s, a));
  if (end < hi) out.nextPageToken = encodeToken({ k: 'a', f: filter, s: s.id, o: end });
  return out;
}

function get(ctx: SimContext, id: string | undefined, aid: string): WireActivity {
  const s = lookup(ctx, id);
  const rec = s.activities.find((a) => activityIdFor(s.seed, a.n) === aid);
  if (!rec) throw notFound(`Activity not found: sessions/${s.id}/activities/${aid}`);
  return activityToWire(s, rec);
}

/** activities.* endpoints. */
export function registerActivityRoutes(app: Hono, api: ApiWrapper): void {
  app.get('/v1alpha/sessions/:id/activities', api('activities.list', (c, id, w) => list(w, c, id)));
  app.get('/v1alpha/sessions/:id/activities/:aid', api('activities.get', (c, id, w) => get(w, id, c.req.param('aid') ?? '')));
}
