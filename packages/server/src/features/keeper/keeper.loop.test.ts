import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionActivity, SessionDetail, SessionSummary } from '@autopilot/contracts';
import { createTestDb, type TestDb } from '../../platform/db/testing';
import { createMemoryBus } from '../../platform/events/bus';
import { createLogger } from '../../platform/logger';
import { createKeeperStore, type KeeperStore } from './keeper.store';
import { createKeeperService } from './keeper.service';
import { createSupervisor } from './keeper.supervisor';
import { createWorkspaceKeeper } from './keeper.loop';
import type { KeeperMirror } from './keeper.mirror';

const T0 = Date.parse('2026-11-23T10:00:00Z');
const WS = 'default';
const log = createLogger({ level: 'silent' });

/** A mirror of sessions held in memory; counts reads so the cadence is visible. */
function world() {
  const sessions = new Map<string, SessionSummary>();
  const acts = new Map<string, SessionActivity[]>();
  const calls: string[] = [];
  const reads = new Map<string, number>();
  const mirror: KeeperMirror = {
    signatures: async () => [...sessions.values()],
    summaries: async (_w, ids) => ids.map((id) => sessions.get(id)!).filter(Boolean),
    detail: async (_w, id) => ({ ...sessions.get(id)!, outputs: [], requirePlanApproval: false, automationMode: null, createdBy: 'external', workingBranch: null }) as SessionDetail,
    recentActivities: async (_w, s) => {
      reads.set(s.id, (reads.get(s.id) ?? 0) + 1);
      return acts.get(s.id) ?? [];
    },
    approvePlan: async (_w, id) => void calls.push(`approve:${id}`),
    sendMessage: async (_w, id) => void calls.push(`message:${id}`),
    lastSyncAt: async () => null,
    upstream: async (_w, id) => {
      const s = sessions.get(id)!;
      return { state: s.state, archived: s.archived, updateTimeMs: Date.parse(s.updateTime) };
    },
    workspaces: async () => [WS],
  };
  const add = (id: string, state: string, a: SessionActivity[], o: Partial<SessionSummary> = {}) => {
    sessions.set(id, {
      id, julesId: id, accountId: 'acc', title: id, prompt: 'Add paging', state, source: null, startingBranch: null, prUrl: null, url: null,
      archived: false, deleted: false, createTime: new Date(T0).toISOString(), updateTime: new Date(T0).toISOString(),
      lastActivityAt: new Date(T0).toISOString(), activityCount: a.length, ...o,
    });
    acts.set(id, a);
  };
  return { mirror, add, calls, reads, sessions };
}
const plan = (id: string): SessionActivity => ({ id, kind: 'planGenerated', originator: 'agent', createTime: new Date(T0).toISOString(), description: null, data: { planGenerated: { plan: { steps: [{ title: 'Edit' }] } } } });

describe('workspace keeper loop', () => {
  let t: TestDb;
  let store: KeeperStore;
  beforeAll(async () => {
    t = await createTestDb('sqlite');
    store = createKeeperStore(t.db);
    for (const id of [WS, 'other-ws']) await t.db.kysely.insertInto('workspaces').values({ id, name: id, created_at: new Date(T0).toISOString() }).execute();
  });
  afterAll(() => t.cleanup());

  it('one instance keeps a workspace; another takes over within two intervals when it dies', async () => {
    const w = world();
    w.add('s1', 'AWAITING_PLAN_APPROVAL', [plan('p1')]);
    let now = T0;
    const clock = { now: () => now, sleep: async () => {} };
    const make = (instanceId: string) => {
      const service = createKeeperService({ store, mirror: w.mirror, clock, log });
      return createWorkspaceKeeper({ store, mirror: w.mirror, supervisor: createSupervisor(), bus: createMemoryBus({ log }), clock, log, instanceId, pendingStaleMs: 60_000, service }, WS);
    };
    const a = make('A');
    const b = make('B');
    await createKeeperService({ store, mirror: w.mirror, clock, log }).updateSettings(WS, { intervals: { tickMs: 1000 } });
    expect((await a.tick()).leader).toBe(true);
    expect((await b.tick()).leader).toBe(false);
    expect(w.calls).toEqual(['approve:s1']);
    // A dies (stops renewing). Exactly at two intervals its lease still holds; one ms later B takes over.
    now = T0 + 2000;
    expect((await b.tick()).leader).toBe(false);
    now = T0 + 2001;
    w.add('s2', 'AWAITING_PLAN_APPROVAL', [plan('p2')]);
    const r = await b.tick();
    expect(r.leader).toBe(true);
    // B approves the new plan and does not approve s1 again: the ledger remembers what A did.
    expect(w.calls).toEqual(['approve:s1', 'approve:s2']);
  });

  it('looks at unchanged sessions at their state cadence, skips paused ones, and defers when Jules disagrees', async () => {
    const w = world();
    let now = T0;
    const clock = { now: () => now, sleep: async () => {} };
    const service = createKeeperService({ store, mirror: w.mirror, clock, log });
    await service.updateSettings('other-ws', { intervals: { tickMs: 1000, activeMs: 5000, waitingMs: 20_000, terminalMs: 60_000 } });
    const k = createWorkspaceKeeper({ store, mirror: w.mirror, supervisor: createSupervisor(), bus: createMemoryBus({ log }), clock, log, instanceId: 'C', pendingStaleMs: 60_000, service }, 'other-ws');
    w.add('active', 'IN_PROGRESS', []);
    w.add('waiting', 'AWAITING_USER_FEEDBACK', []);
    w.add('done', 'COMPLETED', []);
    w.add('held', 'AWAITING_PLAN_APPROVAL', [plan('p3')]);
    await store.setPaused('other-ws', 'held', true, now);
    await k.tick();
    expect(w.reads.get('active')).toBe(1);
    expect(w.reads.get('done')).toBeUndefined(); // terminal without auto-continue: decided without reading more
    expect(w.reads.get('held')).toBeUndefined(); // paused: never read, never acted on
    now = T0 + 4999;
    await k.tick();
    expect(w.reads.get('active')).toBe(1);
    now = T0 + 5000;
    await k.tick();
    expect(w.reads.get('active')).toBe(2);
    expect(w.reads.get('waiting')).toBe(1);
    expect(w.calls).toEqual([]);
    // Every decision is explainable, also when the keeper does nothing.
    expect((await service.sessionState('other-ws', 'waiting')).lastDecision).toMatchObject({ action: 'none', reason: 'question not mirrored yet' });
    expect((await service.sessionState('other-ws', 'held')).lastDecision).toMatchObject({ action: 'none', reason: 'paused in the orchestrator' });
    // The mirror says awaiting approval; Jules already moved on: no call, and no ledger row.
    w.add('moved', 'AWAITING_PLAN_APPROVAL', [plan('p4')]);
    const real = w.mirror.upstream;
    w.mirror.upstream = async () => ({ state: 'IN_PROGRESS', archived: false, updateTimeMs: T0 + 1 });
    const r = await k.tick();
    expect(r.deferred).toBe(1);
    expect(w.calls).toEqual([]);
    expect(await store.find('moved', 'approve', 'plan:p4')).toBeUndefined();
    expect((await service.sessionState('other-ws', 'moved')).lastDecision?.reason).toContain('approve put off: Jules shows the session IN_PROGRESS');
    w.mirror.upstream = real;
  });
});
