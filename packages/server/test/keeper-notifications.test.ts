import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import type { AppEvent, KeeperAction, KeeperNotification, KeeperSettings, SessionDetail, SessionKeeperState } from '@autopilot/contracts';
import { startTestOrchestrator, type TestOrchestrator } from './harness';
import { engineEnv, orchestratorEngines } from './orchestrator-engines';

/**
 * Notifications that follow reality, the history horizon, keeper messages told apart from a person's, and links to
 * gone sessions: a real orchestrator on the simulator, on SQLite and PostgreSQL. The simulator's clock starts 200
 * hours in the past, so the first sessions are history when the keeper first looks at them.
 */
const KEY = 'jules-keeper-notes-key-0123456789';
const SOURCE = 'sources/github/acme-corp/storefront';
const HOUR = 3_600_000;

type Page = { items: KeeperNotification[]; nextCursor: string | null; unread: number };

describe.each(orchestratorEngines())('keeper notifications follow reality (%s)', (engine) => {
  let sim: JulesSimulator;
  let srv: ListeningSimulator;
  let t: TestOrchestrator;
  let dropDb: () => Promise<void>;
  let ws: string;
  const events: AppEvent[] = [];

  beforeAll(async () => {
    sim = createJulesSimulator({ apiKeys: [KEY], sessions: 0, manualClock: true, seed: 11, startTime: Date.now() - 200 * HOUR });
    srv = await sim.listen(0, '127.0.0.1');
    const e = await engineEnv(engine);
    dropDb = e.cleanup;
    t = await startTestOrchestrator({ ...e.env, JULES_API_KEY: KEY, JULES_API_BASE_URL: srv.baseUrl, JULES_POLL_INTERVAL_MS: '3600000' });
    ws = (await t.orch.db.kysely.selectFrom('workspaces').select('id').executeTakeFirstOrThrow()).id;
    await t.orch.keeper.loop.stop();
    t.orch.bus.subscribe((ev) => void events.push(ev));
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await srv?.close();
    await dropDb?.();
  });

  const json = async <T>(res: Promise<Response>, status = 200): Promise<T> => {
    const r = await res;
    const body = await r.json();
    expect({ status: r.status, body }).toMatchObject({ status });
    return body as T;
  };
  const put = (patch: unknown) => json<KeeperSettings>(t.request('/api/keeper/settings', { method: 'PUT', json: patch }));
  const sync = () => t.orch.sessions.sessions.syncAll();
  const tick = () => t.orch.keeper.keeperFor(ws).tick();
  const simState = (julesId: string) => sim.sessions().find((s) => s.id === julesId)?.state;
  async function until(julesId: string, state: string) {
    for (let i = 0; i < 400 && simState(julesId) !== state; i++) sim.clock.advance(5_000);
    expect(simState(julesId)).toBe(state);
    await sync();
  }
  const create = (prompt: string, extra: Record<string, unknown> = {}) =>
    json<SessionDetail>(t.request('/api/sessions', { method: 'POST', json: { prompt, source: SOURCE, startingBranch: 'main', ...extra } }), 201);
  const notes = (q = '') => json<Page>(t.request(`/api/keeper/notifications${q}`));
  const of = (p: Page, sessionId: string) => p.items.filter((n) => n.sessionId === sessionId);
  const keeperView = (id: string) => json<SessionKeeperState>(t.request(`/api/sessions/${id}/keeper`));

  let old: SessionDetail;

  it('leaves alone a session quiet for longer than the history horizon (72 h by default), and acts once the horizon covers it', async () => {
    expect((await json<KeeperSettings>(t.request('/api/keeper/settings'))).historyHorizonHours).toBe(72);
    old = await create('Add paging to the orders list [sim:approval]', { requirePlanApproval: true });
    await until(old.julesId, 'AWAITING_PLAN_APPROVAL');
    await tick();
    await tick();
    const view = await keeperView(old.id);
    expect(view.actions).toEqual([]);
    expect(view.lastDecision?.reason).toMatch(/history horizon \(72 h\)/);
    expect(of(await notes('?status=all'), old.id)).toEqual([]);

    // 300 h covers the session (200 h old): the plan is held and a person is told.
    await put({ historyHorizonHours: 300 });
    await tick();
    expect((await keeperView(old.id)).actions.map((a) => a.kind)).toEqual(['hold']);
    const held = of(await notes(), old.id);
    expect(held.map((n) => [n.kind, n.status, n.sessionTitle])).toEqual([['plan_held', 'unread', old.title]]);
    // Out of range is a 400 naming the field.
    const bad = await json<{ error: { details: { issues: Array<{ path: string }> } } }>(t.request('/api/keeper/settings', { method: 'PUT', json: { historyHorizonHours: 0 } }), 400);
    expect(bad.error.details.issues.map((i) => i.path)).toContain('body.historyHorizonHours');
  });

  it('resolves "Plan held" once a person approves the plan, publishes notification.updated, and leaves it out of the unread count', async () => {
    const before = await notes();
    const held = of(before, old.id)[0]!;
    expect(before.unread).toBeGreaterThanOrEqual(1);
    // Still held: a tick changes nothing.
    await tick();
    expect(of(await notes(), old.id)[0]!.status).toBe('unread');

    await json<SessionDetail>(t.request(`/api/sessions/${old.id}/approve-plan`, { method: 'POST' }));
    await sync();
    events.length = 0;
    await tick();
    const after = of(await notes(), old.id)[0]!;
    expect(after).toMatchObject({ id: held.id, status: 'resolved' });
    expect(after.resolvedReason).toMatch(/plan was approved|moved on/);
    expect(Date.parse(after.resolvedAt!)).toBeGreaterThan(Date.parse(held.createdAt) - 1);
    expect((await notes()).unread).toBe(before.unread - 1);
    expect((await notes('?status=unread')).items.map((n) => n.id)).not.toContain(held.id);
    expect(events.filter((e) => e.type === 'notification.updated').map((e) => e.data)).toEqual([{ ids: [held.id], all: false, change: 'resolved', reason: after.resolvedReason }]);
    // Resolved once: more ticks publish nothing more about it.
    events.length = 0;
    await tick();
    expect(events.filter((e) => e.type === 'notification.updated')).toEqual([]);
  });

  let recent: SessionDetail;
  let other: SessionDetail;

  it('dismisses one, marks one read and unread, marks all read and dismisses all, shared by the workspace; bad input is a 4xx', async () => {
    // Bring sim time to a few hours ago (never ahead of ours): these sessions are news.
    sim.clock.advance(197 * HOUR);
    await put({ historyHorizonHours: 72 });
    recent = await create('Fix the login redirect [sim:approval]', { requirePlanApproval: true });
    other = await create('Tidy the checkout copy [sim:approval]', { requirePlanApproval: true });
    await until(recent.julesId, 'AWAITING_PLAN_APPROVAL');
    await until(other.julesId, 'AWAITING_PLAN_APPROVAL');
    await tick();
    const a = of(await notes(), recent.id)[0]!;
    const b = of(await notes(), other.id)[0]!;
    expect([a.kind, b.kind]).toEqual(['plan_held', 'plan_held']);
    const unread0 = (await notes()).unread;

    events.length = 0;
    const read = await json<KeeperNotification>(t.request(`/api/keeper/notifications/${a.id}`, { method: 'PATCH', json: { read: true } }));
    expect(read).toMatchObject({ id: a.id, status: 'read' });
    expect(read.readAt).not.toBeNull();
    expect((await notes()).unread).toBe(unread0 - 1);
    expect(await json<KeeperNotification>(t.request(`/api/keeper/notifications/${a.id}`, { method: 'PATCH', json: { read: false } }))).toMatchObject({ status: 'unread', readAt: null });

    const gone = await json<KeeperNotification>(t.request(`/api/keeper/notifications/${b.id}`, { method: 'PATCH', json: { dismissed: true } }));
    expect(gone.status).toBe('dismissed');
    expect((await notes()).items.map((n) => n.id)).not.toContain(b.id);
    expect((await notes('?status=all')).items.find((n) => n.id === b.id)?.status).toBe('dismissed');
    expect((await notes()).unread).toBe(unread0 - 1);
    expect(events.filter((e) => e.type === 'notification.updated').map((e) => (e.data as { change: string }).change)).toEqual(['read', 'unread', 'dismissed']);

    // Another member of the workspace sees the same state (one inbox per workspace).
    const member = await json<{ key: string }>(t.request('/api/keys', { method: 'POST', json: { name: 'member', role: 'member' } }), 201);
    const seen = await json<Page>(t.request('/api/keeper/notifications?status=all', { key: member.key }));
    expect(seen.items.find((n) => n.id === b.id)?.status).toBe('dismissed');
    const viewer = await json<{ key: string }>(t.request('/api/keys', { method: 'POST', json: { name: 'viewer', role: 'viewer' } }), 201);
    await json(t.request(`/api/keeper/notifications/${a.id}`, { method: 'PATCH', json: { read: true }, key: viewer.key }), 403);

    await json(t.request(`/api/keeper/notifications/${a.id}`, { method: 'PATCH', json: {} }), 400);
    await json(t.request(`/api/keeper/notifications/${a.id}`, { method: 'PATCH', json: { read: 'yes' } }), 400);
    await json(t.request('/api/keeper/notifications/no-such-id', { method: 'PATCH', json: { read: true } }), 404);
    await json(t.request('/api/keeper/notifications?status=bogus'), 400);
    // Another workspace cannot touch this one's notifications.
    const w2 = await t.newWorkspace('elsewhere');
    await json(t.request(`/api/keeper/notifications/${a.id}`, { method: 'PATCH', json: { read: true }, key: w2.key }), 404);
    expect((await json<Page>(t.request('/api/keeper/notifications?status=all', { key: w2.key }))).items).toEqual([]);

    const all = await json<{ updated: number; unread: number }>(t.request('/api/keeper/notifications/bulk', { method: 'POST', json: { read: true } }));
    expect(all.updated).toBeGreaterThanOrEqual(1);
    expect(all.unread).toBe(0);
    expect((await notes()).items.find((n) => n.id === a.id)?.status).toBe('read');
    await json(t.request('/api/keeper/notifications/bulk', { method: 'POST', json: {} }), 400);
    const dismissed = await json<{ updated: number }>(t.request('/api/keeper/notifications/bulk', { method: 'POST', json: { dismissed: true } }));
    expect(dismissed.updated).toBeGreaterThanOrEqual(1);
    expect((await notes()).items).toEqual([]);
    expect(events.filter((e) => e.type === 'notification.updated' && (e.data as { all: boolean }).all).map((e) => (e.data as { change: string }).change)).toEqual(['read', 'dismissed']);
    // Bring one back: it is open (and read) again.
    expect(await json<KeeperNotification>(t.request(`/api/keeper/notifications/${a.id}`, { method: 'PATCH', json: { dismissed: false } }))).toMatchObject({ status: 'read', dismissedAt: null });
  });

  it('answers for a session gone from the workspace from the ledger (title, what the keeper did), resolves its notifications, and 404s ids it never knew', async () => {
    const a = of(await notes(), recent.id)[0]!;
    expect(a.status).toBe('read');
    await json<SessionDetail>(t.request(`/api/sessions/${recent.id}`, { method: 'DELETE' }));
    await tick();
    const resolved = (await notes('?status=all')).items.find((n) => n.id === a.id)!;
    expect(resolved).toMatchObject({ status: 'resolved', resolvedReason: 'the session no longer exists in this workspace' });

    const view = await keeperView(recent.id);
    expect(view).toMatchObject({ gone: true, title: recent.title, source: SOURCE, sessionId: recent.id });
    expect(view.actions.map((a2) => [a2.kind, a2.sessionTitle])).toEqual([['hold', recent.title]]);
    await json(t.request('/api/sessions/never-existed/keeper'), 404);
    // Workspace-scoped: another workspace learns nothing about it.
    const w3 = await t.newWorkspace('third');
    await json(t.request(`/api/sessions/${recent.id}/keeper`, { key: w3.key }), 404);
    // Log entries name sessions by title.
    const logs = await json<{ items: KeeperAction[] }>(t.request(`/api/keeper/logs?sessionId=${other.id}`));
    expect(logs.items.map((l) => l.sessionTitle)).toEqual([other.title]);
  });

  it("labels the keeper's own messages, and a person's message with the same text later stays a person's", async () => {
    await put({ answers: { answerGraceMinutes: 0 }, approval: { respectRequirePlanApproval: false, policy: 'always' } });
    // Questions the rules let the agent decide itself (no credentials, product or irreversible words).
    let s: SessionDetail | undefined;
    let answer: KeeperAction | undefined;
    for (let i = 0; i < 6 && !answer; i++) {
      s = await create(`Rename the helpers in module ${i} [sim:question]`);
      await until(s.julesId, 'AWAITING_USER_FEEDBACK');
      await tick();
      await sync();
      answer = (await keeperView(s.id)).actions.find((a2) => a2.kind === 'answer' && a2.status === 'sent');
    }
    expect(answer, 'the keeper answered one of the questions').toBeDefined();
    await sync();
    const acts = await json<{ items: Array<{ id: string; kind: string; data: { userMessaged?: { userMessage?: string } } }> }>(t.request(`/api/sessions/${s!.id}/activities?limit=200`));
    const mine = acts.items.filter((x) => x.kind === 'userMessaged' && x.data.userMessaged?.userMessage?.trim() === answer!.message!.trim());
    expect(mine).toHaveLength(1);
    expect((await keeperView(s!.id)).messages).toEqual([{ activityId: mine[0]!.id, actionId: answer!.id, kind: 'answer' }]);

    // A person sends the very same text later: it is theirs.
    sim.clock.advance(10_000);
    await json(t.request(`/api/sessions/${s!.id}/messages`, { method: 'POST', json: { message: answer!.message } }));
    await sync();
    const acts2 = await json<{ items: Array<{ id: string; kind: string; data: { userMessaged?: { userMessage?: string } } }> }>(t.request(`/api/sessions/${s!.id}/activities?limit=200`));
    const same = acts2.items.filter((x) => x.kind === 'userMessaged' && x.data.userMessaged?.userMessage?.trim() === answer!.message!.trim());
    expect(same).toHaveLength(2);
    expect((await keeperView(s!.id)).messages.map((m) => m.activityId)).toEqual([mine[0]!.id]);
  });
});
