import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { fieldIssue, routes, type RouteDeclaration } from '@autopilot/contracts';
import type { Logger } from '../logger';
import type { HttpMetrics } from '../metrics';
import { errorResponse, makeErrorHandler, zodIssues } from './errors';
import { methodIndex } from './methods';
import type { ApiApp, AppEnv } from './types';

export interface HttpAppOptions {
  log: Logger;
  metrics?: HttpMetrics;
  bodyLimitBytes: number;
  /** The limit of routes whose declared body is not JSON (the NDJSON import); default bodyLimitBytes. */
  rawBodyLimitBytes?: number;
}

/** `METHOD path` -> content type, for the declared routes whose body is not JSON (POST /api/import: NDJSON). */
const rawBodies = new Map(
  Object.values(routes)
    .flatMap((g) => Object.values(g as Record<string, RouteDeclaration>))
    .flatMap((d): Array<[string, string]> => {
      const types = Object.keys((d.request?.body as { content?: Record<string, unknown> } | undefined)?.content ?? {});
      return types.length > 0 && !types.includes('application/json') ? [[`${d.method.toUpperCase()} ${d.path}`, types[0]]] : [];
    }),
);

/** Where the first string holding U+0000 sits in a JSON value (`body.a.0.b`), or undefined. */
function nulPath(v: unknown, path: string): string | undefined {
  if (typeof v === 'string') return v.includes('\u0000') ? path : undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = nulPath(v[i], `${path}.${i}`);
      if (p) return p;
    }
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const p = (k.includes('\u0000') && `${path}.${k.replaceAll('\u0000', '\\0')}`) || nulPath(x, `${path}.${k}`);
      if (p) return p;
    }
  }
  return undefined;
}

/**
 * PostgreSQL text cannot hold U+0000 (SQLite can), so a NUL anywhere in a JSON body is refused up front with a
 * 400 naming the field, on both engines alike, instead of surfacing as a 500 from the INSERT (and, for a session
 * create, after Jules already created it). The scan only parses when the raw text has a `\u0000` escape (a raw NUL
 * byte is invalid JSON and fails parsing later anyway); Hono caches the text for the route's own parsing.
 */
async function nulField(text: () => Promise<string>): Promise<string | undefined> {
  const raw = await text();
  if (!raw.includes('\\u0000')) return undefined;
  try {
    return nulPath(JSON.parse(raw), 'body');
  } catch {
    return undefined; // malformed JSON: the route's parser answers 400 for it
  }
}

/**
 * The HTTP application shell: request ids, access logs, metrics, body limit, JSON-only writes, one error shape,
 * and zod validation failures reported field by field. Features add their routes to the returned app.
 */
export function createHttpApp(opts: HttpAppOptions): ApiApp {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return errorResponse(c as any, 'validation_failed', 'Invalid input', zodIssues(result.error, result.target));
    },
  });

  app.use('*', requestId({ headerName: 'X-Request-Id' }));
  // Browser protections on every response (dashboard, API, errors). The dashboard build has no inline script or
  // style, so its policy allows none; swagger-ui (/api/docs) styles elements inline and uses data: images.
  const policy = (styleSrc: string[], imgSrc: string[]) =>
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc,
        imgSrc,
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
      xFrameOptions: 'DENY',
      referrerPolicy: 'no-referrer',
      xContentTypeOptions: 'nosniff',
      // Only meaningful over https, where a deployment's proxy usually sets it with its own policy.
      strictTransportSecurity: false,
    });
  const appHeaders = policy(["'self'"], ["'self'"]);
  const docsHeaders = policy(["'self'", "'unsafe-inline'"], ["'self'", 'data:']);
  app.use('*', (c, next) => (c.req.path === '/api/docs' || c.req.path.startsWith('/api/docs/') ? docsHeaders(c, next) : appHeaders(c, next)));
  app.use('*', async (c, next) => {
    const start = performance.now();
    await next();
    const ms = performance.now() - start;
    // The matched pattern, not the raw path, keeps metric label cardinality bounded.
    const route = c.req.routePath && c.req.routePath !== '*' && c.req.routePath !== '/*' ? c.req.routePath : c.res.status === 404 ? 'unmatched' : c.req.routePath;
    opts.metrics?.observe(c.req.method, route, c.res.status, ms / 1000);
    if (c.req.path !== '/healthz' && c.req.path !== '/metrics') {
      opts.log.debug({ requestId: c.get('requestId'), method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(ms * 10) / 10 }, 'request');
    }
  });
  const limit = (maxSize: number) => bodyLimit({ maxSize, onError: (c) => errorResponse(c as any, 'payload_too_large', `Request body exceeds ${maxSize} bytes`) });
  const [jsonLimit, rawLimit] = [limit(opts.bodyLimitBytes), limit(opts.rawBodyLimitBytes ?? opts.bodyLimitBytes)];
  app.use('/api/*', (c, next) => (rawBodies.has(`${c.req.method} ${c.req.path}`) ? rawLimit : jsonLimit)(c, next));
  app.use('/api/*', async (c, next) => {
    const m = c.req.method;
    if (m === 'POST' || m === 'PUT' || m === 'PATCH') {
      const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
      const hasBody = (c.req.header('content-length') ?? '0') !== '0' || c.req.header('transfer-encoding') !== undefined;
      const raw = rawBodies.get(`${m} ${c.req.path}`);
      if (hasBody && type !== 'application/json' && type !== raw) {
        return errorResponse(c, 'unsupported_media_type', `Request bodies must be ${raw ?? 'application/json'}`, {
          issues: [{ path: 'header.content-type', message: `must be ${raw ?? 'application/json'} (got ${type || 'none'})` }],
        });
      }
      // In-process requests (app.request) carry no content-length: a JSON body is scanned whenever one is there.
      if (type === 'application/json' && c.req.raw.body !== null) {
        const nul = await nulField(() => c.req.text());
        if (nul) return errorResponse(c, 'validation_failed', 'Invalid input', fieldIssue(nul, 'must not contain the NUL character (U+0000)', 'invalid_string'));
      }
    }
    await next();
  });

  app.onError(makeErrorHandler(opts.log));
  // A path that exists under other methods is a 405 with Allow; only a path no route has is a 404.
  const methods = methodIndex(() => app.routes);
  app.notFound((c) => {
    const allowed = methods.allowed(c.req.path);
    if (allowed.length > 0 && !allowed.includes(c.req.method)) {
      return errorResponse(c, 'method_not_allowed', `${c.req.path} does not take ${c.req.method}: it takes ${allowed.join(', ')}`, { allowed }, { Allow: allowed.join(', ') });
    }
    return errorResponse(c, 'not_found', `No route for ${c.req.method} ${c.req.path}`);
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'Bearer', { type: 'http', scheme: 'bearer', description: 'An Autopilot API key' });
  return app;
}
