import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundUnreachable } from '../src/platform/outbound';
import { startTestOrchestrator, type TestOrchestrator } from './harness';
import { engineEnv, orchestratorEngines } from './orchestrator-engines';

/**
 * SSRF through the two real paths that carry a stored secret to a user-supplied URL: a Jules account (its key goes
 * out as X-Goog-Api-Key on every poll) and an LLM provider (Authorization / x-api-key on /test). A listener on
 * 127.0.0.1 records every request; it must hear nothing, whatever spelling of its address the URL uses, whether
 * the URL is refused at creation or only at connect time (a stored URL whose name now answers loopback), and when
 * an allowed origin redirects there.
 */
const JULES_KEY = 'AQ.ssrf-jules-SECRET-key-0001';
const LLM_KEY = 'sk-ssrf-llm-SECRET-key-0002';

interface Heard {
  path: string;
  headers: http.IncomingHttpHeaders;
}

async function listen(handler: http.RequestListener): Promise<{ port: number; close(): Promise<void> }> {
  const srv = http.createServer(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as AddressInfo).port, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

const encodings = (port: number) => [
  `http://[::ffff:127.0.0.1]:${port}`, `http://[::ffff:7f00:1]:${port}`, `http://[::ffff:a9fe:a9fe]:${port}`, `http://2130706433:${port}`,
  `http://0177.0.0.1:${port}`, `http://0x7f000001:${port}`, `http://127.1:${port}`, `http://[::1]:${port}`, `http://[64:ff9b::7f00:1]:${port}`,
  `http://0.0.0.0:${port}`, `http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::127.0.0.1]:${port}`,
];

describe.each(orchestratorEngines())('SSRF through Jules accounts and LLM providers (%s)', (engine) => {
  const heard: Heard[] = [];
  const redirected: Heard[] = [];
  let victim: Awaited<ReturnType<typeof listen>>;
  let redirector: Awaited<ReturnType<typeof listen>>;
  let store: Awaited<ReturnType<typeof engineEnv>>;
  let t: TestOrchestrator;

  const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as any });
  /**
   * An account row at a URL that is not Jules (the API checks a key live before saving it, and these servers do not
   * answer as Jules): added through the service without the check, as a stand-in for a URL whose name was rebound.
   */
  const addUnchecked = async (name: string, baseUrl: string) => {
    const me = (await (await t.request('/api/me')).json()) as { workspace: { id: string } };
    return t.orch.sessions.accounts.add(me.workspace.id, { name, apiKey: JULES_KEY, baseUrl }, { verify: false });
  };
  const secretsReached = () => heard.filter((h) => JSON.stringify(h.headers).includes('SECRET'));

  beforeAll(async () => {
    victim = await listen((req, res) => {
      heard.push({ path: req.url ?? '', headers: req.headers });
      res.end('{"sessions":[]}');
    });
    // The only allowed private origin: it answers every request with a redirect to the victim, except under
    // /chatty and /garbled, where it plays an internal service whose answers must never be shown back.
    redirector = await listen((req, res) => {
      if (req.url?.startsWith('/chatty')) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 400, message: 'db password is INTERNAL-hunter2', status: 'INVALID_ARGUMENT' } }));
        return;
      }
      if (req.url?.startsWith('/garbled')) {
        res.end('<html>INTERNAL-hunter2 admin panel</html>');
        return;
      }
      redirected.push({ path: req.url ?? '', headers: req.headers });
      res.writeHead(302, { location: `http://127.0.0.1:${victim.port}${req.url}` });
      res.end();
    });
    store = await engineEnv(engine);
    t = await startTestOrchestrator({ ...store.env, AUTOPILOT_OUTBOUND_ALLOW: `127.0.0.1:${redirector.port}` });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await store?.cleanup();
    await victim?.close();
    await redirector?.close();
  });

  it('POST /api/jules/accounts refuses every encoding of a loopback or metadata address, naming body.baseUrl', async () => {
    for (const url of encodings(victim.port)) {
      const r = await json(await t.request('/api/jules/accounts', { method: 'POST', json: { name: `a-${url}`, apiKey: JULES_KEY, baseUrl: `${url}/v1alpha` } }));
      expect(r.status, url).toBe(400);
      expect(r.body.error.details.issues[0].path, url).toBe('body.baseUrl');
    }
    expect(heard).toEqual([]);
  });

  it('POST /api/providers refuses every encoding, naming baseUrl', async () => {
    for (const url of encodings(victim.port)) {
      const r = await json(await t.request('/api/providers', { method: 'POST', json: { kind: 'openai-compatible', name: `p${encodings(victim.port).indexOf(url)}`, apiKey: LLM_KEY, baseUrl: `${url}/v1`, defaultModels: { default: 'm' } } }));
      expect(r.status, url).toBe(400);
      expect(r.body.error.details.issues[0].path, url).toBe('body.baseUrl');
    }
    expect(heard).toEqual([]);
  });

  it('the allow-list lets exactly the listed host:port in, not another port of the same host', async () => {
    // The allowed origin is reached (the live key check gets its redirect, not followed: 400 on body.baseUrl, nothing saved).
    const before = redirected.length;
    const ok = await json(await t.request('/api/jules/accounts', { method: 'POST', json: { name: 'allowed', apiKey: JULES_KEY, baseUrl: `http://127.0.0.1:${redirector.port}/v1alpha` } }));
    expect(ok.status).toBe(400);
    expect(ok.body.error.details.issues[0].path).toBe('body.baseUrl');
    expect(redirected.length).toBeGreaterThan(before);
    expect(heard).toEqual([]);
    await addUnchecked('allowed', `http://127.0.0.1:${redirector.port}/v1alpha`);
    const other = await t.request('/api/jules/accounts', { method: 'POST', json: { name: 'same-host', apiKey: JULES_KEY, baseUrl: `http://127.0.0.1:${victim.port}/v1alpha` } });
    expect(other.status).toBe(400);
  });

  it('poll: a redirect from the allowed origin is not followed, and a stored URL that now points at loopback is refused at connect time', async () => {
    const accounts = await t.orch.sessions.accounts.list((await (await t.request('/api/me')).json() as any).workspace.id);
    const allowed = accounts.find((a) => a.name === 'allowed')!;
    // A second account whose stored URL points at the victim, as if its name had been rebound after the check.
    const created = { body: await addUnchecked('rebound', `http://127.0.0.1:${redirector.port}/x`) };
    await t.orch.db.kysely.updateTable('jules_accounts').set({ base_url: `http://[::ffff:7f00:1]:${victim.port}/v1alpha` }).where('id', '=', created.body.id).execute();
    const rows = await t.orch.sessions.accounts.allRows();
    // Both polls at once: each retries with backoff before it gives up.
    const outcomes = await Promise.all([allowed.id, created.body.id].map((id) => t.orch.sessions.sessions.syncAccount(rows.find((r) => r.id === id)!).then(() => 'synced', (e: Error) => e)));
    for (const o of outcomes) expect(o).toBeInstanceOf(Error);
    const after = (await json(await t.request('/api/jules/accounts'))).body.items as Array<{ id: string; lastError: string | null }>;
    // Retries may open the account's breaker before they run out; both summaries are generic (no upstream text).
    const generic = new RegExp(`^sessions\\.list: (${OutboundUnreachable.MESSAGE}|circuit open after repeated failures)$`);
    for (const id of [allowed.id, created.body.id]) expect(after.find((a) => a.id === id)?.lastError).toMatch(generic);
    expect(redirected.length).toBeGreaterThan(0);
    expect(redirected.every((r) => r.headers['x-goog-api-key'] === JULES_KEY)).toBe(true);
    expect(heard).toEqual([]);
  });

  it('actions: creating a session through an account whose stored URL is any encoding of loopback fails with the generic error', async () => {
    const created = { body: await addUnchecked('actions', `http://127.0.0.1:${redirector.port}/y`) };
    for (const url of encodings(victim.port)) {
      await t.orch.db.kysely.updateTable('jules_accounts').set({ base_url: `${url}/v1alpha` }).where('id', '=', created.body.id).execute();
      const r = await json(await t.request('/api/sessions', { method: 'POST', json: { prompt: 'hello', accountId: created.body.id } }));
      expect(r.status, url).toBe(503);
      expect(r.body.error.message, url).toBe('Jules is unavailable right now (it could not be reached); try again later');
    }
    expect(heard).toEqual([]);
  });

  it('what an internal service answers never comes back: not in lastError, not in the API error', async () => {
    const ids: Record<string, string> = {};
    for (const kind of ['chatty', 'garbled']) {
      // The live key check meets the internal service first: refused, and none of its words in the answer.
      const r = await json(await t.request('/api/jules/accounts', { method: 'POST', json: { name: kind, apiKey: JULES_KEY, baseUrl: `http://127.0.0.1:${redirector.port}/${kind}` } }));
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).not.toContain('hunter2');
      ids[kind] = (await addUnchecked(kind, `http://127.0.0.1:${redirector.port}/${kind}`)).id;
    }
    const create = await json(await t.request('/api/sessions', { method: 'POST', json: { prompt: 'hello', accountId: ids.chatty } }));
    expect(create.status).toBe(400);
    expect(create.body.error.message).toBe('Jules refused to create the session: it answered HTTP 400 INVALID_ARGUMENT');
    const rows = await t.orch.sessions.accounts.allRows();
    for (const id of Object.values(ids)) await t.orch.sessions.sessions.syncAccount(rows.find((r) => r.id === id)!).catch(() => undefined);
    const after = (await json(await t.request('/api/jules/accounts'))).body.items as Array<{ id: string; lastError: string | null }>;
    expect(after.find((a) => a.id === ids.chatty)?.lastError).toBe('sessions.list: upstream answered HTTP 400 INVALID_ARGUMENT');
    expect(after.find((a) => a.id === ids.garbled)?.lastError).toBe('sessions.list: upstream answered HTTP 200 with an unreadable body');
    expect(JSON.stringify(after) + JSON.stringify(create.body)).not.toContain('hunter2');
  });

  it('/api/providers/{id}/test: a redirect is not followed and a stored loopback URL in any encoding fails the same way', async () => {
    const p = await json(await t.request('/api/providers', { method: 'POST', json: { kind: 'openai-compatible', name: 'redirecting', apiKey: LLM_KEY, baseUrl: `http://127.0.0.1:${redirector.port}/v1`, defaultModels: { default: 'm' } } }));
    expect(p.status).toBe(201);
    const before = redirected.length;
    const first = await json(await t.request(`/api/providers/${p.body.id}/test`, { method: 'POST', json: {} }));
    expect(first.body).toMatchObject({ ok: false, error: { message: `network: ${OutboundUnreachable.MESSAGE}` } });
    expect(redirected.length).toBe(before + 1);
    for (const [i, url] of encodings(victim.port).entries()) {
      await t.orch.db.kysely.updateTable('llm_providers').set({ base_url: `${url}/v1`, updated_at: new Date(Date.now() + i + 1).toISOString() }).where('id', '=', p.body.id).execute();
      const r = await json(await t.request(`/api/providers/${p.body.id}/test`, { method: 'POST', json: {} }));
      expect(r.body, url).toMatchObject({ ok: false, error: { message: `network: ${OutboundUnreachable.MESSAGE}` } });
    }
    expect(heard).toEqual([]);
    expect(secretsReached()).toEqual([]);
  });
});
