import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import { timingSafeEqual } from 'node:crypto';
import { fieldIssue } from '@autopilot/contracts';
import type { Logger } from '../logger';
import { runAs } from '../actor';
import { errorResponse } from './errors';
import { clientAddress, type AuthThrottle } from './throttle';
import type { AppEnv, AuthContext, KeyCheck } from './types';

/**
 * People's sign-up, sign-in and password reset (issue #16), public because no session exists yet: the writes that
 * open sessions or change passwords, refused when cross-site (no log-in CSRF). `GET /api/auth/providers` is public too.
 */
export const PEOPLE_AUTH_WRITES: ReadonlyArray<string> = ['/api/auth/signup', '/api/auth/signin', '/api/auth/password-reset', '/api/auth/password-reset/confirm'];
/** Routes under /api that carry no tenant data and stay readable without a key (the API's own documentation, people's sign-in). */
export const PUBLIC_API_PATHS = new Set(['/api/openapi.json', '/api/docs', '/api/auth/providers', ...PEOPLE_AUTH_WRITES]);
/** Public routes with a path parameter, by method: the invitation preview (`GET /api/invites/{token}`, issue #16). */
export const PUBLIC_API_ROUTES: ReadonlyArray<{ method: string; pattern: RegExp }> = [{ method: 'GET', pattern: /^\/api\/invites\/(?!accept$)[^/]+$/ }];
/**
 * Writes a viewer may send, because the service decides who may (issue #16): leaving a workspace (removing yourself),
 * accepting an invitation, a person creating a workspace. Every other write is refused to viewers here.
 */
export const VIEWER_WRITES: ReadonlyArray<{ method: string; pattern: RegExp }> = [
  { method: 'POST', pattern: /^\/api\/invites\/accept$/ },
  { method: 'POST', pattern: /^\/api\/workspaces$/ },
  { method: 'DELETE', pattern: /^\/api\/workspaces\/[^/]+\/members\/[^/]+$/ },
];
/** Whether a request needs no authentication (documentation, PUBLIC_API_ROUTES). */
export const isPublicApi = (method: string, path: string) => PUBLIC_API_PATHS.has(path) || path.startsWith('/api/docs/') || PUBLIC_API_ROUTES.some((r) => r.method === method && r.pattern.test(path));
/** The log-in route: authenticated by the key in its body (`{ apiKey }`), answered with the session cookie. */
export const LOGIN_PATH = '/api/auth/session';
export const SESSION_COOKIE = 'autopilot_session';
/** Not HttpOnly: the dashboard reads it and echoes it in X-CSRF-Token (double-submit). */
export const CSRF_COOKIE = 'autopilot_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export interface AuthOptions {
  checkKey(key: string): Promise<KeyCheck>;
  sessions: { resolve(token: string): Promise<AuthContext | null>; csrfFor(token: string): string };
  throttle: AuthThrottle;
  log: Logger;
  trustProxy: boolean;
}

const safeMethod = (m: string) => m === 'GET' || m === 'HEAD' || m === 'OPTIONS';

function sameText(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** The origin check of a cookie-authenticated write: a browser's Sec-Fetch-Site / Origin must say same origin. */
function crossSite(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') return true;
  const origin = c.req.header('origin');
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== c.req.header('host');
  } catch {
    return true;
  }
}

async function loginBodyKey(c: Context): Promise<string | undefined> {
  const body = await c.req.json().catch(() => undefined);
  const k = body && typeof body === 'object' ? (body as { apiKey?: unknown }).apiKey : undefined;
  return typeof k === 'string' && k.length > 0 && k.length <= 512 ? k : undefined;
}

/**
 * Authenticates every /api route: `Authorization: Bearer <key>` (machines), or the dashboard's session cookie
 * (writes then need the CSRF token and a same-origin request). `POST /api/auth/session` is authenticated by the key
 * in its body. Failed keys are logged (address, reason, public id when there is one, never the key) and throttled
 * per client address: over the limit, every presented key gets 429 with Retry-After without being checked, so the
 * throttle never tells a right guess from a wrong one. Viewer keys may only read.
 */
export function requireAuth(opts: AuthOptions): MiddlewareHandler<AppEnv> {
  const tooMany = (c: Context<AppEnv>, ms: number) => {
    c.header('Retry-After', String(Math.ceil(ms / 1000)));
    return errorResponse(c, 'rate_limited', 'Too many failed authentications from this address; try again later', { retryAfterMs: ms });
  };
  return async (c, next) => {
    if (isPublicApi(c.req.method, c.req.path)) {
      // A page on another site must not sign a browser in to the attacker's account (log-in CSRF).
      if (!safeMethod(c.req.method) && PEOPLE_AUTH_WRITES.includes(c.req.path) && crossSite(c)) return errorResponse(c, 'forbidden', 'Cross-site request refused', fieldIssue('header.origin', 'must be this server'));
      return next();
    }
    const header = c.req.header('authorization');
    const isLogin = c.req.path === LOGIN_PATH && c.req.method === 'POST';
    let auth: AuthContext | null = null;
    if (header !== undefined || isLogin) {
      const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
      const key = match?.[1] ?? (isLogin && header === undefined ? await loginBodyKey(c) : undefined);
      if (!key) return errorResponse(c, 'unauthorized', isLogin ? 'Missing API key' : 'Missing bearer API key', fieldIssue(isLogin ? 'body.apiKey' : 'header.authorization', 'required'));
      const address = clientAddress(c, opts.trustProxy);
      const wait = await opts.throttle.blockedFor(address);
      if (wait > 0) {
        opts.log.warn({ address, reason: 'throttled', path: c.req.path }, 'authentication refused: too many failures');
        return tooMany(c, wait);
      }
      const result = await opts.checkKey(key);
      if (!result.ok) {
        opts.log.warn({ address, reason: result.reason, keyId: result.keyId, path: c.req.path }, 'authentication failed');
        const over = await opts.throttle.fail(address);
        if (over > 0) return tooMany(c, over);
        return errorResponse(c, 'unauthorized', 'Invalid or revoked API key', fieldIssue(isLogin ? 'body.apiKey' : 'header.authorization', 'not a valid, active API key'));
      }
      auth = result.auth;
    } else {
      const token = getCookie(c, SESSION_COOKIE);
      if (!token) return errorResponse(c, 'unauthorized', 'Missing bearer API key', fieldIssue('header.authorization', 'required (or log in for a session cookie)'));
      // Session tokens are 256-bit random: not guessable, so a stale cookie is not counted as a guess.
      auth = await opts.sessions.resolve(token);
      if (!auth) {
        opts.log.info({ address: clientAddress(c, opts.trustProxy), reason: 'session_invalid', path: c.req.path }, 'authentication failed');
        deleteCookie(c, SESSION_COOKIE, { path: '/' });
        deleteCookie(c, CSRF_COOKIE, { path: '/' });
        return errorResponse(c, 'unauthorized', 'Your session has expired or ended (its key revoked, or you are no longer a member); sign in again', fieldIssue(`cookie.${SESSION_COOKIE}`, 'expired or revoked'));
      }
      if (!safeMethod(c.req.method)) {
        const sent = c.req.header(CSRF_HEADER) ?? '';
        if (crossSite(c)) return errorResponse(c, 'forbidden', 'Cross-site request refused', fieldIssue('header.origin', 'must be this server'));
        if (!sameText(sent, opts.sessions.csrfFor(token))) return errorResponse(c, 'forbidden', 'Missing or wrong CSRF token', fieldIssue(`header.${CSRF_HEADER}`, `must echo the ${CSRF_COOKIE} cookie`));
      }
    }
    if (auth.role === 'viewer' && !safeMethod(c.req.method) && !c.req.path.startsWith(LOGIN_PATH) && !VIEWER_WRITES.some((w) => w.method === c.req.method && w.pattern.test(c.req.path))) {
      return errorResponse(c, 'forbidden', 'Viewer keys are read-only');
    }
    c.set('auth', auth);
    // Everything the request causes (LLM calls, session creates, audit entries) is attributed to its actor.
    await runAs(auth.actor, next);
  };
}

/** Throws-free role check for route handlers: returns true when the key's role is at least `min`. */
export function hasRole(auth: AuthContext, min: 'viewer' | 'member' | 'admin' | 'owner'): boolean {
  const rank = { viewer: 0, member: 1, admin: 2, owner: 3 } as const;
  return rank[auth.role] >= rank[min];
}
