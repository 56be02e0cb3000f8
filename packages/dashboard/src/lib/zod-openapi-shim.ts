import { z } from 'zod';

/*
 * The browser build's stand-in for '@hono/zod-openapi' (aliased in vite.config.ts). The contracts import `z` from
 * there so the server can generate its OpenAPI document; the dashboard only needs the schemas to parse responses,
 * and the real module drags Hono and the OpenAPI generator into the bundle (~130 kB gzip). `.openapi()` only
 * attaches documentation metadata, so here it returns the schema unchanged.
 */
// No JIT: zod would otherwise probe `new Function('')`, which the dashboard's Content-Security-Policy (no
// 'unsafe-eval') refuses and reports as a violation. Set before any schema is built (this module loads first).
z.config({ jitless: true });

const proto = z.ZodType.prototype as unknown as { openapi?: (...args: unknown[]) => unknown };
if (!proto.openapi) {
  proto.openapi = function (this: unknown) {
    return this;
  };
}

export { z };
