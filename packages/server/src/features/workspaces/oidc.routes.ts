import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { safeEqual } from '../../platform/crypto';
import { AppError } from '../../platform/errors';
import type { ApiApp, AppEnv } from '../../platform/http/types';
import type { Logger } from '../../platform/logger';
import type { Config } from '../../platform/config';
import type { KeyHasher } from './keys';
import { isHttps, setSessionCookies } from './login-sessions.routes';
import { createOidc, OidcRejected, OidcUnavailable, type Oidc, type OidcFlow } from './oidc.service';
import type { People } from './people.service';

/*
 * `GET /auth/oidc/start?next=` and `GET /auth/oidc/callback` (outside /api: browser navigations, no key, no CSRF
 * header). The start keeps state, nonce, PKCE verifier, redirect URI and `next` in a short-lived cookie
 * (HttpOnly, SameSite=Lax so the provider's redirect back carries it, path /auth/oidc, HMAC-signed under the
 * session subkey); the callback checks it, lets openid-client exchange the code and check the ID token, and opens
 * a person session exactly like a password sign-in (people.oidcSignIn). Every failure is a plain HTML page with a
 * link back to the sign-in page (no stack, nothing from the request echoed).
 */

export const OIDC_FLOW_COOKIE = 'autopilot_oidc';
const FLOW_TTL_MS = 10 * 60_000;
const FLOW_PATH = '/auth/oidc';

/** A same-origin path from `next` (the dashboard's safeNext rule, and no control characters), else /sessions. */
export function safeNextPath(raw: string | undefined | null, fallback = '/sessions'): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\') || [...raw].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f || ch === '\\') || raw.length > 2000) return fallback;
  return raw;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** A refusal page: the message is one of ours (never request text); styled by /login/page.css (the CSP allows no inline style). */
function page(c: Context<AppEnv>, status: 400 | 403 | 404 | 502 | 503, title: string, message: string) {
  c.header('cache-control', 'no-store');
  return c.html(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${esc(title)} - Jules Autopilot</title>
<link rel="stylesheet" href="/login/page.css">
</head>
<body>
<main>
<h1>${esc(title)}</h1>
<p>${esc(message)}</p>
<p><a href="/signin">Back to sign-in</a></p>
</main>
</body>
</html>
`, status);
}

export interface OidcRoutesDeps {
  people: People;
  hasher: KeyHasher;
  log: Logger;
  config: Pick<Config, 'OIDC_ISSUER' | 'OIDC_CLIENT_ID' | 'OIDC_CLIENT_SECRET' | 'OIDC_ALLOW_INSECURE' | 'TRUST_PROXY' | 'AUTOPILOT_PUBLIC_URL'>;
}

export function registerOidcRoutes(app: ApiApp, deps: OidcRoutesDeps) {
  const { config, log, hasher, people } = deps;
  const trustProxy = config.TRUST_PROXY;
  let oidc: Oidc | undefined;
  if (config.OIDC_ISSUER && config.OIDC_CLIENT_ID && config.OIDC_CLIENT_SECRET) {
    oidc = createOidc({ issuer: config.OIDC_ISSUER, clientId: config.OIDC_CLIENT_ID, clientSecret: config.OIDC_CLIENT_SECRET, allowInsecure: config.OIDC_ALLOW_INSECURE }, log);
  } else if (config.OIDC_ISSUER) {
    log.error({ issuer: config.OIDC_ISSUER }, 'OIDC_ISSUER is set without OIDC_CLIENT_ID and OIDC_CLIENT_SECRET: OIDC sign-in is off');
  }

  const mac = (payload: string) => hasher.sessionHash(`oidc-flow:${payload}`);
  const origin = (c: Context<AppEnv>) => {
    if (config.AUTOPILOT_PUBLIC_URL) return config.AUTOPILOT_PUBLIC_URL;
    const host = (trustProxy ? c.req.header('x-forwarded-host')?.split(',')[0].trim() : undefined) || new URL(c.req.url).host;
    return `${isHttps(c, trustProxy) ? 'https' : 'http'}://${host}`;
  };
  const readFlow = (c: Context<AppEnv>): OidcFlow | null => {
    const raw = getCookie(c, OIDC_FLOW_COOKIE);
    const dot = raw?.lastIndexOf('.') ?? -1;
    if (!raw || dot < 1) return null;
    const payload = raw.slice(0, dot);
    if (!safeEqual(raw.slice(dot + 1), mac(payload))) return null;
    try {
      const v = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as OidcFlow & { exp: number };
      return typeof v.exp === 'number' && v.exp > Date.now() && typeof v.state === 'string' ? v : null;
    } catch {
      return null;
    }
  };
  const off = (c: Context<AppEnv>) => page(c, 404, 'Single sign-on is not configured', 'This server has no identity provider set up: sign in with your e-mail and password.');

  app.get('/auth/oidc/start', async (c) => {
    if (!oidc) return off(c);
    const next = safeNextPath(c.req.query('next'));
    try {
      const { url, flow } = await oidc.start(`${origin(c)}/auth/oidc/callback`, next);
      const payload = Buffer.from(JSON.stringify({ ...flow, exp: Date.now() + FLOW_TTL_MS })).toString('base64url');
      setCookie(c, OIDC_FLOW_COOKIE, `${payload}.${mac(payload)}`, { path: FLOW_PATH, httpOnly: true, sameSite: 'Lax', secure: isHttps(c, trustProxy), maxAge: FLOW_TTL_MS / 1000 });
      c.header('cache-control', 'no-store');
      return c.redirect(url, 302);
    } catch (err) {
      if (err instanceof OidcUnavailable) return page(c, 502, 'The identity provider is unavailable', 'The identity provider could not be reached. Try again in a moment, or sign in with your e-mail and password.');
      throw err;
    }
  });

  app.get('/auth/oidc/callback', async (c) => {
    if (!oidc) return off(c);
    const flow = readFlow(c);
    // Single use: the flow cookie goes whatever happens next (the provider also refuses a used code).
    deleteCookie(c, OIDC_FLOW_COOKIE, { path: FLOW_PATH, secure: isHttps(c, trustProxy) });
    if (c.req.query('error')) {
      log.info({ error: c.req.query('error')?.slice(0, 60) }, 'OIDC sign-in cancelled or refused by the provider');
      return page(c, 400, 'Sign-in was not completed', 'The identity provider did not sign you in. Go back and try again.');
    }
    if (!flow || c.req.query('state') !== flow.state) {
      log.warn({ reason: flow ? 'state_mismatch' : 'no_flow_cookie' }, 'OIDC callback refused');
      return page(c, 400, 'This sign-in link is not valid', 'The sign-in response does not match a sign-in started in this browser (or it took more than ten minutes). Start again from the sign-in page.');
    }
    // The URL the provider redirected to, on our public origin (openid-client reads its query: code, state, iss).
    const here = new URL(`${origin(c)}/auth/oidc/callback${new URL(c.req.url).search}`);
    try {
      const id = await oidc.finish(here, flow);
      const session = await people.oidcSignIn(id);
      setSessionCookies(c, session, trustProxy);
      log.info({ userId: session.auth.userId, issuer: id.issuer }, 'signed in with OIDC');
      return c.redirect(safeNextPath(flow.next), 303);
    } catch (err) {
      if (err instanceof OidcRejected) return page(c, 400, 'Sign-in was refused', `${err.message}. Start again from the sign-in page.`);
      if (err instanceof OidcUnavailable) return page(c, 502, 'The identity provider is unavailable', 'The identity provider could not be reached. Try again in a moment.');
      if (err instanceof AppError && (err.code === 'forbidden' || err.code === 'conflict')) {
        log.info({ reason: err.message }, 'OIDC sign-in refused');
        return page(c, 403, 'You cannot sign in here yet', err.message);
      }
      throw err;
    }
  });
}
