import { describe, expect, it } from 'vitest';
import { makeClient, repoContext, HOUR } from './helpers.ts';
import { createJulesSimulator } from '../src/index.ts';

const kinds = (acts: any[]) => acts.map((a) => Object.keys(a).find((k) => !['name', 'id', 'description', 'createTime', 'originator', 'artifacts'].includes(k)) ?? 'bare');

/** Checks that every hunk's header counts match its body, as `git apply` would. */
function assertValidUnidiff(patch: string): void {
  expect(patch.endsWith('\n')).toBe(true);
  const lines = patch.slice(0, -1).split('\n');
  let i = 0;
  while (i < lines.length) {
    expect(lines[i]).toMatch(/^diff --git a\/\S+ b\/\S+$/);
    i++;
    while (!lines[i].startsWith('@@')) i++;
    const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(lines[i])!;
    expect(m).toBeTruthy();
    let oldN = Number(m[2] ?? 1);
    let newN = Number(m[4] ?? 1);
    i++;
    while (i < lines.length && !lines[i].startsWith('diff --git')) {
      const ch = lines[i][0];
      if (ch === ' ') { oldN--; newN--; } else if (ch === '-') oldN--; else if (ch === '+') newN--; else throw new Error(`bad line ${lines[i]}`);
      i++;
    }
    expect([oldN, newN]).toEqual([0, 0]);
  }
}

describe('agent behaviours', () => {
  it('happy + AUTO_CREATE_PR: plan, cumulative valid diffs, sessionCompleted and a PR output', async () => {
    const c = makeClient();
    const s = await c.create('Fix the crash in the image uploader [sim:happy]', repoContext());
    c.advance(2 * HOUR);
    const done = await c.get(`/v1alpha/sessions/${s.id}`);
    expect(done.state).toBe('COMPLETED');
    expect(done.outputs).toHaveLength(1);
    expect(done.outputs[0].pullRequest).toMatchObject({ baseRef: 'main', title: done.title });
    expect(done.outputs[0].pullRequest.url).toMatch(/^https:\/\/github\.com\/acme-corp\/storefront\/pull\/\d+$/);
    expect(done.sourceContext.workingBranch).toMatch(/^jules\//);
    const acts = await c.activities(s.id);
    const k = kinds(acts);
    expect(k.slice(0, 3)).toEqual(['bare', 'planGenerated', 'planApproved']);
    expect(k.at(-1)).toBe('sessionCompleted');
    const plan = acts[1].planGenerated.plan;
    expect(plan.steps.length).toBeGreaterThanOrEqual(3);
    expect(plan.steps.length).toBeLessThanOrEqual(8);
    expect(plan.steps.map((st: any) => st.index)).toEqual(plan.steps.map((_: unknown, i: number) => i));
    expect(plan.steps.some((st: any) => /uploader|image|crash/i.test(`${st.title} ${st.description}`))).toBe(true);
    expect(acts[2].planApproved.planId).toBe(plan.id);
    const patches = acts.filter((a: any) => a.artifacts).map((a: any) => a.artifacts[0].changeSet);
    expect(patches.length).toBeGreaterThan(0);
    for (const cs of patches) {
      expect(cs.source).toBe('sources/github/acme-corp/storefront');
      expect(cs.gitPatch.baseCommitId).toMatch(/^[0-9a-f]{40}$/);
      expect(cs.gitPatch.suggestedCommitMessage).toMatch(/^fix: /);
      assertValidUnidiff(cs.gitPatch.unidiffPatch);
    }
    for (let i = 1; i < patches.length; i++) expect(patches[i].gitPatch.unidiffPatch.startsWith(patches[i - 1].gitPatch.unidiffPatch.slice(0, -1))).toBe(true);
  });

  it('repoless sessions complete with a changeSet output', async () => {
    const c = makeClient();
    const s = await c.create('Summarise the attached notes [sim:happy]');
    c.advance(2 * HOUR);
    const done = await c.get(`/v1alpha/sessions/${s.id}`);
    expect(done.state).toBe('COMPLETED');
    expect(done.sourceContext).toBeUndefined();
    assertValidUnidiff(done.outputs[0].changeSet.gitPatch.unidiffPatch);
  });

  it('question: waits in AWAITING_USER_FEEDBACK until a message, then completes', async () => {
    const c = makeClient();
    const s = await c.create('Refactor the payment webhook handler [sim:question]', repoContext());
    c.advance(2 * HOUR);
    let cur = await c.get(`/v1alpha/sessions/${s.id}`);
    expect(cur.state).toBe('AWAITING_USER_FEEDBACK');
    expect(kinds(await c.activities(s.id)).at(-1)).toBe('agentMessaged');
    c.advance(24 * HOUR);
    expect((await c.get(`/v1alpha/sessions/${s.id}`)).updateTime).toBe(cur.updateTime);
    await c.post(`/v1alpha/sessions/${s.id}:sendMessage`, { prompt: 'Keep the old default.' });
    cur = await c.get(`/v1alpha/sessions/${s.id}`);
    expect(cur.state).toBe('IN_PROGRESS');
    const last = (await c.activities(s.id)).at(-1);
    expect(last).toMatchObject({ originator: 'user', userMessaged: { userMessage: 'Keep the old default.' } });
    c.advance(2 * HOUR);
    expect((await c.get(`/v1alpha/sessions/${s.id}`)).state).toBe('COMPLETED');
  });

  it('stall: stays IN_PROGRESS silently until nudged, then completes', async () => {
    const c = makeClient();
    const s = await c.create('Add pagination to the orders admin table [sim:stall]', repoContext());
    c.advance(2 * HOUR);
    const n = (await c.activities(s.id)).length;
    c.advance(48 * HOUR);
    expect((await c.get(`/v1alpha/sessions/${s.id}`)).state).toBe('IN_PROGRESS');
    expect(await c.activities(s.id)).toHaveLength(n);
    await c.post(`/v1alpha/sessions/${s.id}:sendMessage`, { prompt: 'Are you still there?' });
    c.advance(2 * HOUR);
    expect((await c.get(`/v1alpha/sessions/${s.id}`)).state).toBe('COMPLETED');
  });

  it('fail: ends FAILED with the reason only in sessionFailed', async () => {
    const c = makeClient();
    const s = await c.create('Upgrade the ORM [sim:fail]', repoContext());
    c.advance(2 * HOUR);
    const cur = await c.get(`/v1alpha/sessions/${s.id}`);
    expect(cur.state).toBe('FAILED');
    expect(cur.outputs).toBeUndefined();
    const last = (await c.activities(s.id)).at(-1);
    expect(last.sessionFailed.reason.length).toBeGreaterThan(5);
  });

  it('stuck: the PR is open but the session stays IN_PROGRESS, even after a message', async () => {
    const c = makeClient();
    const s = await c.create('Add a dark mode toggle [sim:stuck]', repoContext());
    c.advance(2 * HOUR);
    let cur = await c.get(`/v1alpha/sessions/${s.id}`);
    expect(cur.state).toBe('IN_PROGRESS');
    expect(cur.outputs[0].pullRequest.url).toMatch(/\/pull\/\d+$/);
    await c.post(`/v1alpha/sessions/${s.id}:sendMessage`, { prompt: 'Please mark it done.' });
    c.advance(72 * HOUR);
    cur = await c.get(`/v1alpha/sessions/${s.id}`);
    expect(cur.state).toBe('IN_PROGRESS');
    expect(kinds(await c.activities(s.id)).slice(-2)).toEqual(['userMessaged', 'agentMessaged']);
  });

  it('requirePlanApproval: waits for approvePlan, which adds planApproved{planId}', async () => {
    const c = makeClient();
    const s = await c.create('Implement rate limiting [sim:happy]', { ...repoContext(), requirePlanApproval: true });
    expect(s.requirePlanApproval).toBeUndefined(); // input-only: honoured, never echoed
    c.advance(2 * HOUR);
    expect((await c.get(`/v1alpha/sessions/${s.id}`)).state).toBe('AWAITING_PLAN_APPROVAL');
    expect(await c.post(`/v1alpha/sessions/${s.id}:approvePlan`)).toEqual({});
    const acts = await c.activities(s.id);
    const plan = acts.find((a: any) => a.planGenerated).planGenerated.plan;
    expect(acts.at(-1)).toMatchObject({ originator: 'user', planApproved: { planId: plan.id } });
    expect((await c.call('POST', `/v1alpha/sessions/${s.id}:approvePlan`, {})).status).toBe(400);
    c.advance(2 * HOUR);
    expect((await c.get(`/v1alpha/sessions/${s.id}`)).state).toBe('COMPLETED');
  });

  it('a message wakes COMPLETED and FAILED sessions: more work, then COMPLETED again', async () => {
    const c = makeClient();
    for (const tag of ['happy', 'fail']) {
      const s = await c.create(`Fix the date picker [sim:${tag}]`, repoContext());
      c.advance(2 * HOUR);
      await c.post(`/v1alpha/sessions/${s.id}:sendMessage`, { prompt: 'One more thing: add a test.' });
      expect((await c.get(`/v1alpha/sessions/${s.id}`)).state).toBe('IN_PROGRESS');
      c.advance(2 * HOUR);
      expect((await c.get(`/v1alpha/sessions/${s.id}`)).state).toBe('COMPLETED');
      expect(kinds(await c.activities(s.id)).filter((k) => k === 'sessionCompleted')).toHaveLength(1 + (tag === 'happy' ? 1 : 0));
    }
  });

  it('PAUSED only via the control API; a message resumes the agent', async () => {
    const c = makeClient();
    const s = await c.create('Add CSV export [sim:happy]', repoContext());
    c.advance(60_000);
    expect(c.sim.setSessionState(s.id, 'PAUSED').state).toBe('PAUSED');
    c.advance(24 * HOUR);
    expect((await c.get(`/v1alpha/sessions/${s.id}`)).state).toBe('PAUSED');
    await c.post(`/v1alpha/sessions/${s.id}:sendMessage`, { prompt: 'Resume please' });
    c.advance(2 * HOUR);
    expect((await c.get(`/v1alpha/sessions/${s.id}`)).state).toBe('COMPLETED');
  });

  it('the seeded mix is deterministic and covers every behaviour', () => {
    const a = createJulesSimulator({ manualClock: true, seed: 9, sessions: 300, startTime: 0 });
    const b = createJulesSimulator({ manualClock: true, seed: 9, sessions: 300, startTime: 0 });
    const rowsA = a.sessions();
    expect(rowsA.map((r) => [r.id, r.behaviour, r.state])).toEqual(b.sessions().map((r) => [r.id, r.behaviour, r.state]));
    expect(new Set(rowsA.map((r) => r.behaviour))).toEqual(new Set(['happy', 'question', 'stall', 'fail', 'stuck', 'approval']));
    const c = createJulesSimulator({ manualClock: true, seed: 10, sessions: 300, startTime: 0 });
    expect(c.sessions().map((r) => r.id)).not.toEqual(rowsA.map((r) => r.id));
  });
});
