import type { Context, Handler } from 'hono';
import { isoSeconds } from './clock.ts';
import { GhError } from './errors.ts';
import { etagOf } from './ids.ts';
import type { RateLimits } from './limits.ts';
import type { RequestLog } from './log.ts';

export const JSON_TYPE = 'application/json; charset=utf-8';

/** A handler's answer: a JSON body (status 200 unless said), or raw bytes/text with a content type. */
export type Answer = { status?: number; body?: unknown; raw?: string | Uint8Array; type?: string; headers?: Record<string, string> };
export type ApiHandler = (c: Context) => Answer | Promise<Answer>;

export interface Pipeline {
  tokens: Map<string, string> | null;
  limits: RateLimits;
  log: RequestLog;
  now(): number;
  /** Catches state up with the clock before each request. */
  sync(): void;
}

export function tokenOf(c: Context): string | undefined {
  const h = c.req.header('authorization');
  const m = h?.match(/^(?:token|bearer)\s+(\S+)$/i);
  return m?.[1];
}

export async function readBody(c: Context): Promise<Record<string, any>> {
  const text = await c.req.text();
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v;
  } catch {
    // fall through
  }
  throw new GhError(400, 'Problems parsing JSON');
}

const sameTag = (header: string | undefined, tag: string): boolean =>
  !!header && header.split(',').some((t) => t.trim() === '*' || t.trim().replace(/^W\//, '') === tag.replace(/^W\//, ''));

/**
 * Wraps a REST handler with what every GitHub answer has: auth (401), the rate limit (403 at 0, headers on every
 * answer), a weak ETag on GETs with 304 on If-None-Match (a 304 is not counted, as on GitHub), and the request log.
 */
export function makeApi(p: Pipeline) {
  return (route: string, handler: ApiHandler): Handler => async (c) => {
    p.sync();
    const token = tokenOf(c);
    const known = token !== undefined && (p.tokens === null || p.tokens.has(token));
    const bucket = p.limits.bucket(known ? token : 'anonymous');
    const entry = { at: isoSeconds(p.now()), method: c.req.method, path: c.req.path, route: `${c.req.method} ${route}`, ...(known ? { token: token.slice(-4) } : {}) };
    let res: Response;
    let counted = false;
    let notModified = false;
    try {
      if (!known) throw new GhError(401, token ? 'Bad credentials' : 'Requires authentication');
      if (bucket.used >= bucket.limit) {
        throw new GhError(403, `API rate limit exceeded for user ID ${1}. If you reach out to GitHub Support for help, please include the request ID.`, { documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' });
      }
      const a = await handler(c);
      const status = a.status ?? 200;
      const bytes = a.raw ?? (a.body === undefined ? '' : JSON.stringify(a.body));
      const headers: Record<string, string> = { ...a.headers };
      if (a.raw !== undefined || a.body !== undefined) headers['content-type'] = a.type ?? JSON_TYPE;
      if (c.req.method === 'GET' && status === 200) {
        const tag = etagOf(bytes);
        headers.etag = tag;
        headers['cache-control'] = 'private, max-age=60, s-maxage=60';
        headers.vary = 'Accept, Authorization, Cookie, X-GitHub-OTP';
        notModified = sameTag(c.req.header('if-none-match'), tag);
      }
      if (!notModified) {
        bucket.used++;
        counted = true;
      }
      res = notModified
        ? new Response(null, { status: 304, headers: { etag: headers.etag, 'cache-control': headers['cache-control'], vary: headers.vary } })
        : new Response(status === 204 ? null : typeof bytes === 'string' ? bytes : new Blob([bytes as Uint8Array<ArrayBuffer>]), { status, headers });
    } catch (e) {
      if (!(e instanceof GhError)) throw e;
      if (e.status !== 401 && e.status !== 403) {
        bucket.used++;
        counted = true;
      }
      res = new Response(JSON.stringify(e.body()), { status: e.status, headers: { 'content-type': JSON_TYPE, ...e.headers } });
    }
    for (const [k, v] of Object.entries(p.limits.headers(bucket))) res.headers.set(k, v);
    res.headers.set('x-github-api-version-selected', '2022-11-28');
    res.headers.set('x-github-media-type', 'github.v3; format=json');
    p.log.record({ ...entry, status: res.status, notModified, counted, rateRemaining: Math.max(0, bucket.limit - bucket.used) });
    return res;
  };
}

/** `page`/`per_page` paging with GitHub's `Link` header (first, prev, next, last). */
export function paginate<T>(c: Context, items: T[]): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(c.req.query('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(c.req.query('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const url = new URL(c.req.url);
  const link = (n: number, rel: string): string => {
    url.searchParams.set('page', String(n));
    url.searchParams.set('per_page', String(perPage));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const parts: string[] = [];
  if (page > 1) parts.push(link(page - 1, 'prev'), link(1, 'first'));
  if (page < last) parts.push(link(page + 1, 'next'), link(last, 'last'));
  return { items: items.slice((page - 1) * perPage, page * perPage), headers: parts.length ? { link: parts.join(', ') } : {} };
}

/** A path parameter (the handlers are registered on routes that have it). */
export const param = (c: Context, key: string): string => c.req.param(key) ?? '';
