import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePostgresInCi, testEngines } from '../../platform/db/testing';
import { createHooksRig, sign, type HooksRig } from './hooks.testing';

requirePostgresInCi();

const SECRET = 'a-sender-secret-0123456789';
const rule = (name: string) => ({ name, conditions: [{ path: '$.body.action', op: 'equals', value: 'opened' }], action: { kind: 'notify', title: 'PR {{n}}' } });

describe.each(testEngines())('hooks endpoints API (%s)', (engine) => {
  let r: HooksRig;
  beforeAll(async () => {
    r = await createHooksRig(engine);
  });
  afterAll(async () => r?.close());

  it('create: a generated secret answered once (standard: whsec_ + base64 of 24 bytes), sealed, never in GET; url, unguessable id', async () => {
    const res = await r.request('/api/hooks/endpoints', { method: 'POST', json: { name: 'Std', preset: 'standard' } });
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(/^hk_[A-Za-z0-9]{20}$/);
    expect(res.body.url).toBe(`https://autopilot.example.com/hooks/${res.body.id}`);
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(res.body.secret.slice(6), 'base64')).toHaveLength(24);
    expect(res.body.secretLast4).toBe(res.body.secret.slice(-4));
    const got = await r.request(`/api/hooks/endpoints/${res.body.id}`);
    expect(JSON.stringify(got.body)).not.toContain(res.body.secret);
    expect(got.body).not.toHaveProperty('secret');
    const list = await r.request('/api/hooks/endpoints');
    expect(JSON.stringify(list.body)).not.toContain(res.body.secret);
    const row = await r.db.kysely.selectFrom('hook_endpoints').selectAll().where('id', '=', res.body.id).executeTakeFirstOrThrow();
    expect(row.secret_sealed).not.toContain(res.body.secret);
    const gh = await r.request('/api/hooks/endpoints', { method: 'POST', json: { name: 'Gh', preset: 'github' } });
    expect(gh.body.secret).toMatch(/^[0-9a-f]{64}$/);
    const given = await r.request('/api/hooks/endpoints', { method: 'POST', json: { name: 'Given', preset: 'github', secret: SECRET } });
    expect(given.body.secret).toBeNull();
  });

  it('rules: ids assigned, enabled by default; omitted → the preset starter rules; runner issues → 400 naming body.rules.N', async () => {
    const res = await r.request('/api/hooks/endpoints', { method: 'POST', json: { name: 'R', preset: 'github', secret: SECRET, rules: [rule('a'), { ...rule('b'), id: 'mine', enabled: false }] } });
    expect(res.body.rules).toMatchObject([{ name: 'a', enabled: true }, { id: 'mine', name: 'b', enabled: false }]);
    expect(res.body.rules[0].id).toMatch(/^r_[0-9a-f]{12}$/);
    // The Linear starter rule launches sessions: it needs their repository, named in the 400, checked like one.
    const noRepo = await r.request('/api/hooks/endpoints', { method: 'POST', json: { name: 'L', preset: 'linear', secret: SECRET } });
    expect(noRepo.status).toBe(400);
    expect(noRepo.body.error.details.issues[0].path).toBe('body.repo');
    const oddRepo = await r.request('/api/hooks/endpoints', { method: 'POST', json: { name: 'L', preset: 'linear', secret: SECRET, repo: 'not a repo' } });
    expect(oddRepo.body.error.details.issues[0].path).toBe('body.repo');
    const starter = await r.request('/api/hooks/endpoints', { method: 'POST', json: { name: 'L', preset: 'linear', secret: SECRET, repo: 'acme/shop' } });
    expect(starter.body.rules).toMatchObject([{ name: 'Issues labelled jules', enabled: true }]);
    const bad = await r.request('/api/hooks/endpoints', { method: 'POST', json: { name: 'X', preset: 'github', rules: [rule('ok'), rule('invalid')] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues).toEqual([expect.objectContaining({ path: 'body.rules.1.conditions' })]);
    const dup = await r.request(`/api/hooks/endpoints/${res.body.id}`, { method: 'PATCH', json: { rules: [{ ...rule('a'), id: 'x' }, { ...rule('b'), id: 'x' }] } });
    expect(dup.status).toBe(400);
    expect(dup.body.error.details.issues[0].path).toBe('body.rules.1.id');
  });

  it('contract validation: 400s naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ name: 'x', preset: 'gitlab' }, 'body.preset'],
      [{ preset: 'github' }, 'body.name'],
      [{ name: 'x', preset: 'github', secret: 'short' }, 'body.secret'],
      [{ name: 'x', preset: 'github', mode: 'some' }, 'body.mode'],
      [{ name: 'x', preset: 'github', reply: { apiUrl: 'not a url' } }, 'body.reply.apiUrl'],
      [{ name: 'x', preset: 'standard', secret: 'whsec_not-base64-at-all!!' }, 'body.secret'],
    ];
    for (const [json, path] of cases) {
      const res = await r.request('/api/hooks/endpoints', { method: 'POST', json });
      expect(res.status, path).toBe(400);
      expect(res.body.error.details.issues.map((i: { path: string }) => i.path), path).toContain(path);
    }
    expect((await r.request('/api/hooks/endpoints/hk_nope', { method: 'PATCH', json: { enabled: false } })).status).toBe(404);
  });

  it('viewers read but cannot write; members may test and replay', async () => {
    const ep = await r.request('/api/hooks/endpoints', { method: 'POST', json: { name: 'V', preset: 'github', secret: SECRET, rules: [rule('a')] } });
    r.role.current = 'viewer';
    try {
      expect((await r.request('/api/hooks/endpoints', { method: 'POST', json: { name: 'v', preset: 'github' } })).status).toBe(403);
      expect((await r.request(`/api/hooks/endpoints/${ep.body.id}`, { method: 'PATCH', json: { enabled: false } })).status).toBe(403);
      expect((await r.request(`/api/hooks/endpoints/${ep.body.id}`, { method: 'DELETE' })).status).toBe(403);
      expect((await r.request(`/api/hooks/endpoints/${ep.body.id}/secret`, { method: 'POST', json: {} })).status).toBe(403);
      expect((await r.request(`/api/hooks/endpoints/${ep.body.id}/test`, { method: 'POST', json: { payload: {} } })).status).toBe(403);
      expect((await r.request(`/api/hooks/endpoints/${ep.body.id}`)).status).toBe(200);
      r.role.current = 'member';
      expect((await r.request(`/api/hooks/endpoints/${ep.body.id}/test`, { method: 'POST', json: { payload: {} } })).status).toBe(200);
      expect((await r.request(`/api/hooks/endpoints/${ep.body.id}`, { method: 'PATCH', json: { enabled: false } })).status).toBe(403);
    } finally {
      r.role.current = 'admin';
    }
  });

  it('reply token: write-only (tokenSet, last4), sealed; rotate replaces the secret (old signatures refused)', async () => {
    const ep = await r.request('/api/hooks/endpoints', { method: 'POST', json: { name: 'S', preset: 'github', secret: SECRET, rules: [], reply: { token: 'xoxb-reply-token-1234' } } });
    expect(ep.body.reply).toEqual({ apiUrl: null, tokenSet: true, tokenLast4: '1234' });
    expect(JSON.stringify((await r.request(`/api/hooks/endpoints/${ep.body.id}`)).body)).not.toContain('xoxb-reply-token');
    const rotated = await r.request(`/api/hooks/endpoints/${ep.body.id}/secret`, { method: 'POST', json: {} });
    expect(rotated.body.secret).toMatch(/^[0-9a-f]{64}$/);
    const body = JSON.stringify({ action: 'opened' });
    expect((await r.post(ep.body.id, body, sign.github(SECRET, body, 'rot-1'))).status).toBe(401);
    expect((await r.post(ep.body.id, body, sign.github(rotated.body.secret, body, 'rot-2'))).status).toBe(202);
    await r.service.idle();
    const cleared = await r.request(`/api/hooks/endpoints/${ep.body.id}`, { method: 'PATCH', json: { reply: { token: null } } });
    expect(cleared.body.reply.tokenSet).toBe(false);
  });

  it('the test route runs runner.test on a stored or pasted payload (draft rules validated) and acts on nothing', async () => {
    const ep = await r.request('/api/hooks/endpoints', { method: 'POST', json: { name: 'T', preset: 'github', secret: SECRET, rules: [rule('saved')] } });
    const body = JSON.stringify({ action: 'opened', token: 't0k3n' });
    const d = await r.post(ep.body.id, body, sign.github(SECRET, body, 'test-1'));
    await r.service.idle();
    const runs = r.fake.runs.length;
    const deliveries = (await r.request(`/api/hooks/endpoints/${ep.body.id}/deliveries`)).body.items.length;
    const stored = await r.request(`/api/hooks/endpoints/${ep.body.id}/test`, { method: 'POST', json: { deliveryId: d.body.id } });
    expect(stored.status).toBe(200);
    expect(stored.body.rules).toMatchObject([{ ruleName: 'saved' }]);
    expect(r.fake.tests.at(-1)).toMatchObject({ payload: { action: 'opened', token: '[redacted]' } });
    const pasted = await r.request(`/api/hooks/endpoints/${ep.body.id}/test`, { method: 'POST', json: { payload: { action: 'x' }, headers: { 'X-Thing': '1' }, rules: [rule('draft')] } });
    expect(pasted.body.rules[0]).toMatchObject({ ruleName: 'draft', ruleId: expect.stringMatching(/^r_/) });
    expect(r.fake.tests.at(-1)).toEqual({ payload: { action: 'x' }, headers: { 'x-thing': '1' } });
    const invalid = await r.request(`/api/hooks/endpoints/${ep.body.id}/test`, { method: 'POST', json: { payload: {}, rules: [rule('invalid')] } });
    expect(invalid.body.error.details.issues[0].path).toBe('body.rules.0.conditions');
    const none = await r.request(`/api/hooks/endpoints/${ep.body.id}/test`, { method: 'POST', json: {} });
    expect(none.body.error.details.issues[0].path).toBe('body.payload');
    const foreign = await r.request(`/api/hooks/endpoints/${ep.body.id}/test`, { method: 'POST', json: { deliveryId: 'hd_nope' } });
    expect(foreign.body.error.details.issues[0].path).toBe('body.deliveryId');
    expect(r.fake.runs.length).toBe(runs);
    expect((await r.request(`/api/hooks/endpoints/${ep.body.id}/deliveries`)).body.items.length).toBe(deliveries);
  });

  it('deliveries page with a cursor and a status filter; delete removes the endpoint and its log (its URL then 404s)', async () => {
    const ep = await r.request('/api/hooks/endpoints', { method: 'POST', json: { name: 'P', preset: 'github', secret: SECRET, rules: [] } });
    for (let i = 0; i < 3; i++) {
      const body = JSON.stringify({ i });
      await r.post(ep.body.id, body, sign.github(SECRET, body, `page-${i}`));
      r.clock.advance(1000);
    }
    await r.service.idle();
    const p1 = await r.request(`/api/hooks/endpoints/${ep.body.id}/deliveries?limit=2`);
    expect(p1.body.items.map((d: { deliveryId: string }) => d.deliveryId)).toEqual(['page-2', 'page-1']);
    const p2 = await r.request(`/api/hooks/endpoints/${ep.body.id}/deliveries?limit=2&cursor=${p1.body.nextCursor}`);
    expect(p2.body).toMatchObject({ items: [{ deliveryId: 'page-0', status: 'no_match' }], nextCursor: null });
    expect((await r.request(`/api/hooks/endpoints/${ep.body.id}/deliveries?status=processed`)).body.items).toEqual([]);
    expect((await r.request(`/api/hooks/endpoints/${ep.body.id}/deliveries?cursor=garbage`)).status).toBe(400);
    const id = p1.body.items[0].id;
    expect((await r.request(`/api/hooks/endpoints/${ep.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await r.request(`/api/hooks/deliveries/${id}`)).status).toBe(404);
    const body = JSON.stringify({ i: 9 });
    expect((await r.post(ep.body.id, body, sign.github(SECRET, body, 'page-9'))).status).toBe(404);
  });
});
