import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import type { ActivityPage, SessionDetail, SessionPage } from '@autopilot/contracts';
import type { z } from '@hono/zod-openapi';
import { startTestOrchestrator, type TestOrchestrator } from '../../../test/harness';

type Page = z.infer<typeof SessionPage>;
type Acts = z.infer<typeof ActivityPage>;
const KEY = 'jules-route-test-key-abcdef123456';

describe('sessions API over a real orchestrator and the simulator', () => {
  let sim: JulesSimulator;
  let srv: ListeningSimulator;
  let t: TestOrchestrator;
  let other: { id: string; key: string };

  beforeAll(async () => {
    sim = createJulesSimulator({ apiKeys: [KEY], sessions: 30, manualClock: true, seed: 11, spreadHours: 3 });
    srv = await sim.listen(0, '127.0.0.1');
    t = await startTestOrchestrator({ JULES_API_KEY: KEY, JULES_API_BASE_URL: srv.baseUrl, JULES_POLL_INTERVAL_MS: '3600000' });
    // The loop's first tick runs at start; wait for it so explicit syncs below do not overlap it.
    while (t.orch.sessions.loop.status().ticks < 1) await new Promise((r) => setTimeout(r, 20));
    other = await t.newWorkspace('other-team');
    // These tests act by hand and count the simulator's requests: the keeper must not act alongside.
    expect((await t.request('/api/keeper/settings', { method: 'PUT', json: { enabled: false } })).status).toBe(200);
    // A keeper tick already running finishes with the settings it read: wait until one has started since.
    const keeperTicks = async () => ((await (await t.request('/api/health')).json()) as { loops: Array<{ name: string; ticks: number }> }).loops.filter((l) => l.name.startsWith('keeper:')).reduce((n, l) => n + l.ticks, 0);
    const before = await keeperTicks();
    while ((await keeperTicks()) < before + 2) await new Promise((r) => setTimeout(r, 50));
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await srv?.close();
  });

  const json = async <T>(res: Response | Promise<Response>, status = 200): Promise<T> => {
    const r = await res;
    const body = await r.json();
    expect({ status: r.status, body }).toMatchObject({ status });
    return body as T;
  };
  const sync = () => t.orch.sessions.sessions.syncAll();
  /** Advances sim time until the session reaches `state` (bounded). */
  const until = async (julesId: string, state: string) => {
    for (let i = 0; i < 200 && sim.sessions().find((s) => s.id === julesId)?.state !== state; i++) sim.clock.advance(5_000);
    expect(sim.sessions().find((s) => s.id === julesId)?.state).toBe(state);
  };

  it('lists the mirror newest-update first with cursor pagination and filters', async () => {
    const live = sim.sessions().filter((s) => !s.archived);
    const seen: Page['items'] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await json(t.request(`/api/sessions?limit=7${cursor ? `&cursor=${cursor}` : ''}`));
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((s) => s.julesId).sort()).toEqual(live.map((s) => s.id).sort());
    const times = seen.map((s) => s.updateTime);
    expect([...times].sort().reverse()).toEqual(times);

    const done: Page = await json(t.request('/api/sessions?state=COMPLETED,FAILED&limit=500'));
    expect(done.items.length).toBe(live.filter((s) => s.state === 'COMPLETED' || s.state === 'FAILED').length);
    expect(done.items.every((s) => s.state === 'COMPLETED' || s.state === 'FAILED')).toBe(true);

    const probe = live[0];
    const word = probe.title.split(' ').find((w) => w.length > 4) ?? probe.title;
    const byText: Page = await json(t.request(`/api/sessions?text=${encodeURIComponent(word.toUpperCase())}&limit=500`));
    expect(byText.items.some((s) => s.julesId === probe.id)).toBe(true);
    expect(byText.items.every((s) => `${s.title} ${s.prompt}`.toLowerCase().includes(word.toLowerCase()))).toBe(true);

    const bad = await json<{ error: { code: string; details: { issues: { path: string }[] } } }>(t.request('/api/sessions?state=in progress'), 400);
    expect(bad.error.details.issues[0].path).toBe('query.state');
    await json(t.request('/api/sessions?cursor=nonsense'), 400);
  });

  it('serves a session and its activities oldest first, page by page', async () => {
    const busiest = sim.sessions().filter((s) => !s.archived).sort((a, b) => b.activities - a.activities)[0];
    const list: Page = await json(t.request('/api/sessions?limit=500'));
    const mine = list.items.find((s) => s.julesId === busiest.id)!;
    const detail: SessionDetail = await json(t.request(`/api/sessions/${mine.id}`));
    expect(detail).toMatchObject({ julesId: busiest.id, state: busiest.state, activityCount: busiest.activities });
    // The Jules id works as well as ours.
    expect((await json<SessionDetail>(t.request(`/api/sessions/${busiest.id}`))).id).toBe(mine.id);
    const acts: Acts['items'] = [];
    let cursor: string | null = null;
    do {
      const page: Acts = await json(t.request(`/api/sessions/${mine.id}/activities?limit=3${cursor ? `&cursor=${cursor}` : ''}`));
      acts.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(acts).toHaveLength(busiest.activities);
    expect(acts.map((a) => Date.parse(a.createTime))).toEqual(acts.map((a) => Date.parse(a.createTime)).sort((a, b) => a - b));
    expect(acts[0].kind).toBe('system');
  });

  it('creates a session on Jules; it appears at once; a source needs a starting branch', async () => {
    const created: SessionDetail = await json(t.request('/api/sessions', { method: 'POST', json: { prompt: 'Write the changelog [sim:happy]', title: 'Changelog' } }), 201);
    expect(created).toMatchObject({ title: 'Changelog', state: 'QUEUED', deleted: false });
    expect(sim.sessions().some((s) => s.id === created.julesId)).toBe(true);
    const list: Page = await json(t.request('/api/sessions?text=changelog'));
    expect(list.items.map((s) => s.id)).toContain(created.id);

    const bad = await json<{ error: { details: { issues: { path: string }[] } } }>(
      t.request('/api/sessions', { method: 'POST', json: { prompt: 'x', source: 'github/acme/api' } }),
      400,
    );
    expect(bad.error.details.issues.map((d) => d.path)).toEqual(['body.startingBranch']);
  });

  it('approves a plan and answers a question through Jules, then shows the result', async () => {
    const a: SessionDetail = await json(t.request('/api/sessions', { method: 'POST', json: { prompt: 'Migrate the config [sim:happy]', requirePlanApproval: true } }), 201);
    await until(a.julesId, 'AWAITING_PLAN_APPROVAL');
    const approved: SessionDetail = await json(t.request(`/api/sessions/${a.id}/approve-plan`, { method: 'POST' }));
    expect(approved.state).not.toBe('AWAITING_PLAN_APPROVAL');
    expect(sim.log().filter((e) => e.route === 'sessions.approvePlan' && e.sessionId === a.julesId).map((e) => e.status)).toEqual([200]);
    const acts: Acts = await json(t.request(`/api/sessions/${a.id}/activities?limit=500`));
    expect(acts.items.map((x) => x.kind)).toContain('planApproved');

    const q: SessionDetail = await json(t.request('/api/sessions', { method: 'POST', json: { prompt: 'Pick a logging library [sim:question]' } }), 201);
    await until(q.julesId, 'AWAITING_USER_FEEDBACK');
    await sync();
    const waiting: SessionDetail = await json(t.request(`/api/sessions/${q.id}`));
    expect(waiting.state).toBe('AWAITING_USER_FEEDBACK');
    // What the keeper reads in-process: the question the session waits on.
    const me = await json<{ workspace: { id: string } }>(t.request('/api/me'));
    const question = await t.orch.sessions.sessions.lastActivity(me.workspace.id, q.id, ['agentMessaged']);
    expect(question?.kind).toBe('agentMessaged');
    const answered: SessionDetail = await json(t.request(`/api/sessions/${q.id}/messages`, { method: 'POST', json: { message: 'Use pino.' } }));
    expect(answered.state).toBe('IN_PROGRESS');
    const qa: Acts = await json(t.request(`/api/sessions/${q.id}/activities?limit=500`));
    expect(qa.items.find((x) => x.kind === 'userMessaged')?.data).toMatchObject({ userMessaged: { userMessage: 'Use pino.' } });
  });

  it('archives, unarchives and deletes (the mirror keeps deleted sessions, marked)', async () => {
    const s: SessionDetail = await json(t.request('/api/sessions', { method: 'POST', json: { prompt: 'Short-lived [sim:happy]' } }), 201);
    expect((await json<SessionDetail>(t.request(`/api/sessions/${s.id}/archive`, { method: 'POST' }))).archived).toBe(true);
    const hidden: Page = await json(t.request('/api/sessions?limit=500'));
    expect(hidden.items.map((x) => x.id)).not.toContain(s.id);
    expect((await json<SessionDetail>(t.request(`/api/sessions/${s.id}/unarchive`, { method: 'POST' }))).archived).toBe(false);
    expect((await json<SessionDetail>(t.request(`/api/sessions/${s.id}`, { method: 'DELETE' }))).deleted).toBe(true);
    expect(sim.sessions().some((x) => x.id === s.julesId)).toBe(false);
    const after: Page = await json(t.request('/api/sessions?limit=500'));
    expect(after.items.map((x) => x.id)).not.toContain(s.id);
    const withDeleted: Page = await json(t.request('/api/sessions?limit=500&deleted=true'));
    expect(withDeleted.items.map((x) => x.id)).toContain(s.id);
  });

  it('maps upstream failures to our error codes', async () => {
    const s: SessionDetail = await json(t.request('/api/sessions', { method: 'POST', json: { prompt: 'Faulty [sim:happy]' } }), 201);
    sim.setFaults({ rules: [{ op: 'sessions.sendMessage', kind: '429', retryAfterSeconds: 120 }] });
    const limited = await json<{ error: { code: string; details: { retryAfterMs: number } } }>(
      t.request(`/api/sessions/${s.id}/messages`, { method: 'POST', json: { message: 'hi' } }),
      429,
    );
    expect(limited.error).toMatchObject({ code: 'rate_limited', details: { retryAfterMs: 120_000 } });
    sim.setFaults({ rules: [{ op: 'sessions.approvePlan', kind: '500' }] });
    expect((await json<{ error: { code: string } }>(t.request(`/api/sessions/${s.id}/approve-plan`, { method: 'POST' }), 503)).error.code).toBe('upstream_unavailable');
    sim.setFaults({ rules: [{ op: 'sessions.archive', kind: '404' }] });
    expect((await json<{ error: { code: string } }>(t.request(`/api/sessions/${s.id}/archive`, { method: 'POST' }), 404)).error.code).toBe('not_found');
    sim.setFaults({});
  });

  it('reports the Jules clients\' breakers in /api/health without naming accounts', async () => {
    const h = await json<{ components: { name: string; status: string; detail?: string }[] }>(t.request('/api/health'));
    expect(h.components).toContainEqual({ name: 'jules', status: 'ok', latencyMs: null, detail: '0 of 1 Jules account clients have an open circuit' });
  });

  it('isolates workspaces: another workspace sees none of these sessions and cannot act on them', async () => {
    const mine: Page = await json(t.request('/api/sessions?limit=1'));
    const id = mine.items[0].id;
    await json(t.request(`/api/sessions/${id}`, { key: other.key }), 404);
    await json(t.request(`/api/sessions/${mine.items[0].julesId}`, { key: other.key }), 404);
    await json(t.request(`/api/sessions/${id}/activities`, { key: other.key }), 404);
    await json(t.request(`/api/sessions/${id}/approve-plan`, { method: 'POST', key: other.key }), 404);
    await json(t.request(`/api/sessions/${id}/messages`, { method: 'POST', key: other.key, json: { message: 'x' } }), 404);
    await json(t.request(`/api/sessions/${id}`, { method: 'DELETE', key: other.key }), 404);
    expect((await json<Page>(t.request('/api/sessions?archived=all&deleted=true', { key: other.key }))).items).toEqual([]);
    const noAccount = await json<{ error: { details: { issues: { path: string }[] } } }>(t.request('/api/sessions', { method: 'POST', key: other.key, json: { prompt: 'x' } }), 400);
    expect(noAccount.error.details.issues[0].path).toBe('body.accountId');
  });

  it('manages Jules accounts per workspace without ever returning a key', async () => {
    const listed = await t.request('/api/jules/accounts');
    const text = await listed.text();
    expect(text).not.toContain(KEY);
    const own = JSON.parse(text) as { items: { id: string; origin: string; keyLast4: string }[] };
    expect(own.items).toMatchObject([{ origin: 'env', keyLast4: KEY.slice(-4) }]);
    await json(t.request(`/api/jules/accounts/${own.items[0].id}`, { method: 'DELETE' }), 409);

    const priv = await json<{ error: { details: { issues: { path: string }[] } } }>(
      t.request('/api/jules/accounts', { method: 'POST', key: other.key, json: { name: 'local', apiKey: 'abcdefgh12345678', baseUrl: srv.baseUrl } }),
      400,
    );
    expect(priv.error.details.issues[0].path).toBe('body.baseUrl');
    // The key is checked live before it is saved: the simulator (the default URL here) refuses one it does not know.
    const refused = await json<{ error: { message: string; details: { issues: { path: string; message: string }[] } } }>(
      t.request('/api/jules/accounts', { method: 'POST', key: other.key, json: { name: 'team key', apiKey: 'AQ.secret-team-key-9876' } }),
      400,
    );
    expect(refused.error.details.issues[0]).toMatchObject({ path: 'body.apiKey', message: 'Jules refused this key' });
    expect(JSON.stringify(refused)).not.toContain('secret-team-key');
    expect((await json<{ items: unknown[] }>(t.request('/api/jules/accounts', { key: other.key }))).items).toEqual([]);
    const added = await json<{ id: string; keyLast4: string }>(t.request('/api/jules/accounts', { method: 'POST', key: other.key, json: { name: 'team key', apiKey: KEY } }), 201);
    expect(added).toMatchObject({ keyLast4: KEY.slice(-4) });
    expect(JSON.stringify(added)).not.toContain(KEY);
    await json(t.request('/api/jules/accounts', { method: 'POST', key: other.key, json: { name: 'team key', apiKey: 'AQ.another-key-0000' } }), 409);
    const sealed = await t.orch.db.kysely.selectFrom('jules_accounts').select('api_key_sealed').where('id', '=', added.id).executeTakeFirstOrThrow();
    expect(sealed.api_key_sealed).not.toContain(KEY);
    // The first workspace cannot see or remove the other's account.
    await json(t.request(`/api/jules/accounts/${added.id}`, { method: 'DELETE' }), 404);
    await json(t.request(`/api/jules/accounts/${added.id}`, { method: 'DELETE', key: other.key }), 200);
  });

  // Last: it leaves the account's breaker open.
  it('opens the breaker after repeated upstream failures: 503 without calling Jules, health degraded, event published', async () => {
    const events: string[] = [];
    const off = t.orch.bus.subscribe((e) => events.push(e.type));
    const s: SessionDetail = await json(t.request('/api/sessions', { method: 'POST', json: { prompt: 'Breaker [sim:happy]' } }), 201);
    sim.setFaults({ rules: [{ op: 'sessions.approvePlan', kind: '500', count: -1 }] });
    for (let i = 0; i < 5; i++) await json(t.request(`/api/sessions/${s.id}/approve-plan`, { method: 'POST' }), 503);
    sim.resetStats();
    const open = await json<{ error: { code: string; details: { breakerOpen: boolean } } }>(t.request(`/api/sessions/${s.id}/approve-plan`, { method: 'POST' }), 503);
    expect(open.error).toMatchObject({ code: 'upstream_unavailable', details: { breakerOpen: true } });
    expect(sim.stats().requests.total).toBe(0);
    const h = await json<{ status: string; components: { name: string; status: string }[] }>(t.request('/api/health'));
    expect(h.components.find((c) => c.name === 'jules')?.status).toBe('degraded');
    expect(events).toContain('breaker.opened');
    off();
    sim.setFaults({});
  });
});
