import { describe, expect, it } from 'vitest';
import { REPO, makeClient, repoContext, HOUR } from './helpers.ts';

const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

describe('auth and errors', () => {
  it('answers 401 UNAUTHENTICATED in the Google envelope for a missing or wrong key', async () => {
    const c = makeClient();
    const missing = await c.call('GET', '/v1alpha/sessions', undefined, { 'x-goog-api-key': '' });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ error: { code: 401, message: expect.any(String), status: 'UNAUTHENTICATED' } });
    const wrong = await c.call('GET', '/v1alpha/sessions', undefined, { 'x-goog-api-key': 'nope' });
    expect(wrong.status).toBe(401);
    expect((await c.call('GET', '/v1alpha/sessions')).status).toBe(200);
  });

  it('accepts any non-empty key when no keys are configured', async () => {
    const c = makeClient({ apiKeys: undefined });
    expect((await c.call('GET', '/v1alpha/sources', undefined, { 'x-goog-api-key': 'anything' })).status).toBe(200);
  });

  it('validates create: prompt, startingBranch, unknown fields, JSON and source', async () => {
    const c = makeClient();
    const cases: Array<[unknown, number, string]> = [
      [{}, 400, 'INVALID_ARGUMENT'],
      [{ prompt: '   ' }, 400, 'INVALID_ARGUMENT'],
      [{ prompt: 'x', sourceContext: { source: REPO } }, 400, 'INVALID_ARGUMENT'],
      [{ prompt: 'x', bogus: 1 }, 400, 'INVALID_ARGUMENT'],
      ['{not json', 400, 'INVALID_ARGUMENT'],
      [{ prompt: 'x', sourceContext: { source: 'sources/github/no/such', githubRepoContext: { startingBranch: 'main' } } }, 404, 'NOT_FOUND'],
    ];
    for (const [body, status, code] of cases) {
      const r = await c.call('POST', '/v1alpha/sessions', body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.body.error).toMatchObject({ code: status, status: code });
    }
  });

  it('answers 404 for unknown sessions, activities, verbs and paths', async () => {
    const c = makeClient();
    const s = await c.create('Fix the footer');
    expect((await c.call('GET', '/v1alpha/sessions/1234567890123456789')).status).toBe(404);
    expect((await c.call('GET', `/v1alpha/sessions/${s.id}/activities/${'0'.repeat(32)}`)).status).toBe(404);
    expect((await c.call('POST', `/v1alpha/sessions/${s.id}:explode`, {})).status).toBe(404);
    expect((await c.call('GET', '/v1alpha/nothing')).body.error.status).toBe('NOT_FOUND');
  });
});

describe('sessions', () => {
  it('creates a QUEUED session with the live id, name, url and timestamp formats', async () => {
    const c = makeClient();
    const s = await c.create('Add CSV export to the analytics dashboard', { ...repoContext('develop'), title: 'CSV export' });
    expect(s.id).toMatch(/^\d{19,20}$/);
    expect(s).toMatchObject({
      name: `sessions/${s.id}`, state: 'QUEUED', title: 'CSV export', url: `https://jules.google.com/session/${s.id}`,
      sourceContext: { source: REPO, githubRepoContext: { startingBranch: 'develop' } },
    });
    // Input-only on the live API: accepted at create, never read back.
    expect([s.automationMode, s.requirePlanApproval]).toEqual([undefined, undefined]);
    expect(s.createTime).toMatch(TS);
    expect(s.updateTime).toBe(s.createTime);
    expect(s.archived).toBeUndefined();
    expect(await c.get(`/v1alpha/sessions/${s.id}`)).toEqual(s);
  });

  it('lists newest first with default 30, clamps to 100 and pages with opaque tokens', async () => {
    const c = makeClient({ sessions: 250 });
    const first = await c.get('/v1alpha/sessions');
    expect(first.sessions).toHaveLength(30);
    expect((await c.get('/v1alpha/sessions?pageSize=500')).sessions).toHaveLength(100);
    const seen: any[] = [];
    let token = '';
    do {
      const page = await c.get(`/v1alpha/sessions?pageSize=100${token ? `&pageToken=${token}` : ''}`);
      seen.push(...page.sessions);
      token = page.nextPageToken ?? '';
    } while (token);
    expect(seen).toHaveLength(250);
    expect(new Set(seen.map((s) => s.id)).size).toBe(250);
    const times = seen.map((s) => s.createTime);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('keeps pages stable when new sessions arrive between pages', async () => {
    const c = makeClient({ sessions: 5 });
    const p1 = await c.get('/v1alpha/sessions?pageSize=3');
    await c.create('A newer session');
    const p2 = await c.get(`/v1alpha/sessions?pageSize=3&pageToken=${p1.nextPageToken}`);
    expect(p2.sessions).toHaveLength(2);
    expect(p2.nextPageToken).toBeUndefined();
    expect(new Set([...p1.sessions, ...p2.sessions].map((s: any) => s.id)).size).toBe(5);
  });

  it('rejects bad page tokens, page sizes and filters with 400 INVALID_ARGUMENT', async () => {
    const c = makeClient({ sessions: 3 });
    for (const q of ['pageToken=garbage!', 'pageSize=-1', 'pageSize=abc', 'filter=state%3DDONE']) {
      const r = await c.call('GET', `/v1alpha/sessions?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.status).toBe('INVALID_ARGUMENT');
    }
    const srcToken = (await c.get('/v1alpha/sources?pageSize=1')).nextPageToken;
    expect((await c.call('GET', `/v1alpha/sessions?pageToken=${srcToken}`)).status).toBe(400);
  });

  it('hides archived sessions by default and shows them with filter archived = true', async () => {
    const c = makeClient();
    const a = await c.create('First');
    const b = await c.create('Second');
    const archived = await c.post(`/v1alpha/sessions/${a.id}:archive`);
    expect(archived).toMatchObject({ id: a.id, archived: true });
    expect((await c.get('/v1alpha/sessions')).sessions.map((s: any) => s.id)).toEqual([b.id]);
    const only = await c.get(`/v1alpha/sessions?filter=${encodeURIComponent('archived = true')}`);
    expect(only.sessions.map((s: any) => s.id)).toEqual([a.id]);
    expect((await c.post(`/v1alpha/sessions/${a.id}:unarchive`)).archived).toBeUndefined();
    expect((await c.get('/v1alpha/sessions')).sessions).toHaveLength(2);
  });

  it('deletes: {} then 404', async () => {
    const c = makeClient();
    const s = await c.create('Delete me');
    expect(await c.call('DELETE', `/v1alpha/sessions/${s.id}`)).toMatchObject({ status: 200, body: {} });
    expect((await c.call('DELETE', `/v1alpha/sessions/${s.id}`)).status).toBe(404);
    expect((await c.call('GET', `/v1alpha/sessions/${s.id}`)).status).toBe(404);
  });

  it('approvePlan without a pending plan is 400 FAILED_PRECONDITION; sendMessage needs a prompt', async () => {
    const c = makeClient();
    const s = await c.create('Fix it [sim:happy]');
    const r = await c.call('POST', `/v1alpha/sessions/${s.id}:approvePlan`, {});
    expect(r.status).toBe(400);
    expect(r.body.error.status).toBe('FAILED_PRECONDITION');
    const m = await c.call('POST', `/v1alpha/sessions/${s.id}:sendMessage`, {});
    expect(m.body.error.status).toBe('INVALID_ARGUMENT');
  });

  it('moves updateTime only when an activity or the state changes', async () => {
    const c = makeClient();
    const s = await c.create('Add tests for the cart [sim:stall]');
    c.advance(2 * HOUR);
    const a = await c.get(`/v1alpha/sessions/${s.id}`);
    expect(a.state).toBe('IN_PROGRESS');
    const last = (await c.activities(s.id)).at(-1);
    expect(a.updateTime).toBe(last.createTime);
    c.advance(24 * HOUR);
    expect((await c.get(`/v1alpha/sessions/${s.id}`)).updateTime).toBe(a.updateTime);
    await c.post(`/v1alpha/sessions/${s.id}:sendMessage`, { prompt: 'Go on' });
    expect((await c.get(`/v1alpha/sessions/${s.id}`)).updateTime > a.updateTime).toBe(true);
  });
});

describe('activities', () => {
  it('lists oldest first, 50 by default, with 32-hex ids and the bare "Session started" first', async () => {
    const c = makeClient();
    const s = await c.create('Improve error messages of signup validation [sim:happy]', repoContext());
    c.advance(2 * HOUR);
    const acts = await c.activities(s.id);
    expect(acts[0]).toEqual({
      name: `sessions/${s.id}/activities/${acts[0].id}`, id: acts[0].id, createTime: s.createTime,
      originator: 'system', description: 'Session started',
    });
    for (const a of acts) expect(a.id).toMatch(/^[0-9a-f]{32}$/);
    const times = acts.map((a: any) => a.createTime);
    expect([...times].sort()).toEqual(times);
    expect(new Set(times).size).toBe(times.length);
    const one = await c.get(`/v1alpha/sessions/${s.id}/activities/${acts[2].id}`);
    expect(one).toEqual(acts[2]);
  });

  it('pages with tokens and filters on create_time with >, >=, <, <=', async () => {
    const c = makeClient();
    const s = await c.create('Write integration tests for the inventory sync job [sim:happy]', repoContext());
    c.advance(2 * HOUR);
    const all = await c.activities(s.id);
    expect(all.length).toBeGreaterThan(6);
    const p1 = await c.get(`/v1alpha/sessions/${s.id}/activities?pageSize=4`);
    expect(p1.activities).toHaveLength(4);
    const p2 = await c.get(`/v1alpha/sessions/${s.id}/activities?pageSize=4&pageToken=${p1.nextPageToken}`);
    expect(p2.activities[0]).toEqual(all[4]);
    const q = (f: string) => c.get(`/v1alpha/sessions/${s.id}/activities?filter=${encodeURIComponent(f)}`);
    const pivot = all[3].createTime;
    expect((await q(`create_time>"${pivot}"`)).activities).toEqual(all.slice(4));
    expect((await q(`create_time>="${pivot}"`)).activities).toEqual(all.slice(3));
    expect((await q(`create_time<"${pivot}"`)).activities).toEqual(all.slice(0, 3));
    expect((await q(`create_time<="${pivot}"`)).activities).toEqual(all.slice(0, 4));
    expect(await q(`create_time>"${all.at(-1).createTime}"`)).toEqual({});
    const bad = await c.call('GET', `/v1alpha/sessions/${s.id}/activities?filter=${encodeURIComponent('create_time>"yesterday"')}`);
    expect(bad.body.error.status).toBe('INVALID_ARGUMENT');
  });
});

describe('sources', () => {
  it('lists, pages, filters (OR) and gets by a slash-containing name', async () => {
    const c = makeClient();
    const all = await c.get('/v1alpha/sources');
    expect(all.sources.length).toBeGreaterThanOrEqual(5);
    expect(all.sources[0]).toMatchObject({
      name: 'sources/github/acme-corp/storefront', id: 'github/acme-corp/storefront',
      githubRepo: { owner: 'acme-corp', repo: 'storefront', isPrivate: false, defaultBranch: { displayName: 'main' } },
    });
    const p1 = await c.get('/v1alpha/sources?pageSize=2');
    const p2 = await c.get(`/v1alpha/sources?pageSize=2&pageToken=${p1.nextPageToken}`);
    expect(p2.sources[0]).toEqual(all.sources[2]);
    const f = encodeURIComponent('name="sources/github/acme-corp/storefront" OR name="sources/github/octo-labs/docs-site"');
    expect((await c.get(`/v1alpha/sources?filter=${f}`)).sources.map((s: any) => s.id)).toEqual(['github/acme-corp/storefront', 'github/octo-labs/docs-site']);
    expect((await c.get('/v1alpha/sources/github/octo-labs/docs-site')).id).toBe('github/octo-labs/docs-site');
    expect((await c.call('GET', '/v1alpha/sources/github/no/such')).status).toBe(404);
  });
});
