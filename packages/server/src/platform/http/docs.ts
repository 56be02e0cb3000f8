import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { ApiApp } from './types';

/**
 * `/api/openapi.json` (generated from the routes' zod schemas) and `/api/docs`, an interactive reference served
 * from swagger-ui-dist's own files, so it works offline and self-hosted (no CDN).
 */
export function registerDocs(app: ApiApp, info: { version: string }) {
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Jules Autopilot API', version: info.version, description: 'Every /api route takes `Authorization: Bearer <api key>` (or the dashboard\'s session cookie from `POST /api/auth/session`, with `X-CSRF-Token` on writes) and is scoped to that key\'s workspace.' },
  });
  const dist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const assets: Record<string, string> = { 'swagger-ui.css': 'text/css', 'swagger-ui-bundle.js': 'text/javascript', 'favicon-32x32.png': 'image/png' };
  // The start-up script is a file of its own: the Content-Security-Policy allows no inline script, here too.
  const init = "window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#ui', persistAuthorization: true });\n";
  app.get('/api/docs/assets/:file', (c) => {
    const file = c.req.param('file');
    if (file === 'init.js') return c.body(init, 200, { 'content-type': 'text/javascript', 'cache-control': 'public, max-age=86400' });
    const type = assets[file];
    if (!type) return c.notFound();
    return c.body(fs.readFileSync(path.join(dist, file)), 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
  app.get('/api/docs', (c) =>
    c.html(`<!doctype html><html><head><meta charset="utf-8"><title>Jules Autopilot API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/assets/init.js"></script>
</body></html>`),
  );
}
