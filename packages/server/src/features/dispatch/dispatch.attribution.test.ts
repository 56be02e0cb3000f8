import { afterEach, describe, expect, it } from 'vitest';
import { createJulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import { runAs } from '../../platform/actor';
import { startTestOrchestrator, type TestOrchestrator } from '../../../test/harness';
import { engineEnv, orchestratorEngines } from '../../../test/orchestrator-engines';
import { actorOfIntent } from './dispatch.pump';

/**
 * Who asked for each session (issue #16): the dispatch intent records the actor of the work that submitted it
 * (a request's key, a schedule, the keeper), on the real orchestrator against the Jules simulator.
 */
const KEY = 'jules-dispatch-attribution-key-0123456789';
let srv: ListeningSimulator | undefined;
let t: TestOrchestrator | undefined;
let dropDb: (() => Promise<void>) | undefined;
afterEach(async () => {
  await t?.close();
  await srv?.close();
  await dropDb?.();
  t = srv = dropDb = undefined;
});

describe.each(orchestratorEngines())('dispatch intents record their actor (%s)', (engine) => {
  it('a request with a key is key:<id>, a schedule is schedule:<id>, the keeper keeper:keeper; the pump reads it back', async () => {
    const sim = createJulesSimulator({ apiKeys: [KEY], sessions: 0, manualClock: true, seed: 7 });
    srv = await sim.listen(0, '127.0.0.1');
    const e = await engineEnv(engine);
    dropDb = e.cleanup;
    t = await startTestOrchestrator({ ...e.env, JULES_API_KEY: KEY, JULES_API_BASE_URL: srv.baseUrl, JULES_POLL_INTERVAL_MS: '3600000', DISPATCH_API_WAIT_MS: '20000' });
    expect((await t.request('/api/keeper/settings', { method: 'PUT', json: { enabled: false } })).status).toBe(200);
    const db = t.orch.db.kysely;

    const r = await t.request('/api/sessions', { method: 'POST', json: { prompt: 'By key [sim:happy]', source: 'acme-corp/storefront', startingBranch: 'main' } });
    expect(r.status).toBe(201);
    const [byKey] = await db.selectFrom('dispatch_intents').selectAll().where('origin_kind', '=', 'api').execute();
    const keys = await db.selectFrom('api_keys').select(['id', 'name', 'workspace_id']).where('workspace_id', '=', byKey!.workspace_id).execute();
    const k = keys.find((x) => `key:${x.id}` === byKey!.actor);
    expect(k, `intent actor ${byKey!.actor} is one of the workspace's keys`).toBeDefined();
    expect(byKey!.actor_name).toBe(k!.name);
    // The key's usage counts the session it asked for.
    const usage = (await (await t.request(`/api/keys/${k!.id}/usage`)).json()) as { sessionCreates: number };
    expect(usage.sessionCreates).toBe(1);

    const ws = byKey!.workspace_id;
    const request = { prompt: 'From a schedule [sim:happy]', source: 'acme-corp/storefront', startingBranch: 'main' };
    const fromSchedule = await runAs({ kind: 'schedule', id: 'sch-nightly', name: 'nightly' }, () =>
      t!.orch.dispatch.service.submit(ws, { origin: { kind: 'schedule', id: 'sch-nightly' }, request, idempotencyKey: 'attr-schedule' }),
    );
    const fromKeeper = await runAs({ kind: 'keeper', id: 'keeper', name: 'keeper' }, () =>
      t!.orch.dispatch.service.submit(ws, { origin: { kind: 'keeper', id: 'k-1' }, request: { ...request, prompt: 'Keeper recovery [sim:happy]' }, idempotencyKey: 'attr-keeper' }),
    );
    const row = (id: string) => db.selectFrom('dispatch_intents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const s = await row(fromSchedule.id);
    expect([s.actor, s.actor_name]).toEqual(['schedule:sch-nightly', 'nightly']);
    const kp = await row(fromKeeper.id);
    expect([kp.actor, kp.actor_name]).toEqual(['keeper:keeper', 'keeper']);
    // The pump sends each intent as the actor stored on it.
    expect(actorOfIntent(s)).toEqual({ kind: 'schedule', id: 'sch-nightly', name: 'nightly' });
    expect(actorOfIntent({ actor: null, actor_name: null })).toMatchObject({ kind: 'system' });
  });
});
