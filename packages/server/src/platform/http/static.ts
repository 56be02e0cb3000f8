import fs from 'node:fs';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { ApiApp } from './types';

/**
 * Serves the dashboard's Vite build from `dir`, with index.html for every other non-API path (client-side routing).
 * When the build is missing, `/` explains how to produce it instead of a bare 404.
 */
export function registerDashboard(app: ApiApp, dir: string) {
  const index = path.join(dir, 'index.html');
  const root = path.relative(process.cwd(), dir);
  app.use('/assets/*', serveStatic({ root, onFound: (_p, c) => c.header('cache-control', 'public, max-age=31536000, immutable') }));
  app.get('*', async (c, next) => {
    const p = c.req.path;
    if (p.startsWith('/api/') || p === '/api' || p === '/metrics' || p === '/healthz') return next();
    if (!fs.existsSync(index)) return c.text('The dashboard is not built: run `npm run build:dashboard`.', 503);
    const file = path.join(dir, path.normalize(p).replace(/^(\.\.[/\\])+/, ''));
    if (p !== '/' && file.startsWith(dir) && fs.existsSync(file) && fs.statSync(file).isFile()) {
      return serveStatic({ root })(c, next);
    }
    return c.html(fs.readFileSync(index, 'utf8'));
  });
}
