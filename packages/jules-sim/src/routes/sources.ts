import type { Hono, Context } from 'hono';
import type { ApiWrapper } from '../http.ts';
import type { SimContext } from '../context.ts';
import { invalidArgument, notFound } from '../errors.ts';
import { decodeToken, encodeToken, pageSize, parseSourcesFilter } from '../paging.ts';
import type { WireSource } from '../types.ts';

function list(ctx: SimContext, c: Context): { sources?: WireSource[]; nextPageToken?: string } {
  const filter = (c.req.query('filter') ?? '').trim();
  const names = parseSourcesFilter(filter);
  const size = pageSize(c.req.query('pageSize'), 30);
  const tok = decodeToken<{ o: number }>(c.req.query('pageToken'), 'src', filter);
  if (tok && (!Number.isInteger(tok.o) || tok.o < 0)) throw invalidArgument('Invalid page token.', 'page_token');
  const all = ctx.sources().filter((s) => !names || names.has(s.name));
  const start = tok?.o ?? 0;
  const page = all.slice(start, start + size);
  const out: { sources?: WireSource[]; nextPageToken?: string } = {};
  if (page.length) out.sources = page;
  if (start + size < all.length) out.nextPageToken = encodeToken({ k: 'src', f: filter, o: start + size });
  return out;
}

/** sources.* endpoints. The source name contains slashes, so `get` matches the rest of the path. */
export function registerSourceRoutes(app: Hono, ctx: SimContext, api: ApiWrapper): void {
  app.get('/v1alpha/sources', api('sources.list', (c) => list(ctx, c)));
  app.get('/v1alpha/sources/*', api('sources.get', (c) => {
    const name = decodeURIComponent(c.req.path.replace(/^\/v1alpha\//, ''));
    const src = ctx.sources().find((s) => s.name === name);
    if (!src) throw notFound(`Source not found: ${name}`);
    return src;
  }));
}
