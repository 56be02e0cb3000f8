import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestOrchestrator, type TestOrchestrator } from '../../../test/harness';
import { engineEnv, orchestratorEngines } from '../../../test/orchestrator-engines';

/** People end to end on each engine: first person owner, invite-only refusal, sign-in right/wrong/unknown, session, switch 404, CSRF. */
describe.each(orchestratorEngines())('people API (%s)', (engine) => {
  let t: TestOrchestrator;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const e = await engineEnv(engine);
    cleanup = e.cleanup;
    t = await startTestOrchestrator({ ...e.env });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await cleanup?.();
  });
  const cookiesOf = (res: Response) => Object.fromEntries(res.headers.getSetCookie().map((c) => c.split(';')[0].split('=') as [string, string]));
  const post = (path: string, json: unknown) => t.request(path, { method: 'POST', key: null, json });

  it('the first person becomes owner of the default workspace; later sign-ups need an invitation; sign-in gives the same 401 for a wrong password and an unknown e-mail', async () => {
    const weak = await post('/api/auth/signup', { email: 'ada@example.com', password: 'short', name: 'Ada' });
    expect(weak.status).toBe(400);
    // The first person becomes owner of everything in the default workspace: not without an owner key of it.
    const providers = (await (await t.request('/api/auth/providers', { key: null })).json()) as { ownerKeyRequired: boolean };
    expect(providers.ownerKeyRequired).toBe(true);
    for (const ownerKey of [undefined, 'ap_not_a_key_0123456789abcdef']) {
      const refused = await post('/api/auth/signup', { email: 'mallory@example.com', password: 'correct horse battery', name: 'Mallory', ownerKey });
      expect(refused.status).toBe(403);
      expect(JSON.stringify(await refused.json())).toContain('body.ownerKey');
    }
    const other = await t.newWorkspace('someone else');
    const otherOwner = await post('/api/auth/signup', { email: 'mallory@example.com', password: 'correct horse battery', name: 'Mallory', ownerKey: other.key });
    expect(otherOwner.status, 'an owner key of another workspace').toBe(403);
    expect(await t.orch.db.kysely.selectFrom('users').select('id').execute()).toEqual([]);
    const first = await post('/api/auth/signup', { email: ' Ada@Example.com ', password: 'correct horse battery', name: 'Ada', ownerKey: ADMIN_KEY });
    expect(first.status).toBe(201);
    const body = (await first.json()) as { key: { role: string }; person: { email: string; workspaces: Array<{ role: string }> } };
    expect(body.key.role).toBe('owner');
    expect(body.person.email).toBe('ada@example.com');
    expect(body.person.workspaces.map((w) => w.role)).toEqual(['owner']);
    expect(((await (await t.request('/api/auth/providers', { key: null })).json()) as { ownerKeyRequired: boolean }).ownerKeyRequired).toBe(false);
    const second = await post('/api/auth/signup', { email: 'bob@example.com', password: 'another long password', name: 'Bob' });
    expect(second.status).toBe(403);
    const wrong = await post('/api/auth/signin', { email: 'ada@example.com', password: 'not the password' });
    const unknown = await post('/api/auth/signin', { email: 'nobody@example.com', password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toBe(((await unknown.json()) as { error: { message: string } }).error.message);
    const ok = await post('/api/auth/signin', { email: 'ADA@example.com', password: 'correct horse battery' });
    expect(ok.status).toBe(200);
    const c = cookiesOf(ok);
    const cookie = `autopilot_session=${c.autopilot_session}; autopilot_csrf=${c.autopilot_csrf}`;
    const me = (await (await t.request('/api/me', { key: null, headers: { cookie } })).json()) as { person: { email: string } | null };
    expect(me.person?.email).toBe('ada@example.com');
    const noCsrf = await t.request('/api/auth/session/workspace', { method: 'POST', key: null, headers: { cookie }, json: { workspaceId: 'default' } });
    expect(noCsrf.status).toBe(403);
    const elsewhere = await t.request('/api/auth/session/workspace', { method: 'POST', key: null, headers: { cookie, 'x-csrf-token': c.autopilot_csrf }, json: { workspaceId: 'not-mine' } });
    expect(elsewhere.status).toBe(404);
    const keySwitch = await t.request('/api/auth/session/workspace', { method: 'POST', json: { workspaceId: 'default' } });
    expect(keySwitch.status).toBe(403);
    const out = await t.request('/api/auth/session', { method: 'DELETE', key: null, headers: { cookie, 'x-csrf-token': c.autopilot_csrf } });
    expect(out.status).toBe(200);
    expect((await t.request('/api/me', { key: null, headers: { cookie } })).status).toBe(401);
  });
});
