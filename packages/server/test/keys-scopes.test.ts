import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_RESOURCES, ErrorBody, routes } from '@autopilot/contracts';
import { ADMIN_KEY, type TestOrchestrator } from './harness';
import { authEngines, createStore, startOn, type Store } from './auth-engines';

describe('scope resources', () => {
  it('are exactly the features routes are declared in', () => {
    expect([...API_RESOURCES].sort()).toEqual(Object.keys(routes).sort());
  });
});

for (const engine of authEngines()) {
  describe(`scoped API keys on ${engine}`, () => {
    let store: Store;
    let t: TestOrchestrator;
    const mint = async (json: Record<string, unknown>, key = ADMIN_KEY) => t.request('/api/keys', { method: 'POST', key, json: { name: 'scoped', ...json } });
    beforeAll(async () => {
      store = await createStore(engine);
      t = await startOn(store.env);
    });
    afterAll(async () => {
      await t?.close();
      await store?.cleanup();
    });

    it('a key scoped sessions:read reads sessions, and is refused writes and other resources with the scope named', async () => {
      const res = await mint({ role: 'member', scopes: ['sessions:read'] });
      expect(res.status, await res.clone().text()).toBe(201);
      const key = (await res.json()) as { key: string; id: string; scopes: string[] | null };
      expect(key.scopes).toEqual(['sessions:read']);
      expect((await t.request('/api/sessions', { key: key.key })).status).toBe(200);
      const write = await t.request('/api/sessions', { method: 'POST', key: key.key, json: { prompt: 'x', source: 'sources/github/o/r' } });
      expect(write.status).toBe(403);
      const body = ErrorBody.parse(await write.json());
      expect(body.error.message).toContain('sessions:write');
      const keeper = await t.request('/api/keeper/settings', { key: key.key });
      expect(keeper.status).toBe(403);
      expect(ErrorBody.parse(await keeper.json()).error.message).toContain('keeper:read');
      // The listing shows the scopes; an unscoped key's are null.
      const list = (await (await t.request('/api/keys', { key: ADMIN_KEY })).json()) as { items?: Array<{ id: string; scopes: unknown }> } | Array<{ id: string; scopes: unknown }>;
      const items = Array.isArray(list) ? list : (list.items ?? []);
      expect(items.find((k) => k.id === key.id)?.scopes).toEqual(['sessions:read']);
    });

    it('`<resource>:*` and `*` grant reads and writes of their resources', async () => {
      const star = (await (await mint({ role: 'member', scopes: ['*'] })).json()) as { key: string };
      expect((await t.request('/api/keeper/settings', { key: star.key })).status).toBe(200);
      const tpl = (await (await mint({ role: 'member', scopes: ['templates:*'] })).json()) as { key: string };
      expect((await t.request('/api/templates', { key: tpl.key })).status).toBe(200);
      const created = await t.request('/api/templates', { method: 'POST', key: tpl.key, json: { name: 'scoped-tpl', prompt: 'Do {{thing}}', variables: [{ name: 'thing', type: 'string' }] } });
      expect([201, 400]).toContain(created.status); // reached the handler: not refused by the scope guard
      expect((await t.request('/api/sessions', { key: tpl.key })).status).toBe(403);
    });

    it('refuses an unknown scope with a 400 naming body.scopes, and a scoped key minting wider scopes', async () => {
      const bad = await mint({ role: 'member', scopes: ['nothing:read'] });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(ErrorBody.parse(await bad.json()).error.details)).toContain('body.scopes');
      const owner = (await (await mint({ role: 'owner', scopes: ['workspaces:*', 'sessions:read'] })).json()) as { key: string };
      const wider = await mint({ role: 'member', scopes: ['sessions:write'] }, owner.key);
      expect(wider.status).toBe(403);
      expect(ErrorBody.parse(await wider.json()).error.message).toContain('sessions:write');
      expect((await mint({ role: 'member', scopes: ['*'] }, owner.key)).status).toBe(403);
      const inherit = await mint({ role: 'member' }, owner.key);
      expect(inherit.status).toBe(201);
      expect(((await inherit.json()) as { scopes: string[] }).scopes).toEqual(['workspaces:*', 'sessions:read']);
      const narrower = await mint({ role: 'member', scopes: ['sessions:read', 'workspaces:read'] }, owner.key);
      expect(narrower.status).toBe(201);
    });
  });
}
