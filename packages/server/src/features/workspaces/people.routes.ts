import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { routes } from '@autopilot/contracts';
import { SESSION_COOKIE } from '../../platform/http/auth';
import { errorResponse } from '../../platform/http/errors';
import { apiRoute } from '../../platform/http/route';
import { clientAddress } from '../../platform/http/throttle';
import type { ApiApp, AppEnv } from '../../platform/http/types';
import { info, isHttps, setSessionCookies } from './login-sessions.routes';
import { Throttled, type OpenedSession, type People } from './people.service';

const r = routes.people;

/** The origin links in e-mails point to when AUTOPILOT_PUBLIC_URL does not say: the one the request reached. */
const originOf = (c: Context<AppEnv>, trustProxy: boolean) => `${isHttps(c, trustProxy) ? 'https' : 'http'}://${new URL(c.req.url).host}`;

/** Sign-up, sign-in, password reset, the sign-in page's providers (public) and the workspace switch. */
export function registerPeopleRoutes(app: ApiApp, deps: { people: People; trustProxy: boolean; publicUrl?: string }) {
  const { people } = deps;
  const signedIn = async (c: Context<AppEnv>, s: OpenedSession) => {
    setSessionCookies(c, s, deps.trustProxy);
    return info(s.auth, s.expiresAt, await people.describe(s.auth));
  };

  app.openapi(apiRoute(r.providers), async (c) => c.json(await people.providers(), 200));

  app.openapi(apiRoute(r.signup), async (c) => c.json(await signedIn(c, await people.signup(c.req.valid('json'))), 201));

  app.openapi(apiRoute(r.signin), async (c) => {
    const body = c.req.valid('json');
    try {
      return c.json(await signedIn(c, await people.signin(body.email, body.password, clientAddress(c, deps.trustProxy))), 200);
    } catch (err) {
      if (!(err instanceof Throttled)) throw err;
      return errorResponse(c, 'rate_limited', err.message, { retryAfterMs: err.retryAfterMs }, { 'Retry-After': String(Math.ceil(err.retryAfterMs / 1000)) }) as never;
    }
  });

  app.openapi(apiRoute(r.passwordReset), async (c) => {
    await people.requestReset(c.req.valid('json').email, deps.publicUrl ?? originOf(c, deps.trustProxy));
    return c.json({ ok: true as const }, 202);
  });

  app.openapi(apiRoute(r.passwordResetConfirm), async (c) => {
    const body = c.req.valid('json');
    await people.confirmReset(body.token, body.password);
    return c.json({ ok: true as const }, 200);
  });

  app.openapi(apiRoute(r.switchWorkspace), async (c) => {
    const auth = c.get('auth');
    const moved = await people.switchWorkspace(auth, getCookie(c, SESSION_COOKIE), c.req.valid('json').workspaceId);
    return c.json(info(moved, moved.expiresAt, await people.describe(moved)), 200);
  });
}
