import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { ErrorBody, KeyUsage } from '@autopilot/contracts';
import { ADMIN_KEY, startTestOrchestrator, type TestOrchestrator } from './harness';
import { authEngines, createStore, startOn, type Store } from './auth-engines';

/*
 * Per-key rate limits and quotas (issue #16): 429 with Retry-After and RateLimit headers, the daily quota, limits
 * changed by PATCH applying at once, validation naming the field, and two instances on one Redis sharing a limit.
 */

type Created = { id: string; key: string; limits: { ratePerMinute: number | null; requestsPerDay: number | null; llmUsdPerMonth: number | null } };

/** `"minute";r=3;t=60` → { name, r, t }. */
function rateLimit(res: Response) {
  const h = res.headers.get('ratelimit');
  const m = h ? /^"(\w+)";r=(\d+);t=(\d+)$/.exec(h) : null;
  return m ? { name: m[1], r: Number(m[2]), t: Number(m[3]) } : null;
}

for (const engine of authEngines()) {
  describe(`per-key limits on ${engine}`, () => {
    let store: Store;
    let t: TestOrchestrator;
    const mint = async (json: Record<string, unknown>, key = ADMIN_KEY) => {
      const res = await t.request('/api/keys', { method: 'POST', key, json: { name: `limited-${randomBytes(3).toString('hex')}`, role: 'member', ...json } });
      expect(res.status, await res.clone().text()).toBe(201);
      return (await res.json()) as Created;
    };
    const patch = (id: string, json: unknown, key = ADMIN_KEY) => t.request(`/api/keys/${id}`, { method: 'PATCH', key, json });
    const usage = async (id: string) => {
      const res = await t.request(`/api/keys/${id}/usage`);
      expect(res.status, await res.clone().text()).toBe(200);
      return KeyUsage.parse(await res.json());
    };
    beforeAll(async () => {
      store = await createStore(engine);
      t = await startOn(store.env);
    });
    afterAll(async () => {
      await t?.close();
      await store?.cleanup();
    });

    it('counts down in RateLimit headers, then answers 429 with Retry-After naming ratePerMinute', async () => {
      const k = await mint({ limits: { ratePerMinute: 4 } });
      expect(k.limits).toEqual({ ratePerMinute: 4, requestsPerDay: null, llmUsdPerMonth: null });
      const remaining: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await t.request('/api/me', { key: k.key });
        expect(res.status).toBe(200);
        expect(res.headers.get('ratelimit-policy')).toBe('"minute";q=4;w=60');
        const rl = rateLimit(res);
        expect(rl?.name).toBe('minute');
        expect(rl!.t).toBeGreaterThan(0);
        expect(rl!.t).toBeLessThanOrEqual(60);
        remaining.push(rl!.r);
      }
      expect(remaining).toEqual([3, 2, 1, 0]);
      const refused = await t.request('/api/sessions', { key: k.key });
      expect(refused.status).toBe(429);
      const retry = Number(refused.headers.get('retry-after'));
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(60);
      expect(rateLimit(refused)).toMatchObject({ name: 'minute', r: 0 });
      const body = ErrorBody.parse(await refused.json());
      expect(body.error.code).toBe('rate_limited');
      expect(body.error.message).toContain('ratePerMinute');
      expect(body.error.details).toMatchObject({ limit: 'ratePerMinute' });
      // Another key (unlimited) is neither limited nor told about limits.
      const other = await t.request('/api/me');
      expect(other.status).toBe(200);
      expect(other.headers.get('ratelimit')).toBeNull();
      expect(other.headers.get('ratelimit-policy')).toBeNull();
    });

    it('enforces the daily quota until the end of the UTC day and reports it in /usage', async () => {
      const k = await mint({ limits: { requestsPerDay: 3 } });
      for (let i = 0; i < 3; i++) {
        const res = await t.request('/api/me', { key: k.key });
        expect(res.status).toBe(200);
        expect(rateLimit(res)).toMatchObject({ name: 'day', r: 2 - i });
      }
      const refused = await t.request('/api/me', { key: k.key });
      expect(refused.status).toBe(429);
      const now = new Date();
      const toMidnight = Math.ceil((Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000);
      const retry = Number(refused.headers.get('retry-after'));
      expect(Math.abs(retry - toMidnight)).toBeLessThanOrEqual(2);
      expect(ErrorBody.parse(await refused.json()).error.details).toMatchObject({ limit: 'requestsPerDay' });
      const u = await usage(k.id);
      expect(u).toMatchObject({ requestsToday: 3, requestsPerDay: 3, llmUsdPerMonth: null, sessionCreates: 0 });
    });

    it('counts an unlimited key in /usage and sums its LLM spend this month', async () => {
      const k = await mint({ limits: { llmUsdPerMonth: 5 } });
      for (let i = 0; i < 2; i++) expect((await t.request('/api/me', { key: k.key })).status).toBe(200);
      const workspaceId = ((await (await t.request('/api/me', { key: k.key })).json()) as { workspace: { id: string } }).workspace.id;
      const day = new Date().toISOString().slice(0, 10);
      const row = (cost: number, d: string, apiKeyId: string) => ({
        id: randomUUID(), workspace_id: workspaceId, at: Date.now(), day: d, provider_id: null, provider_name: null, provider_kind: null, model: 'm', task: 'summarize',
        persona: null, session_id: null, api_key_id: apiKeyId, input_tokens: 1, output_tokens: 1, cost_usd: cost, latency_ms: 1, outcome: 'ok', error_code: null, degraded: 0,
      });
      // This month's two calls count; last year's and another key's do not.
      await t.orch.db.kysely.insertInto('llm_usage').values([row(1.25, day, k.id), row(0.5, day, k.id), row(9, `${Number(day.slice(0, 4)) - 1}${day.slice(4)}`, k.id), row(7, day, 'other-key')]).execute();
      const u = await usage(k.id);
      expect(u.requestsToday).toBe(3);
      expect(u.requestsPerDay).toBeNull();
      expect(u.llmUsdPerMonth).toBe(5);
      expect(u.llmUsdThisMonth).toBeCloseTo(1.75, 6);
    });

    it('PATCH changes limits, name and scopes, and new limits apply at once', async () => {
      const k = await mint({});
      expect(k.limits).toEqual({ ratePerMinute: null, requestsPerDay: null, llmUsdPerMonth: null });
      expect((await t.request('/api/me', { key: k.key })).headers.get('ratelimit')).toBeNull();
      const changed = await patch(k.id, { name: 'renamed', limits: { ratePerMinute: 2 } });
      expect(changed.status, await changed.clone().text()).toBe(200);
      expect(await changed.json()).toMatchObject({ id: k.id, name: 'renamed', limits: { ratePerMinute: 2, requestsPerDay: null } });
      expect((await t.request('/api/me', { key: k.key })).status).toBe(200);
      expect((await t.request('/api/me', { key: k.key })).status).toBe(200);
      expect((await t.request('/api/me', { key: k.key })).status).toBe(429);
      // Omitted fields stay; null removes a limit.
      const kept = await patch(k.id, { limits: { requestsPerDay: 100 } });
      expect(await kept.json()).toMatchObject({ limits: { ratePerMinute: 2, requestsPerDay: 100 } });
      const cleared = await patch(k.id, { limits: { ratePerMinute: null, requestsPerDay: null } });
      expect(await cleared.json()).toMatchObject({ limits: { ratePerMinute: null, requestsPerDay: null } });
      const free = await t.request('/api/me', { key: k.key });
      expect(free.status).toBe(200);
      expect(free.headers.get('ratelimit')).toBeNull();
      const listed = (await (await t.request('/api/keys')).json()) as { items: Array<{ id: string; name: string; limits: unknown }> };
      expect(listed.items.find((x) => x.id === k.id)).toMatchObject({ name: 'renamed', limits: { ratePerMinute: null, requestsPerDay: null, llmUsdPerMonth: null } });
      const scoped = await patch(k.id, { scopes: ['sessions:read'] });
      expect(await scoped.json()).toMatchObject({ scopes: ['sessions:read'] });
    });

    it('PATCH: no scope escalation, admins only, 404 for another workspace', async () => {
      const scopedOwner = await mint({ role: 'owner', scopes: ['workspaces:*', 'sessions:read'] });
      const target = await mint({ scopes: ['sessions:read'] });
      const wider = await patch(target.id, { scopes: ['sessions:write'] }, scopedOwner.key);
      expect(wider.status).toBe(403);
      expect(ErrorBody.parse(await wider.json()).error.message).toContain('sessions:write');
      expect((await patch(target.id, { scopes: null }, scopedOwner.key)).status).toBe(200);
      const member = await mint({});
      expect((await patch(target.id, { name: 'x' }, member.key)).status).toBe(403);
      const admin = await mint({ role: 'admin' });
      expect((await patch(scopedOwner.id, { name: 'x' }, admin.key)).status).toBe(403);
      const other = await t.newWorkspace(`limits-${engine}-${randomBytes(3).toString('hex')}`);
      const foreign = await patch(target.id, { name: 'x' }, other.key);
      expect(foreign.status).toBe(404);
      expect((await t.request(`/api/keys/${target.id}/usage`, { key: other.key })).status).toBe(404);
    });

    it('refuses bad limits with a 400 naming the field', async () => {
      const cases: Array<[string, unknown, string]> = [
        ['POST', { name: 'bad', limits: { ratePerMinute: 0 } }, 'body.limits.ratePerMinute'],
        ['POST', { name: 'bad', limits: { requestsPerDay: 1.5 } }, 'body.limits.requestsPerDay'],
        ['POST', { name: 'bad', limits: { llmUsdPerMonth: -1 } }, 'body.limits.llmUsdPerMonth'],
        ['POST', { name: 'bad', limits: { perHour: 3 } }, 'body.limits'],
        ['PATCH', { limits: { ratePerMinute: 'ten' } }, 'body.limits.ratePerMinute'],
        ['PATCH', { name: '' }, 'body.name'],
        ['PATCH', { role: 'owner' }, 'body'],
      ];
      const k = await mint({});
      for (const [method, json, field] of cases) {
        const res = method === 'POST' ? await t.request('/api/keys', { method, json }) : await patch(k.id, json);
        expect(res.status, JSON.stringify(json)).toBe(400);
        expect(JSON.stringify(ErrorBody.parse(await res.json()).error.details), JSON.stringify(json)).toContain(field);
      }
    });
  });
}

const pgUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
if (process.env.CI === 'true' && (!pgUrl || !redisUrl)) throw new Error('CI=true requires TEST_DATABASE_URL and TEST_REDIS_URL');

/** Two instances on one PostgreSQL database and one Redis: one key's limit is one limit, whichever instance answers. */
if (pgUrl && redisUrl) {
  describe('per-key limits across two instances sharing Redis', () => {
    const dbName = `autopilot_kl_${randomBytes(5).toString('hex')}`;
    const prefix = `autopilot-kl-${randomBytes(5).toString('hex')}`;
    let a: TestOrchestrator;
    let b: TestOrchestrator;
    const admin = async (q: string) => {
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(q);
      await c.end();
    };
    beforeAll(async () => {
      await admin(`create database ${dbName}`);
      const url = new URL(pgUrl);
      url.pathname = `/${dbName}`;
      const env = { DATABASE_URL: url.toString(), REDIS_URL: redisUrl, REDIS_PREFIX: prefix, AUTOPILOT_MASTER_KEY: 'd'.repeat(64) };
      a = await startTestOrchestrator(env);
      b = await startTestOrchestrator(env);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await admin(`drop database if exists ${dbName} with (force)`);
    });

    it('admits exactly ratePerMinute requests split across both; the next is refused on either', async () => {
      const k = (await (await a.request('/api/keys', { method: 'POST', json: { name: 'shared-limit', limits: { ratePerMinute: 6 } } })).json()) as Created;
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await (i % 2 === 0 ? a : b).request('/api/me', { key: k.key })).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
      const onA = await a.request('/api/me', { key: k.key });
      const onB = await b.request('/api/me', { key: k.key });
      expect(onA.status).toBe(429);
      expect(onB.status).toBe(429);
      expect(ErrorBody.parse(await onB.json()).error.details).toMatchObject({ limit: 'ratePerMinute' });
    });

    it('shares the daily quota and its usage count', async () => {
      const k = (await (await a.request('/api/keys', { method: 'POST', json: { name: 'shared-quota', limits: { requestsPerDay: 4 } } })).json()) as Created;
      // Concurrent requests on both instances: still exactly four admitted.
      const res = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b).request('/api/me', { key: k.key })));
      expect(res.filter((r) => r.status === 200)).toHaveLength(4);
      expect(res.filter((r) => r.status === 429)).toHaveLength(4);
      const u = KeyUsage.parse(await (await b.request(`/api/keys/${k.id}/usage`)).json());
      expect(u.requestsToday).toBe(4);
    });

    it('counts an unlimited key across instances (Redis counter)', async () => {
      const k = (await (await a.request('/api/keys', { method: 'POST', json: { name: 'shared-count' } })).json()) as Created;
      for (let i = 0; i < 5; i++) expect((await (i % 2 === 0 ? a : b).request('/api/me', { key: k.key })).status).toBe(200);
      // The counter's INCR is not awaited by the request: read until it has landed (bounded).
      let seen = 0;
      for (let i = 0; i < 50 && seen < 5; i++) {
        seen = KeyUsage.parse(await (await a.request(`/api/keys/${k.id}/usage`)).json()).requestsToday;
        if (seen < 5) await new Promise((r) => setTimeout(r, 20));
      }
      expect(seen).toBe(5);
    });
  });
}
