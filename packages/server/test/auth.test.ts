import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '@autopilot/contracts';
import { isPublicApi } from '../src/platform/http/auth';
import { ADMIN_KEY, apiRoutes, fillParams, startTestOrchestrator, type TestOrchestrator } from './harness';

describe('authentication on every /api route', () => {
  let t: TestOrchestrator;
  beforeAll(async () => {
    t = await startTestOrchestrator();
  });
  afterAll(async () => t?.close());

  it('answers 401 with the error shape without a key, and with a wrong key', async () => {
    const routes = apiRoutes(t.orch).filter((r) => !isPublicApi(r.method, r.path));
    expect(routes.length).toBeGreaterThan(5);
    for (const r of routes) {
      for (const key of [null, 'ap_wrong_key_that_does_not_exist']) {
        const res = await t.request(fillParams(r.path), { method: r.method, key, ...(r.method === 'GET' ? {} : { json: {} }) });
        expect(res.status, `${r.method} ${r.path} key=${key}`).toBe(401);
        expect(ErrorBody.safeParse(await res.json()).success).toBe(true);
      }
    }
  });

  it('keeps public only the documentation, the invitation preview and the sign-in, sign-up and reset routes (authenticated by what their bodies carry)', async () => {
    const publicRoutes = apiRoutes(t.orch).filter((r) => isPublicApi(r.method, r.path));
    expect(publicRoutes.map((r) => r.path).sort()).toEqual(['/api/auth/password-reset', '/api/auth/password-reset/confirm', '/api/auth/providers', '/api/auth/signin', '/api/auth/signup', '/api/docs', '/api/docs/assets/:file', '/api/invites/:token', '/api/openapi.json']);
  });

  it('answers /api/me for a valid key, and read-only viewer keys cannot write', async () => {
    const me = await (await t.request('/api/me')).json();
    expect(me.workspace.name).toBe('default');
    expect(me.key.role).toBe('owner');
    const created = await (await t.request('/api/keys', { method: 'POST', json: { name: 'ro', role: 'viewer' } })).json();
    expect(created.key).toMatch(/^ap_/);
    expect((await t.request('/api/me', { key: created.key })).status).toBe(200);
    const denied = await t.request('/api/keys', { method: 'POST', key: created.key, json: { name: 'x' } });
    expect(denied.status).toBe(403);
  });

  it('never returns a stored key again, and revoked keys stop working', async () => {
    const created = await (await t.request('/api/keys', { method: 'POST', json: { name: 'temp' } })).json();
    const list = await (await t.request('/api/keys')).text();
    expect(list).not.toContain(created.key);
    expect(list).not.toContain(ADMIN_KEY);
    expect((await t.request(`/api/keys/${created.id}`, { method: 'DELETE' })).status).toBe(200);
    // The auth cache is cleared on revoke in this process.
    expect((await t.request('/api/me', { key: created.key })).status).toBe(401);
  });
});
