import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import type { JulesSourceList } from '@autopilot/contracts';
import { startTestOrchestrator, type TestOrchestrator } from './harness';

const SECOND_KEY = 'AQ.second-account-key-4242';

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('Jules sources and the live key check (demo simulator + a second simulator)', () => {
  let second: JulesSimulator;
  let srv: ListeningSimulator;
  let dead: number;
  let t: TestOrchestrator;
  let accountId = '';

  beforeAll(async () => {
    second = createJulesSimulator({
      apiKeys: [SECOND_KEY], manualClock: true,
      sources: ['team-a/alpha', { owner: 'team-a', repo: 'beta', defaultBranch: 'trunk', branches: ['dev', 'trunk'], isPrivate: true }],
    });
    srv = await second.listen(0, '127.0.0.1');
    dead = await closedPort();
    t = await startTestOrchestrator({ AUTOPILOT_OUTBOUND_ALLOW: `127.0.0.1:${srv.port},127.0.0.1:${dead}`, JULES_POLL_INTERVAL_MS: '3600000' });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await srv?.close();
  });

  const json = async <T = any>(res: Response | Promise<Response>, status = 200): Promise<T> => {
    const r = await res;
    const body = await r.json();
    expect({ status: r.status, body }).toMatchObject({ status });
    return body as T;
  };
  const sources = (q = '') => json<JulesSourceList>(t.request(`/api/jules/sources${q}`));
  const listCalls = () => second.log().filter((e) => e.route === 'sources.list').length;

  it("lists the demo simulator's repositories with their branches, default first", async () => {
    const all = await sources();
    expect(all.errors).toEqual([]);
    expect(all.items.map((s) => `${s.owner}/${s.repo}`)).toEqual([
      'acme-corp/mobile-app', 'acme-corp/payments-api', 'acme-corp/storefront', 'octo-labs/cli-tools', 'octo-labs/data-pipeline', 'octo-labs/docs-site',
    ]);
    const mobile = all.items[0];
    expect(mobile).toMatchObject({ name: 'sources/github/acme-corp/mobile-app', accountName: 'Simulator (demo)', defaultBranch: 'develop', branches: ['develop', 'main'], isPrivate: true });
    expect(all.fetchedAt).not.toBeNull();
  });

  it('searches as you type: part of owner/repo, any spelling of a source name, case-insensitive', async () => {
    expect((await sources('?q=PAY')).items.map((s) => s.repo)).toEqual(['payments-api']);
    expect((await sources('?q=octo-labs/d')).items.map((s) => s.repo)).toEqual(['data-pipeline', 'docs-site']);
    expect((await sources('?q=github/acme-corp/storefront')).items.map((s) => s.repo)).toEqual(['storefront']);
    expect((await sources(`?q=${encodeURIComponent('sources/github/octo-labs/cli-tools')}`)).items.map((s) => s.repo)).toEqual(['cli-tools']);
    expect((await sources('?q=nothing-like-this')).items).toEqual([]);
    expect((await sources('?limit=2')).items).toHaveLength(2);
    const bad = await json(t.request('/api/jules/sources?refresh=maybe'), 400);
    expect(bad.error.details.issues[0].path).toBe('query.refresh');
  });

  it('refuses a key Jules refuses (400 naming body.apiKey), and an address that does not answer (400 naming body.baseUrl); nothing is saved', async () => {
    const refused = await json(t.request('/api/jules/accounts', { method: 'POST', json: { name: 'second', apiKey: 'AQ.not-a-key-of-this-sim', baseUrl: srv.baseUrl } }), 400);
    expect(refused.error.details.issues[0]).toMatchObject({ path: 'body.apiKey', message: 'Jules refused this key' });
    expect(refused.error.message).toMatch(/^Jules refused this key/);
    const unreachable = await json(t.request('/api/jules/accounts', { method: 'POST', json: { name: 'second', apiKey: SECOND_KEY, baseUrl: `http://127.0.0.1:${dead}/v1alpha` } }), 400);
    expect(unreachable.error.message).toMatch(/could not be checked.*could not be reached/);
    expect(unreachable.error.details.issues[0].path).toBe('body.baseUrl');
    expect(JSON.stringify([refused, unreachable])).not.toContain('not-a-key-of-this-sim');
    second.setFaults({ rules: [{ op: 'sources.list', kind: '500', count: 5 }] });
    const down = await json(t.request('/api/jules/accounts', { method: 'POST', json: { name: 'second', apiKey: SECOND_KEY, baseUrl: srv.baseUrl } }), 503);
    expect(down.error.message).toMatch(/unavailable right now \(HTTP 500\).*nothing was saved/);
    second.setFaults({ rules: [{ op: 'sources.list', kind: '429', count: 5 }] });
    const limited = await json(t.request('/api/jules/accounts', { method: 'POST', json: { name: 'second', apiKey: SECOND_KEY, baseUrl: srv.baseUrl } }), 429);
    expect(limited.error).toMatchObject({ code: 'rate_limited', details: { retryAfterMs: expect.any(Number) } });
    second.setFaults({});
    const accounts = await json<{ items: { name: string }[] }>(t.request('/api/jules/accounts'));
    expect(accounts.items.map((a) => a.name)).toEqual(['Simulator (demo)']);
  });

  it('adds an account whose key Jules accepts, and lists its sources with the others', async () => {
    const calls = listCalls();
    const added = await json<{ id: string; keyLast4: string }>(t.request('/api/jules/accounts', { method: 'POST', json: { name: 'second', apiKey: SECOND_KEY, baseUrl: srv.baseUrl } }), 201);
    expect(listCalls()).toBe(calls + 1);
    accountId = added.id;
    expect(added.keyLast4).toBe('4242');
    const mine = await sources(`?accountId=${accountId}`);
    expect(mine.items).toEqual([
      { name: 'sources/github/team-a/alpha', owner: 'team-a', repo: 'alpha', accountId, accountName: 'second', defaultBranch: 'main', branches: ['main'], isPrivate: false },
      { name: 'sources/github/team-a/beta', owner: 'team-a', repo: 'beta', accountId, accountName: 'second', defaultBranch: 'trunk', branches: ['trunk', 'dev'], isPrivate: true },
    ]);
    expect((await json<JulesSourceList>(t.request(`/api/jules/accounts/${accountId}/sources?q=bet`))).items.map((s) => s.repo)).toEqual(['beta']);
    expect((await sources()).items).toHaveLength(8);
    await json(t.request('/api/jules/sources?accountId=no-such-account'), 404);
    await json(t.request('/api/jules/accounts/no-such-account/sources'), 404);
  });

  it('answers typing from the cache (one Jules call per account), refresh asks again, a rename shows at once', async () => {
    const calls = listCalls();
    for (const q of ['a', 'al', 'alp', 'alph', 'alpha']) await sources(`?q=${q}`);
    expect(listCalls()).toBe(calls);
    await sources('?refresh=true');
    expect(listCalls()).toBe(calls + 1);
    await json(t.request(`/api/jules/accounts/${accountId}`, { method: 'PATCH', json: { name: 'second (renamed)' } }));
    expect(new Set((await sources(`?accountId=${accountId}`)).items.map((s) => s.accountName))).toEqual(new Set(['second (renamed)']));
    expect(listCalls()).toBe(calls + 1);
  });

  it('a rotated key is checked live too', async () => {
    const r = await json(t.request(`/api/jules/accounts/${accountId}`, { method: 'PATCH', json: { apiKey: 'AQ.rotated-but-wrong-0000' } }), 400);
    expect(r.error.details.issues[0].path).toBe('body.apiKey');
    const rows = await json<{ items: { id: string; keyLast4: string }[] }>(t.request('/api/jules/accounts'));
    expect(rows.items.find((a) => a.id === accountId)?.keyLast4).toBe('4242');
  });

  it('an account that cannot list is reported in errors while the others are answered', async () => {
    second.setFaults({ rules: [{ op: 'sources.list', kind: '403', count: 1 }] });
    const r = await sources('?refresh=true');
    expect(r.errors).toEqual([{ accountId, accountName: 'second (renamed)', message: "Jules refused this account's key: rotate it on the Jules accounts page" }]);
    expect(r.items.map((s) => s.accountName)).toEqual(Array(6).fill('Simulator (demo)'));
  });

  it('lower roles may list sources but not add accounts', async () => {
    const viewer = await json<{ key: string }>(t.request('/api/keys', { method: 'POST', json: { name: 'viewer', role: 'viewer' } }), 201);
    const list = await json<JulesSourceList>(t.request('/api/jules/sources', { key: viewer.key }));
    expect(list.items.length).toBeGreaterThan(0);
    await json(t.request('/api/jules/accounts', { method: 'POST', key: viewer.key, json: { name: 'nope', apiKey: SECOND_KEY, baseUrl: srv.baseUrl } }), 403);
  });
});
