import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { routes, type AuthSessionInfo, type SessionPerson } from '@autopilot/contracts';
import { CSRF_COOKIE, SESSION_COOKIE } from '../../platform/http/auth';
import { apiRoute } from '../../platform/http/route';
import type { ApiApp, AppEnv, AuthContext } from '../../platform/http/types';
import type { LoginSessions } from './login-sessions.service';

const r = routes.workspaces;

/** What a session (or bearer key) is; for a person, `key` has empty id and name and `person` says who. */
export const info = (a: AuthContext, expiresAt: number | null, person: SessionPerson | null = null): AuthSessionInfo => ({
  workspace: { id: a.workspaceId, name: a.workspaceName },
  key: { id: a.keyId, name: a.keyName, role: a.role, publicId: a.keyPublicId },
  via: a.via,
  expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
  person,
});

/** Secure cookies when the request reached us over https (or, behind a trusted proxy, the client's did). */
export function isHttps(c: Context<AppEnv>, trustProxy: boolean): boolean {
  if (trustProxy && c.req.header('x-forwarded-proto')?.split(',')[0].trim() === 'https') return true;
  return new URL(c.req.url).protocol === 'https:';
}

/** Sets a login session's cookies: the HttpOnly session token and the CSRF token the dashboard echoes. */
export function setSessionCookies(c: Context<AppEnv>, s: { token: string; csrf: string; expiresAt: number }, trustProxy: boolean) {
  const common = { path: '/', sameSite: 'Strict' as const, secure: isHttps(c, trustProxy), expires: new Date(s.expiresAt) };
  setCookie(c, SESSION_COOKIE, s.token, { ...common, httpOnly: true });
  setCookie(c, CSRF_COOKIE, s.csrf, common);
  c.header('cache-control', 'no-store');
}

/** `POST/GET/DELETE /api/auth/session`: the dashboard's log-in, who-am-I and log-out. */
export function registerSessionRoutes(app: ApiApp, deps: { sessions: LoginSessions; trustProxy: boolean; describe?: (a: AuthContext) => Promise<SessionPerson | null> }) {
  const { sessions } = deps;

  app.openapi(
    apiRoute(r.login),
    async (c) => {
      const auth = c.get('auth');
      const s = await sessions.open(auth);
      setSessionCookies(c, s, deps.trustProxy);
      return c.json(info({ ...auth, via: 'session' }, s.expiresAt), 201);
    },
  );

  app.openapi(
    apiRoute(r.session),
    async (c) => {
      const a = c.get('auth') as AuthContext & { expiresAt?: number };
      return c.json(info(a, a.via === 'session' ? (a.expiresAt ?? null) : null, (await deps.describe?.(a)) ?? null), 200);
    },
  );

  app.openapi(
    apiRoute(r.logout),
    async (c) => {
      const token = c.get('auth').via === 'session' ? getCookie(c, SESSION_COOKIE) : undefined;
      if (token) await sessions.close(token);
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      deleteCookie(c, CSRF_COOKIE, { path: '/' });
      return c.json({ ok: true as const }, 200);
    },
  );
}
