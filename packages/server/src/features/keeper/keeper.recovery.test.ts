import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_KEEPER_SETTINGS, type CreateSessionBody, type SessionDetail } from '@autopilot/contracts';
import { createTestDb, testEngines, type TestDb } from '../../platform/db/testing';
import { createMemoryBus } from '../../platform/events/bus';
import { createLogger } from '../../platform/logger';
import { createKeeperStore, type KeeperStore } from './keeper.store';
import { reconcile, runAction, toHistory, type LedgerDeps } from './keeper.ledger';
import { createSupervisor, recoveryMarker, type Supervisor } from './keeper.supervisor';
import type { KeeperMirror } from './keeper.mirror';
import type { Decision, KeeperSession } from './keeper.types';

/**
 * The ledger paths added for people: an unsure question the classifier gives to a person is never answered, and a
 * recovery session is created exactly once across a crash or a timed-out create (SQLite and PostgreSQL).
 */
const T0 = Date.parse('2026-12-01T10:00:00Z');
const WS = 'default';
const log = createLogger({ level: 'silent' });
const settings = structuredClone(DEFAULT_KEEPER_SETTINGS);

function fakes() {
  const created: CreateSessionBody[] = [];
  const messages: string[] = [];
  const byMarker = new Map<string, string>();
  let failCreateAfterLanding = false;
  let syncedAt: number | null = null;
  const mirror: KeeperMirror = {
    signatures: async () => [],
    summaries: async () => [],
    detail: async (_w, id) => ({ id, accountId: 'acc', state: 'FAILED', activityCount: 0 }) as SessionDetail,
    recentActivities: async () => [],
    approvePlan: async () => undefined,
    sendMessage: async (_w, _id, m) => void messages.push(m),
    lastSyncAt: async () => syncedAt,
    upstream: async () => null,
    workspaces: async () => [WS],
    async createSession(_w, body) {
      created.push(body);
      const id = `new-${created.length}`;
      const marker = /keeper, action [0-9a-f-]{36}\.\)/.exec(body.prompt)?.[0];
      if (marker) byMarker.set(marker, id);
      // The session exists upstream, but the answer never arrives (timeout, or the process died).
      if (failCreateAfterLanding) throw new Error('Jules is unavailable: timeout');
      return { id };
    },
    findSessionByText: async (_w, text) => byMarker.get(text) ?? null,
  };
  return { mirror, created, messages, setFailAfterLanding: (v: boolean) => (failCreateAfterLanding = v), setSynced: (t: number) => (syncedAt = t) };
}

const session = (id: string, o: Partial<KeeperSession> = {}): KeeperSession => ({
  id, state: 'FAILED', archived: false, deleted: false, paused: false, prompt: 'Fix the cart test', title: 'Cart', source: 'sources/github/acme/api', prUrl: null,
  hasOutputs: false, createTimeMs: T0, updateTimeMs: T0, lastActivityAtMs: T0, activityCount: 1, accountId: 'acc', startingBranch: 'develop', createdHere: true,
  requirePlanApproval: true, automationMode: 'AUTO_CREATE_PR', ...o,
});
const recover: Exclude<Decision, { action: 'none' }> = { action: 'recover', trigger: 'failed:f1', reason: 'session failed: tests', brief: { purpose: 'recover', cue: 'tests failed' } };

describe.each(testEngines())('keeper ledger for people and recovery (%s)', (engine) => {
  let tdb: TestDb;
  let store: KeeperStore;
  let now = T0;
  const deps = (mirror: KeeperMirror, supervisor: Supervisor = createSupervisor()): LedgerDeps => ({
    store, mirror, supervisor, bus: createMemoryBus(), clock: { now: () => now, sleep: async () => {} }, log, instanceId: 'i1', pendingStaleMs: 60_000,
  });
  beforeAll(async () => {
    tdb = await createTestDb(engine);
    store = createKeeperStore(tdb.db);
  });
  afterAll(async () => tdb?.cleanup());
  const rows = async (id: string) => (await store.history(WS, [id])).map((r) => [r.kind, r.status]);

  it('an unsure question the classifier gives to a person (or a failing classifier) is escalated, never answered', async () => {
    for (const [id, classify] of [
      ['q-human', async () => ({ human: true, reason: 'the model judged that only a person can answer' })],
      ['q-broken', async () => { throw new Error('budget exhausted'); }],
    ] as const) {
      const f = fakes();
      const sup: Supervisor = { compose: async () => ({ text: 'should never be sent', via: 'llm' }), classify };
      const d: Decision = { action: 'answer', trigger: 'question:q1', reason: 'unsure', brief: { purpose: 'answer', cue: 'Keep v1?', classify: true } };
      await runAction(deps(f.mirror, sup), WS, session(id, { state: 'AWAITING_USER_FEEDBACK' }), d, { recent: [], history: [], settings });
      expect(f.messages).toEqual([]);
      expect(await rows(id)).toEqual(expect.arrayContaining([['answer', 'abandoned'], ['escalate', 'recorded']]));
      expect((await store.notifications(WS, 10)).some((n) => n.session_id === id && n.kind === 'question_escalated' && /person/.test(n.body))).toBe(true);
    }
    const f = fakes();
    const sup: Supervisor = { compose: async () => ({ text: 'Decide yourself.', via: 'llm' }), classify: async () => ({ human: false, reason: 'engineering' }) };
    const answer: Decision = { action: 'answer', trigger: 'question:q1', reason: 'unsure', brief: { purpose: 'answer', cue: 'Keep v1?', classify: true } };
    await runAction(deps(f.mirror, sup), WS, session('q-agent', { state: 'AWAITING_USER_FEEDBACK' }), answer, { recent: [], history: [], settings });
    expect(f.messages).toEqual(['Decide yourself.']);
    // A person replied while the answer was being written (Jules' updateTime moved): nothing is sent.
    const moved = fakes();
    const mirror: KeeperMirror = { ...moved.mirror, upstream: async () => ({ state: 'IN_PROGRESS', archived: false, updateTimeMs: T0 + 5 }) };
    expect(await runAction(deps(mirror, sup), WS, session('q-moved', { state: 'AWAITING_USER_FEEDBACK' }), answer, { recent: [], history: [], settings })).toBe('failed');
    expect(moved.messages).toEqual([]);
  });

  it('a recovery session carries the original settings and the fenced reason, and is linked', async () => {
    const f = fakes();
    expect(await runAction(deps(f.mirror), WS, session('r-ok'), recover, { recent: [], history: [], settings })).toBe('sent');
    expect(f.created).toHaveLength(1);
    expect(f.created[0]).toMatchObject({ source: 'sources/github/acme/api', startingBranch: 'develop', requirePlanApproval: true, autoCreatePr: true, accountId: 'acc' });
    expect(f.created[0]!.prompt).toMatch(/^Fix the cart test\n[\s\S]*<<<UNTRUSTED-([0-9a-f]{32})>>>\ntests failed\n<<<END-\1>>>/);
    expect((await store.links(WS, 'r-ok')).map((l) => [l.from_session_id, l.to_session_id])).toEqual([['r-ok', 'new-1']]);
  });

  it('a create that landed but timed out is found on the retry, not made twice', async () => {
    const f = fakes();
    f.setFailAfterLanding(true);
    expect(await runAction(deps(f.mirror), WS, session('r-timeout'), recover, { recent: [], history: [], settings })).toBe('failed');
    f.setFailAfterLanding(false);
    now += 60_000;
    const history = (await store.history(WS, ['r-timeout'])).map(toHistory);
    expect(await runAction(deps(f.mirror), WS, session('r-timeout'), recover, { recent: [], history, settings })).toBe('sent');
    expect(f.created).toHaveLength(1);
    expect((await store.links(WS, 'r-timeout')).map((l) => l.to_session_id)).toEqual(['new-1']);
  });

  it('a crash after the create is reconciled from the marker: sent and linked, never created again', async () => {
    const f = fakes();
    const row = { id: '5d9a3c1e-2b4f-4e6a-8c7d-9e0f1a2b3c4d', workspace_id: WS, session_id: 'r-crash', kind: 'recover', trigger: 'failed:f1', status: 'pending', reason: 'session failed', attempts: 1, holder: 'dead', created_at: now, settled_at: null, error: null };
    await store.claim({ ...row, message: `Fix it\n\n(Recovery of session r-crash by the Jules Autopilot ${recoveryMarker(row.id)}` });
    await f.mirror.createSession!(WS, { prompt: `Fix it ${recoveryMarker(row.id)}` }, 'keeper:r-crash:failed:f1');
    now += 120_000;
    expect(await reconcile(deps(f.mirror), WS)).toBe(1);
    expect(await rows('r-crash')).toEqual([['recover', 'sent']]);
    expect((await store.links(WS, 'r-crash')).map((l) => l.to_session_id)).toEqual(['new-1']);
    expect(f.created).toHaveLength(1);

    // No session with the marker and a poll since the claim: the create never happened, so the row fails (and may be retried).
    const lost = { ...row, id: '6e0b4d2f-3c5a-4f7b-9d8e-0f1a2b3c4d5e', session_id: 'r-lost', created_at: now };
    await store.claim({ ...lost, message: 'Fix it' });
    now += 120_000;
    f.setSynced(now);
    expect(await reconcile(deps(f.mirror), WS)).toBe(1);
    expect(await rows('r-lost')).toEqual([['recover', 'failed']]);
    expect(await store.links(WS, 'r-lost')).toEqual([]);
  });
});
