import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_COLUMNS, type BoardCounts, type SessionPage } from '@autopilot/contracts';
import type { z } from '@hono/zod-openapi';
import { startTestOrchestrator, type TestOrchestrator } from './harness';
import { engineEnv, orchestratorEngines } from './orchestrator-engines';
import { seedSessions, seedWorkspace } from '../src/features/sessions/board.testing';

type Page = z.infer<typeof SessionPage>;

describe.each(orchestratorEngines())('GET /api/sessions?column= and /api/sessions/counts over HTTP on %s', (engine) => {
  let store: Awaited<ReturnType<typeof engineEnv>>;
  let t: TestOrchestrator;
  let ws: { id: string; key: string };
  const get = async (path: string, key = ws.key) => {
    const res = await t.request(path, { key });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    store = await engineEnv(engine);
    t = await startTestOrchestrator({ ...store.env, JULES_POLL_INTERVAL_MS: '3600000' });
    ws = await t.newWorkspace('board-team');
    await seedSessions(t.orch.db, ws.id, await seedWorkspace(t.orch.db, ws.id), 400);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await store?.cleanup();
  });

  it('counts per column equal the column pages, with the same filters', async () => {
    for (const filter of ['', '&source=github/acme/api', '&text=flaky', '&state=COMPLETED,QUEUED']) {
      const counts = await get(`/api/sessions/counts?archived=false${filter}`);
      expect(counts.status).toBe(200);
      const c = counts.body as BoardCounts;
      let sum = 0;
      for (const col of BOARD_COLUMNS) {
        const ids: string[] = [];
        let cursor = '';
        do {
          const r = await get(`/api/sessions?column=${col.id}&limit=23${filter}${cursor ? `&cursor=${cursor}` : ''}`);
          expect(r.status).toBe(200);
          const page = r.body as Page;
          ids.push(...page.items.map((s) => s.id));
          cursor = page.nextCursor ?? '';
        } while (cursor);
        expect({ filter, col: col.id, n: ids.length }).toEqual({ filter, col: col.id, n: c.columns[col.id] });
        sum += ids.length;
      }
      expect(c.total).toBe(sum);
    }
    // Without a column the list is the plain one: every live session, as many as the counts' total.
    const all = await get('/api/sessions/counts');
    expect(all.body.total).toBeGreaterThan(200);
    expect(all.body.sources).toEqual(['sources/github/acme/api', 'sources/github/acme/web']);
  });

  it("another workspace sees none of these sessions in its counts or columns", async () => {
    const other = await t.newWorkspace('other-board-team');
    const c = await get('/api/sessions/counts', other.key);
    expect(c.status).toBe(200);
    expect(c.body.total).toBe(0);
    expect((await get('/api/sessions?column=completed', other.key)).body.items).toEqual([]);
  });

  it.each([
    ['/api/sessions?column=urgent', 'query.column'],
    ['/api/sessions?column=running&limit=0', 'query.limit'],
    ['/api/sessions?column=running&limit=501', 'query.limit'],
    ['/api/sessions?column=running&cursor=not-a-cursor', 'query.cursor'],
    ['/api/sessions?column=running&state=in%20progress', 'query.state'],
    ['/api/sessions/counts?archived=maybe', 'query.archived'],
    ['/api/sessions/counts?text=' + 'x'.repeat(201), 'query.text'],
    ['/api/sessions/counts?deleted=yes', 'query.deleted'],
  ])('%s is a 400 naming %s', async (path, field) => {
    const r = await get(path);
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body.error.details)).toContain(field);
  });
});
