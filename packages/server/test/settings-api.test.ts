import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyInfo, ApiKeyList, ErrorBody, LlmCallPage, UsageReport, WorkspaceInfo, WorkspaceList } from '@autopilot/contracts';
import { ADMIN_KEY, type TestOrchestrator } from './harness';
import { authEngines, createStore, startOn, type Store } from './auth-engines';
import { startFakeUpstream, type FakeUpstream } from './fakes/llm-upstream';
import { FALLBACK_PRICE, PRICING } from '../src/integrations/llm';

/*
 * What the settings pages and the Costs drill-down stand on (issue #12): key expiry and who minted a key, the
 * workspace rename, failed LLM calls with their reason in plain words (filterable), and costs at the fallback
 * price marked as estimated. Through the app's HTTP handlers with real keys, on the real gateway; on SQLite, and
 * on PostgreSQL too when TEST_DATABASE_URL is set.
 */

const errorOf = async (res: Response) => ErrorBody.parse(await res.json()).error;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const engine of authEngines()) {
  describe(`settings API on ${engine}`, () => {
    let t: TestOrchestrator;
    let up: FakeUpstream;
    let store: Store;

    beforeAll(async () => {
      up = await startFakeUpstream();
      up.script(() => ({ text: 'OK', inputTokens: 1000, outputTokens: 200 }));
      store = await createStore(engine);
      t = await startOn({ ...store.env, AUTOPILOT_OUTBOUND_ALLOW: new URL(up.url).host, JULES_DEMO_SESSIONS: '0', AUTH_FAILURES_PER_MINUTE: '100000' });
    });

    afterAll(async () => {
      await t?.close();
      await up?.close();
      await store?.cleanup();
    });

    describe('API keys: expiry and who created them', () => {
      it('mints a key with an expiry, lists it with its creator, and refuses it once expired (401)', async () => {
        const me = await (await t.request('/api/me')).json();
        const expiresAt = new Date(Date.now() + 1500).toISOString();
        const res = await t.request('/api/keys', { method: 'POST', json: { name: 'short-lived', role: 'member', expiresAt } });
        expect(res.status, await res.clone().text()).toBe(201);
        const created = (await res.json()) as ApiKeyInfo & { key: string };
        expect(created.expiresAt).toBe(expiresAt);
        expect(created.createdBy).toEqual({ id: me.key.id, name: me.key.name });
        expect((await t.request('/api/me', { key: created.key })).status).toBe(200);

        const listed = ApiKeyList.parse(await (await t.request('/api/keys')).json()).items.find((k) => k.id === created.id)!;
        expect(listed).toMatchObject({ name: 'short-lived', role: 'member', expiresAt, createdBy: { id: me.key.id, name: me.key.name } });
        // The secret part: everything after the prefix (it may itself hold `_`, so not a split on it).
        expect(JSON.stringify(listed)).not.toContain(created.key.slice(created.prefix.length));
        // The bootstrap key was not minted through the API: no creator.
        expect(ApiKeyList.parse(await (await t.request('/api/keys')).json()).items.find((k) => k.id === me.key.id)!.createdBy).toBeNull();

        await sleep(1700);
        const after = await t.request('/api/me', { key: created.key });
        expect(after.status).toBe(401);
      });

      it('refuses an expiry in the past or beyond five years, naming expiresAt (400)', async () => {
        for (const expiresAt of [new Date(Date.now() - 60_000).toISOString(), new Date(Date.now() + 6 * 366 * 86_400_000).toISOString(), 'next tuesday']) {
          const res = await t.request('/api/keys', { method: 'POST', json: { name: 'bad-expiry', expiresAt } });
          expect(res.status, expiresAt).toBe(400);
          expect(JSON.stringify(await errorOf(res))).toContain('expiresAt');
        }
        const never = await t.request('/api/keys', { method: 'POST', json: { name: 'forever', expiresAt: null } });
        expect(never.status).toBe(201);
        expect(((await never.json()) as ApiKeyInfo).expiresAt).toBeNull();
      });

      it('lets a viewer list keys (never a secret) but not create or revoke them (403)', async () => {
        const viewer = (await (await t.request('/api/keys', { method: 'POST', json: { name: 'looker', role: 'viewer' } })).json()) as { id: string; key: string };
        const list = await t.request('/api/keys', { key: viewer.key });
        expect(list.status).toBe(200);
        const items = ApiKeyList.parse(await list.json()).items;
        expect(items.length).toBeGreaterThan(1);
        expect(items.every((k) => !('key' in k))).toBe(true);
        expect((await t.request('/api/keys', { method: 'POST', key: viewer.key, json: { name: 'nope' } })).status).toBe(403);
        expect((await t.request(`/api/keys/${viewer.id}`, { method: 'DELETE', key: viewer.key })).status).toBe(403);
      });
    });

    describe('PATCH /api/workspaces/{id}', () => {
      it('renames the caller’s workspace; /api/me and the list show the new name', async () => {
        const ws = await t.newWorkspace('team-alpha');
        const res = await t.request(`/api/workspaces/${ws.id}`, { method: 'PATCH', key: ws.key, json: { name: 'team-beta' } });
        expect(res.status, await res.clone().text()).toBe(200);
        const renamed = WorkspaceInfo.parse(await res.json());
        expect(renamed).toMatchObject({ id: ws.id, name: 'team-beta' });
        expect(Date.parse(renamed.createdAt)).toBeGreaterThan(0);
        expect((await (await t.request('/api/me', { key: ws.key })).json()).workspace.name).toBe('team-beta');
        const own = WorkspaceList.parse(await (await t.request('/api/workspaces', { key: ws.key })).json()).items;
        expect(own).toEqual([expect.objectContaining({ id: ws.id, name: 'team-beta', createdAt: renamed.createdAt })]);
        // The default workspace's owner sees every workspace under its current name.
        expect(WorkspaceList.parse(await (await t.request('/api/workspaces')).json()).items.map((w) => w.name)).toContain('team-beta');
      });

      it('refuses a taken name (409 naming name), a bad name (400), another workspace (404), members (403) and the default workspace (409)', async () => {
        const a = await t.newWorkspace('team-one');
        await t.newWorkspace('team-two');
        const taken = await t.request(`/api/workspaces/${a.id}`, { method: 'PATCH', key: a.key, json: { name: 'team-two' } });
        expect(taken.status).toBe(409);
        const e = await errorOf(taken);
        expect(e.message).toMatch(/already exists/);
        expect(JSON.stringify(e)).toContain('name');

        const bad = await t.request(`/api/workspaces/${a.id}`, { method: 'PATCH', key: a.key, json: { name: 'x'.repeat(65) } });
        expect(bad.status).toBe(400);
        expect(JSON.stringify(await errorOf(bad))).toContain('body.name');
        const badSlug = await t.request(`/api/workspaces/${a.id}`, { method: 'PATCH', key: a.key, json: { slug: 'Team One!' } });
        expect(badSlug.status).toBe(400);
        expect(JSON.stringify(await errorOf(badSlug))).toContain('body.slug');

        const me = await (await t.request('/api/me')).json();
        const other = await t.request(`/api/workspaces/${me.workspace.id}`, { method: 'PATCH', key: a.key, json: { name: 'stolen' } });
        expect(other.status).toBe(404);

        const member = (await (await t.request('/api/keys', { method: 'POST', key: a.key, json: { name: 'm', role: 'member' } })).json()) as { key: string };
        expect((await t.request(`/api/workspaces/${a.id}`, { method: 'PATCH', key: member.key, json: { name: 'team-uno' } })).status).toBe(403);

        // The default workspace is renamed like any other, and stays the default: its owner still sees every workspace.
        const dflt = await t.request(`/api/workspaces/${me.workspace.id}`, { method: 'PATCH', key: ADMIN_KEY, json: { name: 'renamed-default' } });
        expect(dflt.status).toBe(200);
        expect((await (await t.request('/api/me')).json()).workspace.name).toBe('renamed-default');
        const all = (await (await t.request('/api/workspaces', { key: ADMIN_KEY })).json()) as { items: Array<{ id: string }> };
        expect(all.items.map((w) => w.id)).toEqual(expect.arrayContaining([me.workspace.id, a.id]));
        expect((await t.request('/api/workspaces', { method: 'POST', key: ADMIN_KEY, json: { name: 'team-three' } })).status).toBe(201);
        expect((await t.request(`/api/workspaces/${me.workspace.id}`, { method: 'PATCH', key: ADMIN_KEY, json: { name: 'default' } })).status).toBe(200);
      });
    });

    describe('LLM calls: failed calls explained, estimated prices marked', () => {
      let workspaceId: string;
      beforeAll(async () => {
        workspaceId = (await (await t.request('/api/me')).json()).workspace.id;
      });

      it('records a call without any provider as no_provider, with the reason in plain words, filterable as failed', async () => {
        await expect(t.orch.llm.generateText({ workspaceId, task: 'supervisor', prompt: 'what next?' })).rejects.toThrow(/No LLM provider/);
        const res = await t.request('/api/llm/calls?outcome=failed');
        expect(res.status).toBe(200);
        const page = LlmCallPage.parse(await res.json());
        expect(page.items).toHaveLength(1);
        expect(page.items[0]).toMatchObject({ task: 'supervisor', outcome: 'no_provider', errorCode: null, provider: null, priceKnown: true });
        expect(page.items[0]!.reason).toMatch(/No LLM provider is configured for this task: add one on Providers/);
        expect(LlmCallPage.parse(await (await t.request('/api/llm/calls?outcome=no_provider')).json()).items).toHaveLength(1);
        expect(LlmCallPage.parse(await (await t.request('/api/llm/calls?outcome=ok')).json()).items).toHaveLength(0);
        // Grouped by outcome: the drill-down's filter counts.
        const byOutcome = UsageReport.parse(await (await t.request('/api/llm/usage?groupBy=outcome,errorCode')).json());
        expect(byOutcome.rows).toEqual([expect.objectContaining({ outcome: 'no_provider', errorCode: null, calls: 1, errors: 1 })]);
      });

      it('validates the outcome and errorCode filters (400 naming the parameter)', async () => {
        for (const q of ['outcome=BOGUS', 'errorCode=whatever', 'errorCode=http_999', 'limit=0']) {
          const res = await t.request(`/api/llm/calls?${q}`);
          expect(res.status, q).toBe(400);
          expect(JSON.stringify(await errorOf(res)), q).toContain(q.split('=')[0]!);
        }
        expect((await t.request('/api/llm/calls?errorCode=http_503')).status).toBe(200);
      });

      it('marks calls to a model without a known price as estimated, in calls and in every aggregate', async () => {
        const create = await t.request('/api/providers', {
          method: 'POST',
          json: { kind: 'openai-compatible', name: 'local', apiKey: 'sk-local-0001', baseUrl: `${up.url}/v1`, defaultModels: { default: 'acme-local-7b' } },
        });
        expect(create.status, await create.clone().text()).toBe(201);
        const provider = (await create.json()) as { id: string };
        for (const model of ['acme-local-7b', 'gpt-4o-mini']) {
          const r = await t.request(`/api/providers/${provider.id}/test`, { method: 'POST', json: { model } });
          expect(r.status).toBe(200);
          expect(((await r.json()) as { ok: boolean }).ok, model).toBe(true);
        }
        const calls = LlmCallPage.parse(await (await t.request('/api/llm/calls?outcome=ok&task=provider_test')).json()).items;
        const unknown = calls.find((c) => c.model === 'acme-local-7b')!;
        const known = calls.find((c) => c.model === 'gpt-4o-mini')!;
        expect(unknown).toMatchObject({ priceKnown: false, reason: null });
        expect(unknown.costUsd).toBeCloseTo((1000 * FALLBACK_PRICE.inputPerMTok + 200 * FALLBACK_PRICE.outputPerMTok) / 1e6, 12);
        expect(known.priceKnown).toBe(true);
        expect(known.costUsd).toBeCloseTo((1000 * PRICING['gpt-4o-mini']!.inputPerMTok + 200 * PRICING['gpt-4o-mini']!.outputPerMTok) / 1e6, 12);

        const byModel = UsageReport.parse(await (await t.request('/api/llm/usage?groupBy=provider,model')).json());
        expect(byModel.fallbackPrice).toEqual({ inputPerMTok: FALLBACK_PRICE.inputPerMTok, outputPerMTok: FALLBACK_PRICE.outputPerMTok });
        const rowOf = (m: string) => byModel.rows.find((r) => r.model === m)!;
        expect(rowOf('acme-local-7b')).toMatchObject({ priceKnown: false, estimatedCalls: 1 });
        expect(rowOf('acme-local-7b').estimatedUsd).toBeCloseTo(unknown.costUsd, 12);
        expect(rowOf('gpt-4o-mini')).toMatchObject({ priceKnown: true, estimatedCalls: 0, estimatedUsd: 0 });
        expect(byModel.totals.priceKnown).toBe(false);
        expect(byModel.totals.estimatedUsd).toBeCloseTo(unknown.costUsd, 12);
        expect(byModel.totals.costUsd).toBeCloseTo(unknown.costUsd + known.costUsd, 12);
        const byDay = UsageReport.parse(await (await t.request('/api/llm/usage?groupBy=day')).json());
        expect(byDay.rows.at(-1)).toMatchObject({ priceKnown: false, estimatedCalls: 1 });
      });

      it('filters failed calls by error code and pages through them newest first; other workspaces never show', async () => {
        up.script(() => ({ status: 429, message: 'slow down' }));
        await t.orch.llm.generateText({ workspaceId, task: 'summarize', prompt: 'x' }).catch(() => {});
        up.script(() => ({ text: 'OK', inputTokens: 1000, outputTokens: 200 }));
        const other = await t.newWorkspace('elsewhere');
        await t.orch.llm.generateText({ workspaceId: other.id, task: 'review', prompt: 'x' }).catch(() => {});

        const limited = LlmCallPage.parse(await (await t.request('/api/llm/calls?outcome=failed&errorCode=rate_limited')).json()).items;
        expect(limited.length).toBeGreaterThanOrEqual(1);
        expect(limited.every((c) => c.errorCode === 'rate_limited' && c.outcome === 'error' && c.task === 'summarize')).toBe(true);
        expect(limited[0]!.reason).toMatch(/rate limit/);

        const all: string[] = [];
        let cursor: string | null = null;
        do {
          const q: string = `/api/llm/calls?outcome=failed&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
          const page = LlmCallPage.parse(await (await t.request(q)).json());
          expect(page.items.length).toBeLessThanOrEqual(1);
          all.push(...page.items.map((c) => `${c.at}|${c.outcome}`));
          cursor = page.nextCursor;
        } while (cursor);
        expect(all).toHaveLength(1 + limited.length);
        expect([...all].sort().reverse()).toEqual(all);
        expect(all.at(-1)).toMatch(/no_provider$/);
        // The other workspace's no_provider call is its own.
        expect(LlmCallPage.parse(await (await t.request('/api/llm/calls?outcome=no_provider', { key: other.key })).json()).items).toHaveLength(1);
      });
    });
  });
}
