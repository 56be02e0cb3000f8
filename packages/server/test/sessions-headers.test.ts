import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthSessionInfo, ErrorBody } from '@autopilot/contracts';
import { ADMIN_KEY, type TestOrchestrator } from './harness';
import { dashboardDist } from '../../../test/browser/harness';
import { authEngines, createStore, startOn, type Store } from './auth-engines';

interface Login {
  cookie: string;
  csrf: string;
  setCookies: string[];
  token: string;
}

/** Parses the Set-Cookie headers of a log-in into what a browser would send back. */
function readLogin(res: Response): Login {
  const setCookies = res.headers.getSetCookie();
  const value = (name: string) => setCookies.find((c) => c.startsWith(`${name}=`))?.split(';')[0].slice(name.length + 1) ?? '';
  const token = value('autopilot_session');
  const csrf = value('autopilot_csrf');
  return { cookie: `autopilot_session=${token}; autopilot_csrf=${csrf}`, csrf, setCookies, token };
}

for (const engine of authEngines()) {
  describe(`log-in sessions and CSRF on ${engine}`, () => {
    let store: Store;
    let t: TestOrchestrator;
    const login = async (apiKey = ADMIN_KEY, url = '/api/auth/session') => {
      const res = await t.request(url, { method: 'POST', key: null, json: { apiKey } });
      expect(res.status).toBe(201);
      return readLogin(res);
    };
    const withCookie = (l: Login, path: string, init: RequestInit & { json?: unknown } = {}) => t.request(path, { ...init, key: null, headers: { cookie: l.cookie, ...(init.headers as Record<string, string>) } });
    beforeAll(async () => {
      store = await createStore(engine);
      t = await startOn(store.env);
    });
    afterAll(async () => {
      await t?.close();
      await store?.cleanup();
    });

    it('exchanges a key for an HttpOnly, SameSite=Strict, Path=/ cookie stored only hashed, Secure over https; a wrong key gets none', async () => {
      const l = await login();
      const session = l.setCookies.find((c) => c.startsWith('autopilot_session='))!;
      expect(session).toMatch(/; HttpOnly/);
      expect(session).toMatch(/; SameSite=Strict/);
      expect(session).toMatch(/; Path=\//);
      expect(session).not.toMatch(/; Secure/);
      expect(l.token.length).toBeGreaterThanOrEqual(43);
      const csrfCookie = l.setCookies.find((c) => c.startsWith('autopilot_csrf='))!;
      expect(csrfCookie).not.toMatch(/HttpOnly/);
      expect(csrfCookie).toMatch(/; SameSite=Strict/);
      const rows = JSON.stringify(await t.orch.db.kysely.selectFrom('auth_sessions').selectAll().execute());
      expect(rows).not.toContain(l.token);
      const https = readLogin(await t.request('https://autopilot.example/api/auth/session', { method: 'POST', key: null, json: { apiKey: ADMIN_KEY } }));
      expect(https.setCookies.find((c) => c.startsWith('autopilot_session='))).toMatch(/; Secure/);
      // A wrong key gets 401 and no cookie.
      const wrong = await t.request('/api/auth/session', { method: 'POST', key: null, json: { apiKey: 'ap_0123456789ab_wrong' } });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.getSetCookie()).toEqual([]);
    });

    it('says who the session is, and needs the CSRF token and same origin for cookie-authenticated writes', async () => {
      const l = await login();
      const who = AuthSessionInfo.parse(await (await withCookie(l, '/api/auth/session')).json());
      expect(who).toMatchObject({ via: 'session', workspace: { name: 'default' }, key: { role: 'owner' } });
      expect(who.expiresAt).not.toBeNull();
      const body = { name: 'from-cookie', role: 'member' };
      const noToken = await withCookie(l, '/api/keys', { method: 'POST', json: body });
      expect(noToken.status).toBe(403);
      expect(ErrorBody.parse(await noToken.json()).error.code).toBe('forbidden');
      expect((await withCookie(l, '/api/keys', { method: 'POST', json: body, headers: { 'x-csrf-token': 'f'.repeat(64) } })).status).toBe(403);
      expect((await withCookie(l, '/api/keys', { method: 'POST', json: body, headers: { 'x-csrf-token': l.csrf, origin: 'http://evil.example', host: 'localhost' } })).status).toBe(403);
      expect((await withCookie(l, '/api/keys', { method: 'POST', json: body, headers: { 'x-csrf-token': l.csrf, 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
      expect((await withCookie(l, '/api/keys', { method: 'POST', json: body, headers: { 'x-csrf-token': l.csrf, origin: 'http://localhost', host: 'localhost', 'sec-fetch-site': 'same-origin' } })).status).toBe(201);
      // Machines with a bearer key need no token.
      expect((await t.request('/api/keys', { method: 'POST', json: body })).status).toBe(201);
    });

    it('logs out (the cookie stops working), and revoking a key ends its sessions', async () => {
      const l = await login();
      const out = await withCookie(l, '/api/auth/session', { method: 'DELETE', headers: { 'x-csrf-token': l.csrf } });
      expect(out.status).toBe(200);
      expect(out.headers.getSetCookie().some((c) => c.startsWith('autopilot_session=;'))).toBe(true);
      expect((await withCookie(l, '/api/me')).status).toBe(401);

      const admin = await (await t.request('/api/keys', { method: 'POST', json: { name: 'to-revoke', role: 'admin' } })).json();
      const s = await login(admin.key);
      expect((await withCookie(s, '/api/me')).status).toBe(200);
      expect((await t.request(`/api/keys/${admin.id}`, { method: 'DELETE' })).status).toBe(200);
      expect((await withCookie(s, '/api/me')).status).toBe(401);
      expect(await t.orch.db.kysely.selectFrom('auth_sessions').selectAll().where('key_id', '=', admin.id).execute()).toEqual([]);
    });
  });
}

describe('security headers', () => {
  let store: Store;
  let t: TestOrchestrator;
  beforeAll(async () => {
    store = await createStore('sqlite');
    // The real dashboard build (made once if the sources are newer), so its HTML is what is checked.
    t = await startOn(store.env, undefined, dashboardDist());
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    await store?.cleanup();
  });

  const expectHeaders = (res: Response, where: string) => {
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp, where).toMatch(/default-src 'self'/);
    expect(csp, where).toMatch(/script-src 'self'(;|$)/);
    expect(csp, where).toMatch(/frame-ancestors 'none'/);
    expect(csp, where).not.toMatch(/script-src[^;]*unsafe/);
    expect(res.headers.get('x-frame-options'), where).toBe('DENY');
    expect(res.headers.get('x-content-type-options'), where).toBe('nosniff');
    expect(res.headers.get('referrer-policy'), where).toBe('no-referrer');
    return csp;
  };

  it('sends CSP (no inline script or style), frame, sniffing and referrer protections on the dashboard and API', async () => {
    for (const p of ['/', '/sessions/abc', '/api/me', '/api/openapi.json', '/healthz']) {
      const csp = expectHeaders(await t.request(p), p);
      expect(csp, p).toMatch(/style-src 'self'(;|$)/);
    }
    expectHeaders(await t.request('/api/me', { key: null }), '401');
    expectHeaders(await t.request('/api/does-not-exist'), '404');
  });

  it('serves a dashboard page without inline script, and /api/docs with script from files only', async () => {
    const html = await (await t.request('/')).text();
    expect(html).toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const docs = await t.request('/api/docs', { key: null });
    expectHeaders(docs, '/api/docs');
    const docsHtml = await docs.text();
    expect(docsHtml).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect((await t.request('/api/docs/assets/init.js', { key: null })).status).toBe(200);
  });
});
