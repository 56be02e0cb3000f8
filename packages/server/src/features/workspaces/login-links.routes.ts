import type { Context } from 'hono';
import { routes } from '@autopilot/contracts';
import { apiRoute } from '../../platform/http/route';
import type { ApiApp, AppEnv } from '../../platform/http/types';
import type { Logger } from '../../platform/logger';
import type { LoginSessions } from './login-sessions.service';
import type { LoginLinks } from './login-links.service';
import { isHttps, setSessionCookies } from './login-sessions.routes';

const r = routes.workspaces;

/** The origin the client reached (when AUTOPILOT_PUBLIC_URL does not say): the request's, or behind a trusted proxy the one it forwarded. */
function publicOrigin(c: Context<AppEnv>, trustProxy: boolean): string {
  const own = new URL(c.req.url);
  const host = (trustProxy ? c.req.header('x-forwarded-host')?.split(',')[0].trim() : undefined) || own.host;
  return `${isHttps(c, trustProxy) ? 'https' : 'http'}://${host}`;
}

/** The page a refused link shows: plain HTML, no script, nothing from the request echoed; styled by PAGE_CSS. */
const REFUSED_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Log-in link expired - Jules Autopilot</title>
<link rel="stylesheet" href="/login/page.css">
</head>
<body>
<main>
<h1>This log-in link no longer works</h1>
<p>Log-in links work once, for ten minutes. This one was already used, has expired, or its key was revoked.</p>
<p>For a new link, run <code>autopilot login-link</code> (with your API key in <code>AUTOPILOT_KEY</code> or a profile saved by
<code>autopilot login</code>), or restart the server and open the link in its start-up banner.</p>
<p>You can also <a href="/">log in with an API key</a>.</p>
</main>
</body>
</html>
`;

/** The refused page's style, served from /login/page.css (the app's CSP allows no inline style). */
const PAGE_CSS = `:root { color-scheme: light dark; }
body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; padding: 3rem 1rem; background: Canvas; color: CanvasText; }
main { max-width: 36rem; margin: 0 auto; padding: 1.5rem; border: 1px solid color-mix(in srgb, CanvasText 18%, transparent); border-radius: 10px; overflow-wrap: anywhere; }
h1 { font-size: 1.35rem; margin: 0 0 1rem; }
code { font: 0.92em ui-monospace, SFMono-Regular, Menlo, monospace; padding: 0.05em 0.3em; border-radius: 4px; background: color-mix(in srgb, CanvasText 9%, transparent); }
a { color: LinkText; }
`;

/**
 * `POST /api/auth/links` (a fresh link for the calling key) and `GET /login/{token}` (outside /api: the token is
 * the credential; it opens a login session like `POST /api/auth/session` and redirects to the dashboard).
 */
export function registerLoginLinkRoutes(app: ApiApp, deps: { links: LoginLinks; sessions: LoginSessions; trustProxy: boolean; publicUrl?: string; log: Logger }) {
  const { links, sessions } = deps;

  app.openapi(apiRoute(r.createLink), async (c) => {
    const auth = c.get('auth');
    const link = await links.mint(auth.workspaceId, auth.keyId);
    c.header('cache-control', 'no-store');
    return c.json({ url: `${deps.publicUrl ?? publicOrigin(c, deps.trustProxy)}${link.path}`, path: link.path, expiresAt: new Date(link.expiresAt).toISOString() }, 201);
  });

  app.get('/login/page.css', (c) => {
    c.header('content-type', 'text/css; charset=utf-8');
    c.header('cache-control', 'public, max-age=3600');
    return c.body(PAGE_CSS);
  });

  app.get('/login/:token', async (c) => {
    c.header('cache-control', 'no-store');
    c.header('referrer-policy', 'no-referrer');
    // A HEAD (a link preview, a checker) must not spend the single use; only opening the link does.
    if (c.req.method === 'HEAD') return c.body(null, 200);
    const found = await links.redeem(c.req.param('token'));
    if (!found) {
      deps.log.info({ reason: 'login_link_refused' }, 'log-in link refused (used, expired, unknown or its key revoked)');
      return c.html(REFUSED_PAGE, 410);
    }
    setSessionCookies(c, await sessions.open(found), deps.trustProxy);
    deps.log.info({ keyId: found.keyId }, 'logged in through a log-in link');
    return c.redirect('/', 303);
  });
}
