import { describe, expect, it } from 'vitest';
import { QueryClient } from '@tanstack/react-query';
import type { SessionActivity, SessionDetail, SessionSummary } from '@autopilot/contracts';
import { allChangeSets, describeActivity, latestPlan, planApproved, pullRequestOf } from './activity';
import { columnOf, filterSessions, groupByColumn, repoOf } from './columns';
import { stuckBy } from '../keeper/data';
import { SESSIONS_KEY, upsertSessions, type SessionList } from './data';

const session = (over: Partial<SessionSummary>): SessionSummary => ({
  id: 'id',
  julesId: '1',
  accountId: 'a',
  title: 'Fix the parser',
  prompt: 'Fix the parser please',
  state: 'IN_PROGRESS',
  source: 'sources/github/acme/api',
  startingBranch: 'main',
  prUrl: null,
  url: null,
  archived: false,
  deleted: false,
  createTime: '2026-11-24T00:00:00Z',
  updateTime: '2026-11-24T00:00:00Z',
  lastActivityAt: '2026-11-24T00:00:00Z',
  activityCount: 1,
  ...over,
});
const act = (id: string, data: Record<string, unknown>, kind = 'x'): SessionActivity => ({ id, kind, originator: 'agent', createTime: '2026-11-24T00:00:00Z', description: null, data });

describe('board columns', () => {
  it('puts each state in the column of what the user must do, unknown states in Queued', () => {
    const cols = ['AWAITING_PLAN_APPROVAL', 'AWAITING_USER_FEEDBACK', 'IN_PROGRESS', 'PAUSED', 'QUEUED', 'PLANNING', 'FAILED', 'COMPLETED', 'SOMETHING_NEW'].map((state) => columnOf(session({ state })));
    expect(cols).toEqual(['approval', 'input', 'running', 'running', 'queued', 'queued', 'failed', 'completed', 'queued']);
  });

  it('uses the keeper stuck rule: IN_PROGRESS and no activity since the mark', () => {
    const marks = new Map([['s1', '2026-11-24T00:05:00Z'], ['s2', '2026-11-24T00:05:00Z']]);
    const isStuck = stuckBy(marks);
    expect(columnOf(session({ id: 's1', lastActivityAt: '2026-11-24T00:04:00Z' }), isStuck)).toBe('stuck');
    expect(columnOf(session({ id: 's2', lastActivityAt: '2026-11-24T00:06:00Z' }), isStuck)).toBe('running');
    expect(columnOf(session({ id: 's1', state: 'COMPLETED' }), isStuck)).toBe('completed');
  });

  it('filters by state, source and text, and groups newest first', () => {
    const items = [
      session({ id: 'a', title: 'Parser fix', updateTime: '2026-11-24T00:01:00Z' }),
      session({ id: 'b', title: 'Docs', prompt: 'write docs', updateTime: '2026-11-24T00:03:00Z' }),
      session({ id: 'c', title: 'Other parser', source: 'sources/github/acme/web', updateTime: '2026-11-24T00:02:00Z', state: 'FAILED' }),
    ];
    expect(filterSessions(items, { state: '', source: '', text: 'PARSER' }).map((s) => s.id)).toEqual(['a', 'c']);
    expect(filterSessions(items, { state: 'FAILED', source: '', text: '' }).map((s) => s.id)).toEqual(['c']);
    expect(filterSessions(items, { state: '', source: 'sources/github/acme/api', text: '' }).map((s) => s.id)).toEqual(['a', 'b']);
    const g = groupByColumn(items);
    expect(g.running.map((s) => s.id)).toEqual(['b', 'a']);
    expect(g.failed.map((s) => s.id)).toEqual(['c']);
    expect(repoOf('sources/github/acme/api')).toBe('acme/api');
    expect(repoOf(null)).toBe('no repo');
  });
});

describe('activity readers', () => {
  const patch = 'diff --git a/x.ts b/x.ts\n--- a/x.ts\n+++ b/x.ts\n@@ -1 +1 @@\n-a\n+b\n';
  const acts = [
    act('1', { planGenerated: { plan: { id: 'p', steps: [{ id: 's2', title: 'Second', index: 1 }, { id: 's1', title: 'First', index: 0 }] } } }, 'planGenerated'),
    act('2', { planApproved: { planId: 'p' } }, 'planApproved'),
    act('3', { progressUpdated: { title: 'Step' }, artifacts: [{ changeSet: { source: 's', gitPatch: { unidiffPatch: patch, suggestedCommitMessage: 'feat: x' } } }, { bashOutput: {} }] }),
    act('4', { agentMessaged: { agentMessage: 'Which database?' } }),
    act('5', { sessionFailed: { reason: 'tests fail' } }),
    act('6', { somethingNew: {} }, 'somethingNew'),
  ];

  it('reads the latest plan in step order and whether it was approved', () => {
    const plan = latestPlan(acts)!;
    expect(plan.steps.map((s) => s.title)).toEqual(['First', 'Second']);
    expect(planApproved(acts, plan)).toBe(true);
    expect(planApproved(acts.slice(0, 1), plan)).toBe(false);
    expect(latestPlan([])).toBeNull();
  });

  it('collects change sets from outputs first, then activities newest first, ignoring other artifacts', () => {
    const detail = { outputs: [{ changeSet: { gitPatch: { unidiffPatch: patch } } }, { pullRequest: { url: 'https://github.com/a/b/pull/1', title: 'PR' } }], prUrl: null } as unknown as SessionDetail;
    const cs = allChangeSets(detail, acts);
    expect(cs.map((c) => c.key)).toEqual(['output:0', '3:0']);
    expect(cs[1].commitMessage).toBe('feat: x');
    expect(pullRequestOf(detail)).toEqual({ url: 'https://github.com/a/b/pull/1', title: 'PR' });
  });

  it('describes known kinds and keeps unknown ones readable', () => {
    expect(acts.map((a) => describeActivity(a).headline)).toEqual(['Plan generated (2 steps)', 'Plan approved', 'Step', 'Jules', 'Session failed', 'somethingNew']);
    expect(describeActivity(acts[3]).body).toBe('Which database?');
    expect(describeActivity(acts[4]).tone).toBe('bad');
  });
});

describe('upsertSessions', () => {
  it('replaces known sessions in place, drops archived ones and puts new ones first, in one cache update', () => {
    const qc = new QueryClient();
    qc.setQueryData<SessionList>(SESSIONS_KEY, { items: [session({ id: 'a' }), session({ id: 'b' }), session({ id: 'c' })], complete: true });
    let updates = 0;
    const unsub = qc.getQueryCache().subscribe(() => updates++);
    upsertSessions(qc, [session({ id: 'b', state: 'COMPLETED' }), session({ id: 'c', archived: true }), session({ id: 'd' })]);
    unsub();
    const items = qc.getQueryData<SessionList>(SESSIONS_KEY)!.items;
    expect(items.map((s) => [s.id, s.state])).toEqual([['d', 'IN_PROGRESS'], ['a', 'IN_PROGRESS'], ['b', 'COMPLETED']]);
    expect(updates).toBe(1);
  });
});
