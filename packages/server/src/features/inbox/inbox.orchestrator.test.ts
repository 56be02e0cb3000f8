import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import type { NoticePage, SessionDetail } from '@autopilot/contracts';
import { startTestOrchestrator, type TestOrchestrator } from '../../../test/harness';
import { engineEnv, orchestratorEngines } from '../../../test/orchestrator-engines';

/** The center in a real orchestrator: a plan the keeper holds becomes an unread `plan_held` notification. */
const KEY = 'jules-inbox-orchestrator-key-0123456789';
const SOURCE = 'sources/github/acme-corp/storefront';

describe.each(orchestratorEngines())('notification center in an orchestrator (%s)', (engine) => {
  let sim: JulesSimulator;
  let srv: ListeningSimulator;
  let t: TestOrchestrator;
  let dropDb: () => Promise<void>;
  let ws: string;

  beforeAll(async () => {
    sim = createJulesSimulator({ apiKeys: [KEY], sessions: 0, manualClock: true, seed: 11 });
    srv = await sim.listen(0, '127.0.0.1');
    const e = await engineEnv(engine);
    dropDb = e.cleanup;
    t = await startTestOrchestrator({ ...e.env, JULES_API_KEY: KEY, JULES_API_BASE_URL: srv.baseUrl, JULES_POLL_INTERVAL_MS: '3600000' });
    ws = (await t.orch.db.kysely.selectFrom('workspaces').select('id').executeTakeFirstOrThrow()).id;
    await t.orch.keeper.loop.stop();
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await srv?.close();
    await dropDb?.();
  });

  /** The bus handlers run after the publish returns: read until the list shows what the test waits for. */
  async function notices(pred: (p: NoticePage) => boolean): Promise<NoticePage> {
    let page: NoticePage | undefined;
    for (let i = 0; i < 200; i++) {
      page = (await (await t.request('/api/notifications?view=all')).json()) as NoticePage;
      if (pred(page)) return page;
      await new Promise((r) => setImmediate(r));
    }
    return page!;
  }

  it('a held plan is a plan_held notice with the keeper notification id, unread; dismissing it reaches the keeper', async () => {
    const res = await t.request('/api/sessions', { method: 'POST', json: { prompt: 'Add paging to the orders list', source: SOURCE, startingBranch: 'main', requirePlanApproval: true, autoCreatePr: true } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as SessionDetail;
    for (let i = 0; i < 400 && sim.sessions().find((s) => s.id === created.julesId)?.state !== 'AWAITING_PLAN_APPROVAL'; i++) sim.clock.advance(5_000);
    await t.orch.sessions.sessions.syncAll();
    await t.orch.keeper.keeperFor(ws).tick();

    const page = await notices((p) => p.items.some((n) => n.kind === 'plan_held'));
    const held = page.items.find((n) => n.kind === 'plan_held' && n.sessionId === created.id)!;
    expect(held).toMatchObject({ source: 'keeper', severity: 'warning', status: 'unread', repo: 'acme-corp/storefront', links: [{ href: `/sessions/${created.id}` }] });
    expect(page.unread).toBeGreaterThanOrEqual(1);
    const keeperNotes = (await (await t.request('/api/keeper/notifications')).json()) as { items: Array<{ id: string; kind: string }> };
    expect(keeperNotes.items.find((n) => n.kind === 'plan_held')?.id).toBe(held.id);

    const d = await t.request(`/api/notifications/${held.id}`, { method: 'PATCH', json: { dismissed: true } });
    expect(d.status).toBe(200);
    expect(((await d.json()) as { status: string }).status).toBe('dismissed');
    const after = (await (await t.request('/api/keeper/notifications?status=all')).json()) as { items: Array<{ id: string; status: string }> };
    expect(after.items.find((n) => n.id === held.id)?.status).toBe('dismissed');
    const again = await notices(() => true);
    expect(again.items.find((n) => n.id === held.id)?.status).toBe('dismissed');
  });
});
