import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_KEEPER_SETTINGS, type SessionActivity, type SessionDetail } from '@autopilot/contracts';
import { createTestDb, testEngines, type TestDb } from '../../platform/db/testing';
import { createMemoryBus } from '../../platform/events/bus';
import { createLogger } from '../../platform/logger';
import { createKeeperStore, type ActionRow, type KeeperStore } from './keeper.store';
import { reconcile, runAction, type LedgerDeps } from './keeper.ledger';
import { createSupervisor } from './keeper.supervisor';
import type { KeeperMirror } from './keeper.mirror';
import type { KeeperSession } from './keeper.types';

const T0 = Date.parse('2026-11-23T10:00:00Z');
const WS = 'default';
const log = createLogger({ level: 'silent' });

/** A mirror fake: sessions and activities as data, and a record of the Jules calls made. */
function fakeMirror() {
  const sessions = new Map<string, Partial<SessionDetail>>();
  const activities = new Map<string, SessionActivity[]>();
  const calls: string[] = [];
  let syncedAt: number | null = null;
  let fail = false;
  const mirror: KeeperMirror = {
    signatures: async () => [],
    summaries: async () => [],
    detail: async (_w, id) => ({ id, accountId: 'acc', state: 'IN_PROGRESS', activityCount: activities.get(id)?.length ?? 0, ...sessions.get(id) }) as SessionDetail,
    recentActivities: async (_w, s) => activities.get(s.id) ?? [],
    approvePlan: async (_w, id) => {
      calls.push(`approve:${id}`);
      if (fail) throw new Error('Jules said no');
    },
    sendMessage: async (_w, id, m) => void calls.push(`message:${id}:${m.slice(0, 10)}`),
    lastSyncAt: async () => syncedAt,
    upstream: async () => null,
    workspaces: async () => [WS],
  };
  return { mirror, sessions, activities, calls, setSynced: (t: number | null) => (syncedAt = t), setFail: (f: boolean) => (fail = f) };
}

const act = (id: string, kind: string, at: number, data: Record<string, unknown> = {}): SessionActivity =>
  ({ id, kind, originator: kind === 'userMessaged' ? 'user' : 'agent', createTime: new Date(at).toISOString(), description: null, data });
const row = (o: Partial<ActionRow>): ActionRow => ({
  id: 'r', workspace_id: WS, session_id: 's', kind: 'approve', trigger: 'plan:p', status: 'pending', reason: 'test', message: null, error: null,
  attempts: 1, holder: 'dead-instance', created_at: T0, settled_at: null, ...o,
});
const session = (id: string): KeeperSession => ({
  id, state: 'AWAITING_PLAN_APPROVAL', archived: false, deleted: false, paused: false, prompt: 'p', title: 't', source: null, prUrl: null, hasOutputs: false,
  createTimeMs: T0, updateTimeMs: T0, lastActivityAtMs: T0, activityCount: 1,
});

for (const engine of testEngines()) {
  describe(`keeper ledger (${engine})`, () => {
    let t: TestDb;
    let store: KeeperStore;
    let now = T0;
    const deps = (mirror: KeeperMirror, extra: Partial<LedgerDeps> = {}): LedgerDeps => ({
      store, mirror, supervisor: createSupervisor(), bus: createMemoryBus({ log }), clock: { now: () => now, sleep: async () => {} }, log,
      instanceId: 'me', pendingStaleMs: 10_000, ...extra,
    });
    beforeAll(async () => {
      t = await createTestDb(engine);
      store = createKeeperStore(t.db);
    });
    afterAll(() => t.cleanup());

    it('reconciles rows a crash left pending, without re-sending', async () => {
      const f = fakeMirror();
      f.sessions.set('s1', { state: 'IN_PROGRESS' }); // approved: the session moved on
      f.sessions.set('s2', { state: 'AWAITING_PLAN_APPROVAL' });
      f.activities.set('s3', [act('u1', 'userMessaged', T0 + 100, { userMessaged: { userMessage: 'Please continue.' } })]);
      f.sessions.set('s4', { state: 'AWAITING_USER_FEEDBACK' });
      f.sessions.set('s6', { state: 'AWAITING_PLAN_APPROVAL' });
      await store.claim(row({ id: 'a1', session_id: 's1' }));
      await store.claim(row({ id: 'a2', session_id: 's2' }));
      await store.claim(row({ id: 'm3', session_id: 's3', kind: 'nudge', trigger: 'q#1', message: 'Please continue.' }));
      await store.claim(row({ id: 'm4', session_id: 's4', kind: 'answer', trigger: 'question:q', message: 'Use v2.' }));
      await store.claim(row({ id: 'm5', session_id: 's5', kind: 'answer', trigger: 'question:q', message: null }));
      await store.claim(row({ id: 'young', session_id: 's6', created_at: T0 + 9_000 }));

      now = T0 + 10_000;
      f.setSynced(T0 - 1); // the mirror has not polled since the claims: only certain cases settle
      expect(await reconcile(deps(f.mirror), WS)).toBe(3);
      const status = async (id: string) => (await store.history(WS, ['s1', 's2', 's3', 's4', 's5', 's6'])).find((r) => r.id === id)!.status;
      expect(await status('a1')).toBe('sent'); // evidence: no longer awaiting approval
      expect(await status('m3')).toBe('sent'); // evidence: our exact text in a userMessaged activity
      expect(await status('m5')).toBe('failed'); // no text stored: the crash came before the call
      expect(await status('a2')).toBe('pending'); // no evidence, no poll since: wait
      expect(await status('m4')).toBe('pending');

      f.setSynced(T0 + 8_000); // the mirror polled after the claims and shows no effect: the calls never landed
      expect(await reconcile(deps(f.mirror), WS)).toBe(2);
      expect(await status('a2')).toBe('failed');
      expect(await status('m4')).toBe('failed');
      expect(await status('young')).toBe('pending'); // may still be in flight elsewhere
      expect(f.calls).toEqual([]); // reconciliation never calls Jules
    });

    it('claims before calling: a lost claim calls nothing, a failure is recorded, a retry re-claims once', async () => {
      const f = fakeMirror();
      now = T0 + 100_000;
      const d = { action: 'approve' as const, trigger: 'plan:p9', reason: 'safe plan' };
      const ctx = { recent: [], history: [], settings: DEFAULT_KEEPER_SETTINGS };
      f.setFail(true);
      expect(await runAction(deps(f.mirror), WS, session('s9'), d, ctx)).toBe('failed');
      expect(await runAction(deps(f.mirror), WS, session('s9'), d, ctx)).toBe('lost'); // same key, no retry state given
      expect(f.calls).toEqual(['approve:s9']);
      f.setFail(false);
      const failed = (await store.find('s9', 'approve', 'plan:p9'))!;
      expect(failed).toMatchObject({ status: 'failed', error: 'Jules said no', attempts: 1 });
      const history = [{ kind: 'approve' as const, trigger: 'plan:p9', status: 'failed' as const, attempts: 1, createdAtMs: now, settledAtMs: now }];
      const retry = () => runAction(deps(f.mirror), WS, session('s9'), d, { ...ctx, history });
      const [a, b] = await Promise.all([retry(), retry()]);
      expect([a, b].sort()).toEqual(['lost', 'sent']);
      expect(f.calls).toEqual(['approve:s9', 'approve:s9']);
      const retried = (await store.find('s9', 'approve', 'plan:p9'))!;
      expect(retried).toMatchObject({ id: failed.id, attempts: 2, status: 'sent', error: null });
    });

    it('does not call Jules after losing the lease, and stores the message before sending it', async () => {
      const f = fakeMirror();
      const d = { action: 'nudge' as const, trigger: 'quiet:x#1', reason: 'quiet', brief: { purpose: 'nudge' as const, cue: 'Edited the handler', quietMs: 600_000 } };
      const ctx = { recent: [], history: [], settings: DEFAULT_KEEPER_SETTINGS };
      expect(await runAction(deps(f.mirror, { mayAct: async () => false }), WS, session('s10'), d, ctx)).toBe('failed');
      expect(f.calls).toEqual([]);
      expect(await runAction(deps(f.mirror), WS, session('s11'), d, ctx)).toBe('sent');
      const r = (await store.find('s11', 'nudge', 'quiet:x#1'))!;
      expect(r.status).toBe('sent');
      expect(r.message).toContain('no activity on this session for about 10 min');
      expect(f.calls).toEqual([`message:s11:${r.message!.slice(0, 10)}`]);
    });
  });
}
