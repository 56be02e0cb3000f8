import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import { DEFAULT_KEEPER_SETTINGS, type KeeperNotification, type KeeperSettings, type SessionDetail, type SessionKeeperState } from '@autopilot/contracts';
import { startTestOrchestrator, type TestOrchestrator } from '../../../test/harness';
import { engineEnv, orchestratorEngines } from '../../../test/orchestrator-engines';

/**
 * Create-time intent and recovery links, through a real orchestrator on the simulator (which, like the live API,
 * never reads requirePlanApproval or automationMode back), on SQLite and PostgreSQL.
 */
const KEY = 'jules-keeper-intent-key-0123456789';
const SOURCE = 'sources/github/acme-corp/storefront';

describe.each(orchestratorEngines())('keeper defers to people (%s)', (engine) => {
  let sim: JulesSimulator;
  let srv: ListeningSimulator;
  let t: TestOrchestrator;
  let dropDb: () => Promise<void>;
  let ws: string;

  beforeAll(async () => {
    sim = createJulesSimulator({ apiKeys: [KEY], sessions: 0, manualClock: true, seed: 7 });
    srv = await sim.listen(0, '127.0.0.1');
    const e = await engineEnv(engine);
    dropDb = e.cleanup;
    t = await startTestOrchestrator({ ...e.env, JULES_API_KEY: KEY, JULES_API_BASE_URL: srv.baseUrl, JULES_POLL_INTERVAL_MS: '3600000' });
    ws = (await t.orch.db.kysely.selectFrom('workspaces').select('id').executeTakeFirstOrThrow()).id;
    // Only the explicit ticks below act (no interval ticks, no wake-ups after a sync racing them).
    await t.orch.keeper.loop.stop();
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
  async function put(patch: unknown) {
    return json<KeeperSettings>(t.request('/api/keeper/settings', { method: 'PUT', json: patch }));
  }
  const sync = () => t.orch.sessions.sessions.syncAll();
  const tick = () => t.orch.keeper.keeperFor(ws).tick();
  const simState = (julesId: string) => sim.sessions().find((s) => s.id === julesId)?.state;
  async function until(julesId: string, state: string) {
    for (let i = 0; i < 400 && simState(julesId) !== state; i++) sim.clock.advance(5_000);
    expect(simState(julesId)).toBe(state);
    await sync();
  }
  const calls = (route: string, julesId: string) => sim.log().filter((e) => e.route === route && e.sessionId === julesId).length;
  const keeperView = (id: string) => json<SessionKeeperState>(t.request(`/api/sessions/${id}/keeper`));

  it('records requirePlanApproval and automationMode at create, keeps them without an echo, and holds the plan', async () => {
    const created = await json<SessionDetail>(
      t.request('/api/sessions', { method: 'POST', json: { prompt: 'Add paging to the orders list', source: SOURCE, startingBranch: 'main', requirePlanApproval: true, autoCreatePr: true } }),
      201,
    );
    expect(created).toMatchObject({ requirePlanApproval: true, automationMode: 'AUTO_CREATE_PR', createdBy: 'orchestrator' });
    await until(created.julesId, 'AWAITING_PLAN_APPROVAL');
    const row = await t.orch.db.kysely.selectFrom('jules_sessions').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    // The echo columns stay empty (Jules never reads these back); the recorded intent is what counts.
    expect([Number(row.require_plan_approval), row.automation_mode, Number(row.orchestrator_created), Number(row.intent_require_plan_approval)]).toEqual([0, null, 1, 1]);
    expect(await json<SessionDetail>(t.request(`/api/sessions/${created.id}`))).toMatchObject({ requirePlanApproval: true, automationMode: 'AUTO_CREATE_PR', createdBy: 'orchestrator' });

    await tick();
    await tick();
    expect(calls('sessions.approvePlan', created.julesId)).toBe(0);
    const view = await keeperView(created.id);
    expect(view.actions.map((a) => [a.kind, a.status])).toEqual([['hold', 'recorded']]);
    expect(view.actions[0]!.reason).toContain('require plan approval');
    const notes = await json<{ items: KeeperNotification[] }>(t.request('/api/keeper/notifications'));
    expect(notes.items.filter((n) => n.sessionId === created.id).map((n) => n.kind)).toEqual(['plan_held']);

    // Only an explicit workspace policy overrides the creator's wish.
    await put({ approval: { respectRequirePlanApproval: false, policy: 'always' } });
    await tick();
    expect(calls('sessions.approvePlan', created.julesId)).toBe(1);
    await put({ approval: { respectRequirePlanApproval: true, policy: 'rules' } });
  });

  it('a session created outside the orchestrator follows the workspace default', async () => {
    await put({ approval: { defaultRequirePlanApproval: true } });
    const outside = sim.createSession({ prompt: 'Add a CHANGELOG entry', source: SOURCE, startingBranch: 'main', behaviour: 'approval' });
    await sync();
    await until(outside.id, 'AWAITING_PLAN_APPROVAL');
    const detail = await json<SessionDetail>(t.request(`/api/sessions/${outside.id}`));
    expect(detail).toMatchObject({ createdBy: 'external', requirePlanApproval: false });
    await tick();
    expect(calls('sessions.approvePlan', outside.id)).toBe(0);
    const view = await keeperView(detail.id);
    expect(view.actions.map((a) => a.kind), JSON.stringify(view.lastDecision)).toEqual(['hold']);
    expect(view.actions[0]!.reason).toContain('workspace default');
    await put({ approval: { defaultRequirePlanApproval: false } });
  });

  it('FAILED recovery: a new session with the original prompt and the fenced failure reason, linked, exactly once, capped', async () => {
    await put({ selfHeal: { enabled: true, strategy: 'new_session', maxAttempts: 1 } });
    const prompt = 'Fix the flaky cart test [sim:fail]';
    const failed = await json<SessionDetail>(t.request('/api/sessions', { method: 'POST', json: { prompt, source: SOURCE, startingBranch: 'main', autoCreatePr: true } }), 201);
    await until(failed.julesId, 'FAILED');
    const creates = () => sim.log().filter((e) => e.route === 'sessions.create').length;
    const before = creates();
    await tick();
    await tick();
    expect(creates()).toBe(before + 1);
    const view = await keeperView(failed.id);
    expect(view.actions.map((a) => [a.kind, a.status]), JSON.stringify(view.actions)).toEqual([['recover', 'sent']]);
    expect(view.links).toEqual([expect.objectContaining({ relation: 'recovered_as', actionId: view.actions[0]!.id })]);
    const next = await json<SessionDetail>(t.request(`/api/sessions/${view.links[0]!.sessionId}`));
    expect(next.createdBy).toBe('orchestrator');
    expect(next.automationMode).toBe('AUTO_CREATE_PR');
    expect(next.prompt.startsWith(prompt)).toBe(true);
    expect(next.prompt).toMatch(/untrusted data[\s\S]*<<<UNTRUSTED-[0-9a-f]{32}>>>\n.+\n<<<END-[0-9a-f]{32}>>>/);
    expect((await keeperView(next.id)).links).toEqual([expect.objectContaining({ relation: 'recovered_from', sessionId: failed.id })]);
    // It went through the dispatcher, like every create: one intent of the keeper, keyed by session and trigger.
    const intents = await t.orch.db.kysely.selectFrom('dispatch_intents').select(['origin_kind', 'state', 'session_id', 'idempotency_key']).where('origin_kind', '=', 'keeper').execute();
    expect(intents).toEqual([{ origin_kind: 'keeper', state: 'created', session_id: next.id, idempotency_key: expect.stringMatching(new RegExp(`^keeper:${failed.id}:`)) }]);

    // The recovery fails too (same tag): the cap covers the chain, so a person is told instead of a third session.
    await until(next.julesId, 'FAILED');
    await tick();
    expect(creates()).toBe(before + 1);
    expect((await keeperView(next.id)).actions.map((a) => a.kind)).toEqual(['escalate']);
    await put({ selfHeal: { enabled: false } });
  });

  it('settings stored before these fields existed still parse, with the new defaults', async () => {
    const old = structuredClone(DEFAULT_KEEPER_SETTINGS) as Record<string, any>;
    delete old.alerts;
    delete old.approval.respectRequirePlanApproval;
    delete old.approval.defaultRequirePlanApproval;
    delete old.answers.answerGraceMinutes;
    delete old.selfHeal.strategy;
    old.stall.maxNudges = 7;
    await t.orch.db.kysely.updateTable('keeper_settings').set({ settings: JSON.stringify(old) }).where('workspace_id', '=', ws).execute();
    const s = await json<KeeperSettings>(t.request('/api/keeper/settings'));
    expect(s.stall.maxNudges).toBe(7);
    expect(s.approval).toMatchObject({ respectRequirePlanApproval: true, defaultRequirePlanApproval: false });
    expect(s.answers.answerGraceMinutes).toBe(10);
    expect(s.selfHeal.strategy).toBe('auto');
    expect(s.alerts).toEqual(DEFAULT_KEEPER_SETTINGS.alerts);
  });
});
