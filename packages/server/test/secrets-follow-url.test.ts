import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrchestrator, type TestOrchestrator } from './harness';
import { engineEnv, orchestratorEngines } from './orchestrator-engines';

/**
 * A stored secret follows its URL: moving a provider or a Jules account to another base URL needs the secret again
 * (otherwise an admin could send the operator's key anywhere with one PATCH), and the URLs of env-seeded providers
 * and accounts cannot be changed through the API at all. Every refused PATCH leaves the stored URL unchanged and
 * sends nothing anywhere.
 */
const ENV_OPENAI_KEY = 'sk-env-openai-SECRET-follow-0001';
const API_KEY = 'sk-api-provider-SECRET-follow-0002';
const JULES_KEY = 'AQ.jules-account-SECRET-follow-0003';
const JULES_ENV_KEY = 'AQ.jules-env-SECRET-follow-0004';

describe.each(orchestratorEngines())('secrets follow their URL (%s)', (engine) => {
  let upstream: http.Server;
  let second: http.Server;
  let operator: http.Server;
  const operatorHeard: http.IncomingHttpHeaders[] = [];
  let operatorPort = 0;
  let port = 0;
  let other = 0;
  let store: Awaited<ReturnType<typeof engineEnv>>;
  let t: TestOrchestrator;
  const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as any });

  beforeAll(async () => {
    upstream = http.createServer((_req, res) => res.end('{"sessions":[]}'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    port = (upstream.address() as AddressInfo).port;
    // Where the operator's env URLs point: private and NOT in the allow-list, reachable only because env is trusted.
    operator = http.createServer((req, res) => {
      operatorHeard.push(req.headers);
      res.end('{"sessions":[]}');
    });
    await new Promise<void>((r) => operator.listen(0, '127.0.0.1', r));
    operatorPort = (operator.address() as AddressInfo).port;
    // A second destination that answers (a Jules key is checked live at its new URL before it moves there).
    second = http.createServer((_req, res) => res.end('{"sources":[]}'));
    await new Promise<void>((r) => second.listen(0, '127.0.0.1', r));
    other = (second.address() as AddressInfo).port;
    store = await engineEnv(engine);
    t = await startTestOrchestrator({
      ...store.env,
      OPENAI_API_KEY: ENV_OPENAI_KEY,
      OPENAI_BASE_URL: `http://127.0.0.1:${operatorPort}/v1`,
      JULES_API_KEY: JULES_ENV_KEY,
      JULES_API_BASE_URL: `http://127.0.0.1:${operatorPort}/v1alpha`,
      JULES_POLL_INTERVAL_MS: '3600000',
      // Two destinations the API may name; both on loopback, so the guard still decides every other URL.
      AUTOPILOT_OUTBOUND_ALLOW: `127.0.0.1:${port},127.0.0.1:${other}`,
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await store?.cleanup();
    await new Promise<void>((r) => upstream?.close(() => r()));
    await new Promise<void>((r) => second?.close(() => r()));
    await new Promise<void>((r) => operator?.close(() => r()));
  });

  it('provider: a new baseUrl without the apiKey is a 400 naming apiKey, and the stored URL stays', async () => {
    const created = await json(await t.request('/api/providers', { method: 'POST', json: { kind: 'openai-compatible', name: 'mine', apiKey: API_KEY, baseUrl: `http://127.0.0.1:${port}/v1`, defaultModels: { default: 'm' } } }));
    expect(created.status).toBe(201);
    const moved = await json(await t.request(`/api/providers/${created.body.id}`, { method: 'PATCH', json: { baseUrl: `http://127.0.0.1:${other}/v1` } }));
    expect(moved.status).toBe(400);
    expect(moved.body.error.details.issues[0].path).toBe('body.apiKey');
    expect((await json(await t.request(`/api/providers/${created.body.id}`))).body.baseUrl).toBe(`http://127.0.0.1:${port}/v1`);
    // With the key again, the move is accepted; other fields never needed it.
    const withKey = await json(await t.request(`/api/providers/${created.body.id}`, { method: 'PATCH', json: { baseUrl: `http://127.0.0.1:${other}/v1`, apiKey: 'sk-new-key-for-new-url-9999' } }));
    expect(withKey.status).toBe(200);
    expect(withKey.body).toMatchObject({ baseUrl: `http://127.0.0.1:${other}/v1`, keyLast4: '9999' });
    expect((await t.request(`/api/providers/${created.body.id}`, { method: 'PATCH', json: { priority: 5 } })).status).toBe(200);
    // Back to the vendor default is a move too.
    const reset = await json(await t.request(`/api/providers/${created.body.id}`, { method: 'PATCH', json: { baseUrl: null } }));
    expect(reset.status).toBe(400);
  });

  it('provider: a new baseUrl with the key is still checked (private, not allowed: 400 naming baseUrl)', async () => {
    const list = (await json(await t.request('/api/providers'))).body.items as Array<{ id: string; name: string }>;
    const mine = list.find((p) => p.name === 'mine')!;
    const r = await json(await t.request(`/api/providers/${mine.id}`, { method: 'PATCH', json: { baseUrl: 'http://169.254.169.254/v1', apiKey: 'sk-another-key-0000' } }));
    expect(r.status).toBe(400);
    expect(r.body.error.details.issues[0].path).toBe('body.baseUrl');
  });

  it('provider seeded from the environment: its URL cannot be changed through the API, even with a key', async () => {
    const list = (await json(await t.request('/api/providers'))).body.items as Array<{ id: string; source: string; baseUrl: string }>;
    const seeded = list.find((p) => p.source === 'env')!;
    for (const patch of [{ baseUrl: `http://127.0.0.1:${other}/v1` }, { baseUrl: `http://127.0.0.1:${other}/v1`, apiKey: 'sk-attacker-key-1234' }, { baseUrl: null }]) {
      const r = await json(await t.request(`/api/providers/${seeded.id}`, { method: 'PATCH', json: patch }));
      expect(r.status, JSON.stringify(patch)).toBe(409);
      expect(r.body.error.details.issues[0].path).toBe('body.baseUrl');
    }
    expect((await json(await t.request(`/api/providers/${seeded.id}`))).body.baseUrl).toBe(`http://127.0.0.1:${operatorPort}/v1`);
    expect((await t.request(`/api/providers/${seeded.id}`, { method: 'PATCH', json: { enabled: false } })).status).toBe(200);
  });

  it('Jules account: a new baseUrl without the apiKey is a 400 naming body.apiKey; with it, the move is checked and accepted', async () => {
    const created = await json(await t.request('/api/jules/accounts', { method: 'POST', json: { name: 'team', apiKey: JULES_KEY, baseUrl: `http://127.0.0.1:${port}/v1alpha` } }));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const moved = await json(await t.request(`/api/jules/accounts/${id}`, { method: 'PATCH', json: { baseUrl: `http://127.0.0.1:${other}/v1alpha` } }));
    expect(moved.status).toBe(400);
    expect(moved.body.error.details.issues[0].path).toBe('body.apiKey');
    const toDefault = await json(await t.request(`/api/jules/accounts/${id}`, { method: 'PATCH', json: { baseUrl: null } }));
    expect(toDefault.status).toBe(400);
    const privateUrl = await json(await t.request(`/api/jules/accounts/${id}`, { method: 'PATCH', json: { baseUrl: 'http://[::ffff:a9fe:a9fe]/v1alpha', apiKey: 'AQ.new-key-0000' } }));
    expect(privateUrl.status).toBe(400);
    expect(privateUrl.body.error.details.issues[0].path).toBe('body.baseUrl');
    const rows = (await json(await t.request('/api/jules/accounts'))).body.items as Array<{ id: string; baseUrl: string; keyLast4: string }>;
    expect(rows.find((a) => a.id === id)).toMatchObject({ baseUrl: `http://127.0.0.1:${port}/v1alpha`, keyLast4: '0003' });
    const ok = await json(await t.request(`/api/jules/accounts/${id}`, { method: 'PATCH', json: { baseUrl: `http://127.0.0.1:${other}/v1alpha`, apiKey: 'AQ.new-key-for-new-url-7777' } }));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ baseUrl: `http://127.0.0.1:${other}/v1alpha`, keyLast4: '7777' });
    expect((await json(await t.request(`/api/jules/accounts/${id}`, { method: 'PATCH', json: { name: 'team renamed' } }))).body.name).toBe('team renamed');
  });

  it('Jules account from the environment (JULES_API_KEY): no change through the API', async () => {
    const rows = (await json(await t.request('/api/jules/accounts'))).body.items as Array<{ id: string; origin: string; baseUrl: string }>;
    const env = rows.find((a) => a.origin === 'env')!;
    const r = await json(await t.request(`/api/jules/accounts/${env.id}`, { method: 'PATCH', json: { baseUrl: `http://127.0.0.1:${other}/v1alpha`, apiKey: 'AQ.attacker-key-5555' } }));
    expect(r.status).toBe(409);
    expect((await json(await t.request('/api/jules/accounts'))).body.items.find((a: { id: string }) => a.id === env.id).baseUrl).toBe(`http://127.0.0.1:${operatorPort}/v1alpha`);
  });

  it("the operator's env URLs are trusted: they reach a private address the allow-list does not name", async () => {
    const rows = await t.orch.sessions.accounts.allRows();
    await t.orch.sessions.sessions.syncAccount(rows.find((r) => r.origin === 'env')!);
    expect(operatorHeard.some((h) => h['x-goog-api-key'] === JULES_ENV_KEY)).toBe(true);
    const seeded = ((await json(await t.request('/api/providers'))).body.items as Array<{ id: string; source: string }>).find((p) => p.source === 'env')!;
    await t.request(`/api/providers/${seeded.id}`, { method: 'PATCH', json: { enabled: true } });
    await t.request(`/api/providers/${seeded.id}/test`, { method: 'POST', json: {} });
    expect(operatorHeard.some((h) => h.authorization === `Bearer ${ENV_OPENAI_KEY}`)).toBe(true);
  });
});
