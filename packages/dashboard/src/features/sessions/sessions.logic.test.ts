import { describe, expect, it } from 'vitest';
import { QueryClient } from '@tanstack/react-query';
import { boardColumnOf, matchesBoardFilter, type BoardCounts, type SessionActivity, type SessionDetail, type SessionSummary } from '@autopilot/contracts';
import { allChangeSets, describeActivity, latestPlan, planApproved, pullRequestOf } from './activity';
import { repoOf } from './columns';
import { applyToBoard, countsKey, listKey, type Pages } from './board.cache';

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
    const cols = ['AWAITING_PLAN_APPROVAL', 'AWAITING_USER_FEEDBACK', 'IN_PROGRESS', 'PAUSED', 'QUEUED', 'PLANNING', 'FAILED', 'COMPLETED', 'SOMETHING_NEW'].map((state) => boardColumnOf(session({ state })));
    expect(cols).toEqual(['approval', 'input', 'running', 'running', 'queued', 'queued', 'failed', 'completed', 'queued']);
  });

  it('uses the keeper stuck rule: IN_PROGRESS and no activity since the mark', () => {
    const marks = new Map([['s1', '2026-11-24T00:05:00Z'], ['s2', '2026-11-24T00:05:00Z']]);
    const col = (s: SessionSummary) => boardColumnOf(s, marks.get(s.id));
    expect(col(session({ id: 's1', lastActivityAt: '2026-11-24T00:04:00Z' }))).toBe('stuck');
    expect(col(session({ id: 's2', lastActivityAt: '2026-11-24T00:06:00Z' }))).toBe('running');
    expect(col(session({ id: 's1', state: 'COMPLETED' }))).toBe('completed');
    expect(col(session({ id: 's1', lastActivityAt: null }))).toBe('stuck');
  });

  it('filters like the server: states, source (with or without sources/), text in title or prompt, any case', () => {
    const a = session({ id: 'a', title: 'Parser fix' });
    const c = session({ id: 'c', title: 'Other', prompt: 'the PARSER again', source: 'sources/github/acme/web', state: 'FAILED' });
    expect([a, c].filter((s) => matchesBoardFilter(s, { text: 'parser' })).map((s) => s.id)).toEqual(['a', 'c']);
    expect([a, c].filter((s) => matchesBoardFilter(s, { states: ['FAILED', 'QUEUED'] })).map((s) => s.id)).toEqual(['c']);
    expect([a, c].filter((s) => matchesBoardFilter(s, { source: 'github/acme/api' })).map((s) => s.id)).toEqual(['a']);
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

  it('names change sets by their step, or by their order and title, never by kind and time', () => {
    const cs = { changeSet: { gitPatch: { unidiffPatch: patch } } };
    const steps = [
      act('p', { planGenerated: { plan: { steps: [{ title: 'Read the code', index: 0 }, { title: 'Add validation', index: 1 }] } } }, 'planGenerated'),
      act('a', { progressUpdated: { title: 'Add  validation' }, artifacts: [cs] }, 'progressUpdated'),
      act('b', { progressUpdated: { title: 'Published the changes' }, artifacts: [cs] }, 'progressUpdated'),
      act('c', { artifacts: [cs] }, 'progressUpdated'),
    ];
    const detail = { outputs: [cs], prUrl: null } as unknown as SessionDetail;
    expect(allChangeSets(detail, steps).map((c) => c.label)).toEqual(['Final change set', 'Change 3', 'Change 2: Published the changes', 'Step 2: Add  validation']);
  });

  it("labels the keeper's messages as the keeper's, a person's as theirs", () => {
    const m = act('m', { userMessaged: { userMessage: 'Decide yourself.' } }, 'userMessaged');
    expect(describeActivity(m, 'answer')).toMatchObject({ headline: 'Keeper (answered)', tone: 'keeper', body: 'Decide yourself.' });
    expect(describeActivity(m)).toMatchObject({ headline: 'You', tone: 'user' });
  });

  it('describes known kinds and keeps unknown ones readable', () => {
    expect(acts.map((a) => describeActivity(a).headline)).toEqual(['Plan generated (2 steps)', 'Plan approved', 'Step', 'Jules', 'Session failed', 'somethingNew']);
    expect(describeActivity(acts[3]).body).toBe('Which database?');
    expect(describeActivity(acts[4]).tone).toBe('bad');
  });
});

describe('applyToBoard (live updates on the paged board)', () => {
  const pages = (items: SessionSummary[], nextCursor: string | null = null): Pages => ({ pages: [{ items, nextCursor }], pageParams: [undefined] });
  const t = (m: number) => `2026-11-24T00:${String(m).padStart(2, '0')}:00Z`;
  const counts = (over: Partial<BoardCounts['columns']>): BoardCounts => {
    const columns = { approval: 0, input: 0, stuck: 0, running: 0, queued: 0, failed: 0, completed: 0, ...over };
    return { columns, total: Object.values(columns).reduce((x, y) => x + y, 0), sources: [] };
  };
  const ids = (qc: QueryClient, key: readonly unknown[]) => qc.getQueryData<Pages>(key)!.pages.flatMap((p) => p.items.map((s) => s.id));

  it('moves a card that changes column into its new column at its place, and moves the count with it', () => {
    const qc = new QueryClient();
    const f = {};
    qc.setQueryData(listKey(f, 'running'), pages([session({ id: 'r2', updateTime: t(5) }), session({ id: 'r1', updateTime: t(3) })]));
    qc.setQueryData(listKey(f, 'completed'), pages([session({ id: 'c2', state: 'COMPLETED', updateTime: t(8) }), session({ id: 'c1', state: 'COMPLETED', updateTime: t(1) })], 'more'));
    qc.setQueryData(countsKey(f), counts({ running: 2, completed: 40 }));
    const partial = applyToBoard(qc, [session({ id: 'r1', state: 'COMPLETED', updateTime: t(6) })]);
    expect(ids(qc, listKey(f, 'running'))).toEqual(['r2']);
    expect(ids(qc, listKey(f, 'completed'))).toEqual(['c2', 'r1', 'c1']);
    expect(qc.getQueryData<BoardCounts>(countsKey(f))!.columns).toMatchObject({ running: 1, completed: 41 });
    expect(qc.getQueryData<BoardCounts>(countsKey(f))!.total).toBe(42);
    expect(partial).toEqual([]);
  });

  it('leaves an older card for the next page when the column has more, drops archived ones, and respects the filter', () => {
    const qc = new QueryClient();
    const f = { text: 'parser' };
    qc.setQueryData(listKey(f, 'failed'), pages([session({ id: 'f1', state: 'FAILED', updateTime: t(9) })], 'more'));
    qc.setQueryData(listKey(f, 'running'), pages([session({ id: 'r1', updateTime: t(2) })]));
    qc.setQueryData(countsKey(f), counts({ failed: 10, running: 1 }));
    applyToBoard(qc, [
      session({ id: 'old', state: 'FAILED', updateTime: t(1) }), // older than what is loaded, and more pages exist
      session({ id: 'r1', archived: true }),
      session({ id: 'nomatch', state: 'FAILED', title: 'Docs', prompt: 'docs', updateTime: t(10) }),
    ]);
    expect(ids(qc, listKey(f, 'failed'))).toEqual(['f1']);
    expect(ids(qc, listKey(f, 'running'))).toEqual([]);
    expect(qc.getQueryData<BoardCounts>(countsKey(f))!.columns).toMatchObject({ failed: 10, running: 0 });
  });

  it('asks for fresh counts when a session was not loaded anywhere (it may have left an unloaded part of a column)', () => {
    const qc = new QueryClient();
    qc.setQueryData(listKey({}, 'queued'), pages([]));
    qc.setQueryData(countsKey({}), counts({ queued: 0, completed: 5 }));
    expect(applyToBoard(qc, [session({ id: 'n', state: 'QUEUED', updateTime: t(4) })])).toEqual([{}]);
    expect(ids(qc, listKey({}, 'queued'))).toEqual(['n']);
  });
});
