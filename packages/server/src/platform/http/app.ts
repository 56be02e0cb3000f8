import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { Logger } from '../logger';
import type { HttpMetrics } from '../metrics';
import { errorResponse, makeErrorHandler, zodIssues } from './errors';
import type { ApiApp, AppEnv } from './types';

export interface HttpAppOptions {
  log: Logger;
  metrics?: HttpMetrics;
  bodyLimitBytes: number;
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
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: opts.bodyLimitBytes,
      onError: (c) => errorResponse(c as any, 'payload_too_large', `Request body exceeds ${opts.bodyLimitBytes} bytes`),
    }),
  );
  app.use('/api/*', async (c, next) => {
    const m = c.req.method;
    if (m === 'POST' || m === 'PUT' || m === 'PATCH') {
      const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
      const hasBody = (c.req.header('content-length') ?? '0') !== '0' || c.req.header('transfer-encoding') !== undefined;
      if (hasBody && type !== 'application/json') {
        return errorResponse(c, 'unsupported_media_type', 'Request bodies must be application/json', { field: 'content-type', got: type || null });
      }
    }
    await next();
  });

  app.onError(makeErrorHandler(opts.log));
  app.notFound((c) => errorResponse(c, 'not_found', `No route for ${c.req.method} ${c.req.path}`));
  app.openAPIRegistry.registerComponent('securitySchemes', 'Bearer', { type: 'http', scheme: 'bearer', description: 'An Autopilot API key' });
  return app;
}
