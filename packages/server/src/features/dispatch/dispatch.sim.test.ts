import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator, type LogEntry } from '@autopilot/jules-sim';
import type { DispatchAccount, DispatchIntent, SessionDetail } from '@autopilot/contracts';
import { startTestOrchestrator, type TestOrchestrator } from '../../../test/harness';
import { engineEnv, orchestratorEngines } from '../../../test/orchestrator-engines';

/**
 * The dispatcher against the simulator with Jules' plan limits and its parallel-create failure mode: what is
 * counted is what the simulator saw (its request and slot log), not what the dispatcher says about itself.
 */
const KEY = 'jules-dispatch-test-key-0123456789';
let sim: JulesSimulator | undefined;
let srv: ListeningSimulator | undefined;
let t: TestOrchestrator | undefined;
let dropDb: (() => Promise<void>) | undefined;
afterEach(async () => {
  await t?.close();
  await srv?.close();
  await dropDb?.();
  t = srv = sim = dropDb = undefined;
});

let engine: 'sqlite' | 'postgres' = 'sqlite';
async function start(simOpts: Parameters<typeof createJulesSimulator>[0], env: Record<string, string> = {}) {
  sim = createJulesSimulator({ apiKeys: [KEY], sessions: 0, manualClock: true, seed: 7, ...simOpts });
  srv = await sim.listen(0, '127.0.0.1');
  const e = await engineEnv(engine);
  dropDb = e.cleanup;
  t = await startTestOrchestrator({ ...e.env, JULES_API_KEY: KEY, JULES_API_BASE_URL: srv.baseUrl, JULES_POLL_INTERVAL_MS: '3600000', DISPATCH_API_WAIT_MS: '20000', ...env });
  // Only the dispatcher acts here: the keeper would approve and nudge alongside.
  expect((await t.request('/api/keeper/settings', { method: 'PUT', json: { enabled: false } })).status).toBe(200);
  const accounts = (await (await t.request('/api/jules/accounts')).json()) as { items: Array<{ id: string }> };
  return { sim: sim!, t: t!, accountId: accounts.items[0].id };
}

const creates = (log: LogEntry[]) => log.filter((e) => e.route === 'sessions.create' && e.status !== undefined && e.status < 300);
/** Replays the simulator's slot events: the most sessions that ever held a slot at once. */
function maxActive(log: LogEntry[]): number {
  const active = new Set<string>();
  let max = 0;
  for (const e of log.filter((x) => x.method === 'SIM')) {
    if (e.route === 'session.started') active.add(e.sessionId!);
    if (e.route === 'session.ended') active.delete(e.sessionId!);
    max = Math.max(max, active.size);
  }
  return max;
}

describe.each(orchestratorEngines())('dispatcher on the simulator (%s)', (eng) => {
  beforeEach(() => {
    engine = eng;
  });
  it('free plan, 10 creates: never more than 3 active on Jules, none left QUEUED there, the rest sent as slots free, each once', async () => {
    const { sim, t, accountId } = await start({ plan: 'free' });
    const limits = await t.request(`/api/dispatch/accounts/${accountId}`, { method: 'PATCH', json: { plan: 'free' } });
    expect(limits.status).toBe(200);
    const answers: Array<{ status: number; body: SessionDetail | DispatchIntent }> = [];
    for (let i = 0; i < 10; i++) {
      const r = await t.request('/api/sessions', { method: 'POST', json: { prompt: `Task ${i} [sim:happy]`, source: 'acme-corp/storefront', startingBranch: 'main' } });
      answers.push({ status: r.status, body: await r.json() });
    }
    // Three go at once; the plan holds the rest, answered at once with their place in line.
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 202, 202, 202, 202, 202, 202, 202]);
    const held = answers.slice(3).map((a) => a.body as DispatchIntent);
    expect(held.map((h) => [h.state, h.waitingFor, h.position])).toEqual(held.map((_, i) => ['queued', 'slot', i + 1]));
    expect(held.every((h, i) => i === 0 || Date.parse(h.eta!) >= Date.parse(held[i - 1].eta!))).toBe(true);
    const quota = (await (await t.request(`/api/dispatch/accounts/${accountId}`)).json()) as DispatchAccount;
    expect(quota).toMatchObject({ active: 3, createdToday: 3, queued: 7, limits: { plan: 'free', concurrent: 3, daily: 15 } });

    // Sessions finish in sim time; the mirror sees it at each sync and the dispatcher sends the next ones.
    for (let i = 0; i < 400; i++) {
      const intents = (await (await t.request('/api/dispatch/intents?limit=50')).json()) as { items: DispatchIntent[] };
      if (intents.items.length === 10 && intents.items.every((x) => x.state === 'created')) break;
      sim.clock.advance(60_000);
      await t.orch.sessions.sessions.syncAll();
      await new Promise((r) => setTimeout(r, 30));
    }
    const intents = (await (await t.request('/api/dispatch/intents?limit=50')).json()) as { items: DispatchIntent[] };
    expect(intents.items.map((x) => x.state)).toEqual(Array(10).fill('created'));
    const log = sim.log();
    expect(maxActive(log)).toBe(3);
    expect(log.filter((e) => e.route === 'session.queued')).toEqual([]);
    const prompts = sim.sessions().map((s) => s.title);
    expect(creates(log)).toHaveLength(10);
    expect(new Set(prompts).size).toBe(10);
  }, 120_000);

  it('10 parallel creates while Jules fails parallel creates ("Could not get source") and loses answers: all created, none twice', async () => {
    const { sim, t } = await start({});
    sim.setFaults({ parallelCreates: { maxInFlight: 2, failRate: 0.8, lostResponseRate: 0.3, lostOnlyUnderLoad: false, latencyMs: 40 } });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => t.request('/api/sessions', { method: 'POST', json: { prompt: `Parallel ${i} [sim:happy]` } }).then(async (r) => ({ status: r.status, body: await r.json() }))),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    const log = sim.log();
    const failed = log.filter((e) => e.route === 'sessions.create' && e.status === 400);
    const lost = log.filter((e) => e.route === 'sessions.create' && (e.status === 504 || e.status === undefined || e.status === 0));
    // The fault really bit: some creates were refused, so the ten went through retries (and lost answers were found).
    expect(failed.length + lost.length).toBeGreaterThan(0);
    const byPrompt = new Map<string, number>();
    for (const s of sim.sessions()) byPrompt.set(s.title, (byPrompt.get(s.title) ?? 0) + 1);
    expect([...byPrompt.values()]).toEqual(Array(10).fill(1));
    expect(new Set(results.map((r) => (r.body as SessionDetail).julesId)).size).toBe(10);
  }, 120_000);

  it('a create whose sender died is looked for on Jules first: linked when Jules has it, sent again when not', async () => {
    const { sim, t, accountId } = await start({}, { DISPATCH_LEASE_MS: '1000' });
    const ws = (await (await t.request('/api/me')).json()) as { workspace: { id: string } };
    const db = t.orch.db.kysely;
    // Two intents a dead instance claimed: Jules created the first one (its answer was never stored), not the second.
    const made = sim.createSession({ prompt: 'Crashed after Jules created it', behaviour: 'happy' });
    const past = Date.now() - 5_000;
    const row = (id: string, prompt: string) => ({
      id, workspace_id: ws.workspace.id, account_id: accountId, seq: past * 1000, priority: 10, state: 'dispatching', origin_kind: 'batch', origin_id: 'b1', idempotency_key: null,
      request: JSON.stringify({ prompt, title: null, source: null, startingBranch: null, requirePlanApproval: false, autoCreatePr: false }), keeper: null,
      session_id: null, jules_id: null, attempts: 1, error: null, waiting_for: null, claim: 'dead-instance:0000', next_attempt_at: null, dispatched_at: past - 1000,
      created_at: new Date(past).toISOString(), updated_at: new Date(past).toISOString(),
    });
    await db.insertInto('dispatch_intents').values([row('00000000-0000-4000-8000-000000000001', 'Crashed after Jules created it'), row('00000000-0000-4000-8000-000000000002', 'Crashed before Jules had it')]).execute();
    const before = creates(sim.log()).length;
    for (let i = 0; i < 100; i++) {
      await t.orch.dispatch.pumpNow(accountId, ws.workspace.id);
      const rows = await db.selectFrom('dispatch_intents').select(['id', 'state', 'jules_id']).orderBy('id').execute();
      if (rows.every((r) => r.state === 'created')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const rows = await db.selectFrom('dispatch_intents').select(['id', 'state', 'jules_id']).orderBy('id').execute();
    expect(rows.map((r) => r.state)).toEqual(['created', 'created']);
    expect(rows[0].jules_id).toBe(made.id);
    // Exactly one create was sent: the second intent's. The first was found, not sent again.
    expect(creates(sim.log()).length - before).toBe(1);
    expect(sim.sessions().filter((s) => s.title.startsWith('Crashed')).length).toBe(2);
  }, 60_000);

  it('an idempotency key answers the first intent; cancel takes only queued ones, retry only failed ones (409 naming the state)', async () => {
    const { t, accountId } = await start({ plan: 'free' });
    await t.request(`/api/dispatch/accounts/${accountId}`, { method: 'PATCH', json: { plan: 'custom', concurrent: 1, daily: 10 } });
    const first = await t.request('/api/sessions', { method: 'POST', json: { prompt: 'One [sim:stuck]' } });
    expect(first.status).toBe(201);
    const held = (await (await t.request('/api/sessions', { method: 'POST', json: { prompt: 'Two [sim:stuck]' } })).json()) as DispatchIntent;
    expect(held).toMatchObject({ kind: 'dispatch', state: 'queued', waitingFor: 'slot', position: 1 });
    const retry = await t.request(`/api/dispatch/intents/${held.id}/retry`, { method: 'POST' });
    expect(retry.status).toBe(409);
    expect(((await retry.json()) as { error: { details: { state: string } } }).error.details.state).toBe('queued');
    const cancelled = (await (await t.request(`/api/dispatch/intents/${held.id}/cancel`, { method: 'POST' })).json()) as DispatchIntent;
    expect(cancelled.state).toBe('cancelled');
    expect((await t.request(`/api/dispatch/intents/${held.id}/cancel`, { method: 'POST' })).status).toBe(409);
    const ws = (await (await t.request('/api/me')).json()) as { workspace: { id: string } };
    const a = await t.orch.dispatch.service.submit(ws.workspace.id, { request: { prompt: 'Keyed' }, origin: { kind: 'schedule', id: 'r1' }, idempotencyKey: 'schedule:r1' });
    const b = await t.orch.dispatch.service.submit(ws.workspace.id, { request: { prompt: 'Keyed' }, origin: { kind: 'schedule', id: 'r1' }, idempotencyKey: 'schedule:r1' });
    expect(b.id).toBe(a.id);
    const bad = await t.request(`/api/dispatch/accounts/${accountId}`, { method: 'PATCH', json: { plan: 'custom', concurrent: 2 } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('body.daily');
  }, 60_000);
});
