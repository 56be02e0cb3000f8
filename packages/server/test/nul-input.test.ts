import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrchestrator, type TestOrchestrator } from './harness';
import { engineEnv, orchestratorEngines } from './orchestrator-engines';

/**
 * PostgreSQL text cannot hold U+0000: before the guard in platform/http/app.ts a NUL in a key name or a session
 * prompt was a 500 from the INSERT on PostgreSQL (and a session created at Jules but never mirrored). Now it is a
 * 400 naming the field on both engines, and nothing is written or sent.
 */
describe.each(orchestratorEngines())('NUL characters in JSON bodies (%s)', (engine) => {
  let t: TestOrchestrator;
  let store: Awaited<ReturnType<typeof engineEnv>>;
  beforeAll(async () => {
    store = await engineEnv(engine);
    t = await startTestOrchestrator({ ...store.env, JULES_DEMO_SESSIONS: '0', JULES_DEMO_NEW_SESSION_MS: '0' });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await store?.cleanup();
  });

  const keyNames = async () => ((await (await t.request('/api/keys')).json()) as { items: Array<{ name: string }> }).items.map((k) => k.name);

  it('a key name with a NUL is a 400 naming body.name, and no key is created', async () => {
    const before = await keyNames();
    const res = await t.request('/api/keys', { method: 'POST', json: { name: 'ci\u0000bot', role: 'viewer' } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { issues: Array<{ path: string; message: string }> } } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details.issues[0]).toMatchObject({ path: 'body.name', message: expect.stringContaining('NUL') });
    expect(before.length).toBeGreaterThan(0);
    expect(await keyNames()).toEqual(before);
    // The same body without the NUL is accepted: the guard refuses the character, not the request.
    expect((await t.request('/api/keys', { method: 'POST', json: { name: 'ci-bot', role: 'viewer' } })).status).toBe(201);
  });

  it('a session prompt with a NUL is a 400 naming body.prompt, and no session reaches Jules', async () => {
    const count = async () => ((await (await t.request('/api/sessions?limit=200')).json()) as { items: unknown[] }).items.length;
    const before = await count();
    const res = await t.request('/api/sessions', { method: 'POST', json: { prompt: 'Fix the bug\u0000; drop table jules_sessions' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.details.issues[0].path).toBe('body.prompt');
    expect(await count()).toBe(before);
  });

  it('an escaped backslash followed by u0000 is plain text, not a NUL, and passes', async () => {
    const res = await t.request('/api/keys', { method: 'POST', json: { name: 'literal \\u0000 text', role: 'viewer' } });
    expect(res.status).toBe(201);
    expect(await keyNames()).toContain('literal \\u0000 text');
  });
});

/**
 * The same character coming from Jules: a title and an activity message with U+0000 are mirrored (as U+FFFD) on
 * both engines; before, the PostgreSQL INSERT failed and the session never appeared.
 */
describe.each(orchestratorEngines())('NUL characters from Jules (%s)', (engine) => {
  let t: TestOrchestrator;
  let store: Awaited<ReturnType<typeof engineEnv>>;
  let upstream: import('node:http').Server;
  beforeAll(async () => {
    const http = await import('node:http');
    const now = new Date().toISOString();
    const session = { name: 'sessions/nul1', id: 'nul1', title: 'Fix\u0000 it', prompt: 'p\u0000q', state: 'IN_PROGRESS', createTime: now, updateTime: now };
    const activity = { name: 'sessions/nul1/activities/a1', id: 'a1', originator: 'agent', createTime: now, agentMessaged: { agentMessage: 'done\u0000 soon' } };
    upstream = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/v1alpha/sessions/nul1/activities')) return res.end(JSON.stringify({ activities: [activity] }));
      if (req.url?.startsWith('/v1alpha/sessions/nul1')) return res.end(JSON.stringify(session));
      if (req.url?.startsWith('/v1alpha/sessions')) return res.end(JSON.stringify({ sessions: [session] }));
      res.end('{}');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as import('node:net').AddressInfo).port;
    store = await engineEnv(engine);
    t = await startTestOrchestrator({ ...store.env, JULES_API_KEY: 'k', JULES_API_BASE_URL: `http://127.0.0.1:${port}/v1alpha`, JULES_POLL_INTERVAL_MS: '500' });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await store?.cleanup();
    await new Promise<void>((r) => upstream?.close(() => r()));
  });

  it('mirrors the session and its activity with U+FFFD in place of U+0000', async () => {
    let got: any;
    for (let i = 0; i < 100 && !got; i++) {
      got = ((await (await t.request('/api/sessions')).json()) as { items: any[] }).items.find((s) => s.julesId === 'nul1' || s.name === 'sessions/nul1');
      if (!got) await new Promise((r) => setTimeout(r, 100));
    }
    expect(got?.title).toBe('Fix\uFFFD it');
    let acts: any[] = [];
    for (let i = 0; i < 100 && !acts.length; i++) {
      acts = ((await (await t.request(`/api/sessions/${got.id}/activities`)).json()) as { items: any[] }).items ?? [];
      if (!acts.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(JSON.stringify(acts)).toContain('done\uFFFD soon');
  });
});
