import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes, fillParams, startTestOrchestrator, type TestOrchestrator } from './harness';

/**
 * A second workspace's key never sees the first workspace's rows: every GET route is called with both keys and the
 * second workspace's answers must contain none of the first workspace's ids.
 */
describe('workspace isolation', () => {
  let t: TestOrchestrator;
  let other: { id: string; key: string };
  const firstIds = new Set<string>();

  beforeAll(async () => {
    t = await startTestOrchestrator();
    other = await t.newWorkspace('second');
    const me = await (await t.request('/api/me')).json();
    firstIds.add(me.workspace.id);
    const k = await (await t.request('/api/keys', { method: 'POST', json: { name: 'seed' } })).json();
    firstIds.add(k.id);
  });
  afterAll(async () => t?.close());

  it('lists show nothing of the first workspace to the second', async () => {
    const gets = apiRoutes(t.orch).filter((r) => r.method === 'GET' && !r.path.includes(':') && !r.path.startsWith('/api/docs') && r.path !== '/api/openapi.json' && r.path !== '/api/events');
    expect(gets.length).toBeGreaterThan(2);
    for (const r of gets) {
      const res = await t.request(r.path, { key: other.key });
      expect(res.status, r.path).toBeLessThan(500);
      const text = await res.text();
      for (const id of firstIds) expect(text, `${r.path} leaks ${id}`).not.toContain(id);
    }
  });

  it('resources of the first workspace are not found from the second', async () => {
    const byId = apiRoutes(t.orch).filter((r) => r.path.includes(':') && !r.path.startsWith('/api/docs'));
    for (const r of byId) {
      for (const id of firstIds) {
        const res = await t.request(fillParams(r.path, id), { method: r.method, key: other.key, ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { json: {} }) });
        expect(res.status, `${r.method} ${r.path} ${id}`).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
    }
    const keys = await (await t.request('/api/keys')).json();
    expect(keys.items.length).toBeGreaterThanOrEqual(2);
  });

  it('only owners of the default workspace administer workspaces', async () => {
    const res = await t.request('/api/workspaces', { method: 'POST', key: other.key, json: { name: 'third' } });
    expect(res.status).toBe(403);
    const list = await (await t.request('/api/workspaces', { key: other.key })).json();
    expect(list.items.map((w: { name: string }) => w.name)).toEqual(['second']);
  });
});
