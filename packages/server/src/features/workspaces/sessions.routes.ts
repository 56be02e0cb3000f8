import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { AuthSessionInfo, LoggedOut, LoginBody } from '@autopilot/contracts';
import { CSRF_COOKIE, LOGIN_PATH, SESSION_COOKIE } from '../../platform/http/auth';
import { apiRoute, jsonBody, jsonOk } from '../../platform/http/route';
import type { ApiApp, AppEnv, AuthContext } from '../../platform/http/types';
import type { LoginSessions } from './sessions.service';

const tags = ['auth'];

const info = (a: AuthContext, expiresAt: number | null): AuthSessionInfo => ({
  workspace: { id: a.workspaceId, name: a.workspaceName },
  key: { id: a.keyId, name: a.keyName, role: a.role, publicId: a.keyPublicId },
  via: a.via,
  expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
});

/** Secure cookies when the request reached us over https (or, behind a trusted proxy, the client's did). */
function isHttps(c: Context<AppEnv>, trustProxy: boolean): boolean {
  if (trustProxy && c.req.header('x-forwarded-proto')?.split(',')[0].trim() === 'https') return true;
  return new URL(c.req.url).protocol === 'https:';
}

/** `POST/GET/DELETE /api/auth/session`: the dashboard's log-in, who-am-I and log-out. */
export function registerSessionRoutes(app: ApiApp, deps: { sessions: LoginSessions; trustProxy: boolean }) {
  const { sessions } = deps;

  app.openapi(
    apiRoute({
      method: 'post',
      path: LOGIN_PATH,
      tags,
      summary: 'Log in: exchange an API key (in the body) for an HttpOnly session cookie and its CSRF cookie',
      request: { body: jsonBody(LoginBody) },
      responses: { 201: jsonOk(AuthSessionInfo, 'Session opened') },
    }),
    async (c) => {
      const auth = c.get('auth');
      const s = await sessions.open(auth);
      const common = { path: '/', sameSite: 'Strict' as const, secure: isHttps(c, deps.trustProxy), expires: new Date(s.expiresAt) };
      setCookie(c, SESSION_COOKIE, s.token, { ...common, httpOnly: true });
      setCookie(c, CSRF_COOKIE, s.csrf, common);
      c.header('cache-control', 'no-store');
      return c.json(info({ ...auth, via: 'session' }, s.expiresAt), 201);
    },
  );

  app.openapi(
    apiRoute({ method: 'get', path: LOGIN_PATH, tags, summary: 'Who the session cookie (or bearer key) is', responses: { 200: jsonOk(AuthSessionInfo) } }),
    (c) => {
      const a = c.get('auth') as AuthContext & { expiresAt?: number };
      return c.json(info(a, a.via === 'session' ? (a.expiresAt ?? null) : null), 200);
    },
  );

  app.openapi(
    apiRoute({ method: 'delete', path: LOGIN_PATH, tags, summary: 'Log out: end this session and clear its cookies', responses: { 200: jsonOk(LoggedOut) } }),
    async (c) => {
      const token = c.get('auth').via === 'session' ? getCookie(c, SESSION_COOKIE) : undefined;
      if (token) await sessions.close(token);
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      deleteCookie(c, CSRF_COOKIE, { path: '/' });
      return c.json({ ok: true as const }, 200);
    },
  );
}
