import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { routes, type RouteDeclaration } from '@autopilot/contracts';
import type { ApiApp } from './types';

/** What each tag of the routes is about; a tag not listed here still gets declared (see docTags). */
const TAG_TEXT: Record<string, string> = Object.fromEntries(([
  { name: 'system', description: 'Health, metrics and what this server is' },
  { name: 'auth', description: 'Dashboard log-in sessions' },
  { name: 'workspaces', description: 'Workspaces and their API keys' },
  { name: 'events', description: 'The live event stream' },
  { name: 'sessions', description: 'Mirrored Jules sessions and the actions that go through Jules' },
  { name: 'jules-accounts', description: 'Jules API keys of the workspace and the repositories they reach' },
  { name: 'keeper', description: 'The keeper: what it does for sessions on its own, its settings and notifications' },
  { name: 'providers', description: 'LLM providers' },
  { name: 'budgets', description: 'LLM spending budgets' },
  { name: 'routing', description: 'Which LLM provider and model a task goes to' },
  { name: 'llm', description: 'LLM usage, calls and their costs' },
] as const).map((t) => [t.name, t.description]));

/** Every tag the declared routes use, in order of first use, each described (the document declares its tags). */
export function docTags(): Array<{ name: string; description: string }> {
  const names = new Set<string>();
  for (const feature of Object.values(routes)) for (const decl of Object.values(feature) as RouteDeclaration[]) for (const t of decl.tags ?? []) names.add(t);
  return [...names].map((name) => ({ name, description: TAG_TEXT[name] ?? `The ${name} routes` }));
}

/**
 * Rules every string field follows that zod's schemas do not carry into JSON Schema, stated in the document:
 * a required text (`minLength` >= 1, read trimmed) must have a non-blank character (`pattern: \\S`), so a body of
 * spaces is not "valid" by the document and refused by the server. Strings with a pattern, format or enum of their
 * own already say what they take.
 */
export function statePlainRules<T>(doc: T): T {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const s = node as Record<string, unknown>;
    const isString = s.type === 'string' || (Array.isArray(s.type) && s.type.includes('string'));
    if (isString && typeof s.minLength === 'number' && s.minLength >= 1 && s.pattern === undefined && s.format === undefined && s.enum === undefined && s.const === undefined) {
      s.pattern = '\\S';
    }
    for (const v of Object.values(s)) visit(v);
  };
  visit(doc);
  return doc;
}

/**
 * `/api/openapi.json` (generated from the routes' zod schemas) and `/api/docs`, an interactive reference served
 * from swagger-ui-dist's own files, so it works offline and self-hosted (no CDN).
 */
export function registerDocs(app: ApiApp, info: { version: string; publicUrl?: string }) {
  const config = {
    openapi: '3.1.0',
    info: {
      title: 'Jules Autopilot API',
      version: info.version,
      description: [
        "A self-hosted command center for Google's Jules coding agent.",
        '',
        "Every /api route takes `Authorization: Bearer <api key>` (or the dashboard's session cookie from `POST /api/auth/session`, with `X-CSRF-Token` on writes) and is scoped to that key's workspace.",
        '',
        'Roles (owner > admin > member > viewer) and scopes: `x-min-role` is the least role an operation takes (403 below it); without one, every role may read and writes need member (viewers are read-only). `x-scope` is what a scoped API key needs (`<resource>:<read|write>`; 403 naming it). `x-role-rules` states a refusal that also depends on the body, the target or who calls (a key or a person): only there may a 403 come at or above the least role.',
        '',
        'Errors have one shape: `{"error": {"code", "message", "details", "requestId"}}`. `details` is always an object: `issues` lists every bad input by where it came from (`body.prompt`, `query.state`, `header.authorization`), `retryAfterMs` says when to retry (429, some 503), `state` is the state a 409 refused to act in, `allowed` the methods of a 405 (also in its `Allow` header).',
        '',
        'Enum query parameters are read in any case (`state=completed` is `COMPLETED`); an unknown value is a 400 naming the parameter and its values.',
        '',
        'Text never contains U+0000 (PostgreSQL cannot store it): a body with one is a 400 naming the field.',
      ].join('\n'),
      contact: { name: 'Jules Autopilot maintainers' },
      // The repository has no LICENSE file and package.json no licence (it is private): nothing is granted yet.
      license: { name: 'UNLICENSED (all rights reserved; no licence has been chosen yet)' },
    },
    servers: [
      { url: '/', description: 'This server (the document is served by it)' },
      ...(info.publicUrl ? [{ url: info.publicUrl, description: 'The public URL this server is configured with (AUTOPILOT_PUBLIC_URL)' }] : []),
    ],
    tags: docTags(),
  };
  // Built on the first request (every route is registered by then) and kept: the routes do not change at run time.
  let doc: unknown;
  app.get('/api/openapi.json', (c) => c.json((doc ??= statePlainRules(app.getOpenAPI31Document(config)))));
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
