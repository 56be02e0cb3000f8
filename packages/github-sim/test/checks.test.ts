import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NAME, OWNER, REPO, startSim, type Harness } from './helpers.ts';

let h: Harness;
beforeEach(async () => {
  h = await startSim();
});
afterEach(() => h.close());

const repo = { owner: OWNER, repo: NAME };
const annotation = { path: 'src/cart.ts', start_line: 12, end_line: 12, annotation_level: 'failure' as const, message: "Type 'string' is not assignable to type 'number'.", title: 'tsc' };

describe('checks, combined status and Actions on the virtual clock', () => {
  it('pending -> failure with annotations -> success after a push', async () => {
    h.sim.setCi(REPO, { conclusion: 'failure', delaySeconds: 60, annotations: [annotation], logTail: 'FAIL src/cart.test.ts > total\nexpected 3 to be 4' });
    const pr = h.sim.openPull(REPO, { branch: 'cart', files: { 'src/cart.ts': 'export const total = "3";\n' } });
    const sha = pr.head.sha;
    let runs = (await h.gh.checks.listForRef({ ...repo, ref: sha })).data;
    expect(runs.total_count).toBe(2);
    expect(runs.check_runs.map((r) => [r.name, r.status, r.conclusion])).toEqual([['build', 'queued', null], ['test', 'queued', null]]);
    h.sim.advance(5);
    runs = (await h.gh.checks.listForRef({ ...repo, ref: sha })).data;
    expect(runs.check_runs.every((r) => r.status === 'in_progress')).toBe(true);
    expect((await h.gh.repos.getCombinedStatusForRef({ ...repo, ref: sha })).data.state).toBe('pending');
    expect((await h.gh.pulls.get({ ...repo, pull_number: pr.number })).data.mergeable_state).toBe('unstable');

    h.sim.advance(60);
    runs = (await h.gh.checks.listForRef({ ...repo, ref: sha })).data;
    expect(runs.check_runs.map((r) => [r.name, r.status, r.conclusion])).toEqual([['build', 'completed', 'success'], ['test', 'completed', 'failure']]);
    const failed = runs.check_runs.find((r) => r.conclusion === 'failure')!;
    expect(failed.output).toMatchObject({ title: 'test failed', annotations_count: 1 });
    const ann = await h.gh.checks.listAnnotations({ ...repo, check_run_id: failed.id });
    expect(ann.data).toMatchObject([{ path: 'src/cart.ts', start_line: 12, annotation_level: 'failure', message: annotation.message, title: 'tsc' }]);
    const combined = (await h.gh.repos.getCombinedStatusForRef({ ...repo, ref: 'cart' })).data;
    expect(combined).toMatchObject({ state: 'failure', sha, total_count: 2 });
    expect(combined.statuses.map((s) => [s.context, s.state])).toEqual([['ci/build', 'success'], ['ci/test', 'failure']]);
    const suites = (await h.gh.checks.listSuitesForRef({ ...repo, ref: sha })).data;
    expect(suites.check_suites.map((s) => [s.status, s.conclusion])).toEqual([['completed', 'failure']]);

    h.sim.setCi(REPO, { conclusion: 'success' });
    const fixed = h.sim.pushToPull(REPO, pr.number, { 'src/cart.ts': 'export const total = 4;\n' }, 'fix total');
    expect(fixed).not.toBe(sha);
    expect((await h.gh.pulls.get({ ...repo, pull_number: pr.number })).data.head.sha).toBe(fixed);
    h.sim.advance(61);
    const after = (await h.gh.checks.listForRef({ ...repo, ref: fixed })).data;
    expect(after.check_runs.map((r) => r.conclusion)).toEqual(['success', 'success']);
    expect((await h.gh.repos.getCombinedStatusForRef({ ...repo, ref: fixed })).data.state).toBe('success');
    // The old commit keeps its failed runs.
    expect((await h.gh.checks.listForRef({ ...repo, ref: sha })).data.check_runs.map((r) => r.conclusion)).toEqual(['success', 'failure']);
    expect((await h.gh.pulls.get({ ...repo, pull_number: pr.number })).data.mergeable_state).toBe('clean');
  });

  it('a PR-level outcome overrides the repo; a pending outcome stays in progress until changed', async () => {
    const a = h.sim.openPull(REPO, { branch: 'a', files: { a: '1' } });
    h.sim.setCi(REPO, { conclusion: 'pending' }, a.number);
    h.sim.advance(3600);
    expect((await h.gh.checks.listForRef({ ...repo, ref: a.head.sha })).data.check_runs.map((r) => r.status)).toEqual(['in_progress', 'in_progress']);
    h.sim.setCi(REPO, { conclusion: 'failure', failing: ['build'], delaySeconds: 10 }, a.number);
    h.sim.advance(10);
    expect((await h.gh.checks.listForRef({ ...repo, ref: a.head.sha })).data.check_runs.map((r) => r.conclusion)).toEqual(['failure', 'success']);
    const b = h.sim.openPull(REPO, { branch: 'b', files: { b: '1' } });
    h.sim.advance(30);
    expect((await h.gh.checks.listForRef({ ...repo, ref: b.head.sha })).data.check_runs.map((r) => r.conclusion)).toEqual(['success', 'success']);
  });

  it('workflow runs filtered by branch and head_sha, their jobs, and a failing job\'s log tail', async () => {
    h.sim.setCi(REPO, { conclusion: 'failure', delaySeconds: 20, checks: ['lint', 'unit'], failing: ['unit'], annotations: [annotation], logTail: 'AssertionError: expected 3 to be 4' });
    const pr = h.sim.openPull(REPO, { branch: 'wf', files: { x: '1' } });
    h.sim.pushBranch(REPO, 'other', { y: '2' });
    const mid = (await h.gh.actions.listWorkflowRunsForRepo({ ...repo, branch: 'wf' })).data;
    expect(mid.total_count).toBe(1);
    expect(mid.workflow_runs[0]).toMatchObject({ head_branch: 'wf', head_sha: pr.head.sha, status: 'queued', conclusion: null, name: 'CI', event: 'push' });
    h.sim.advance(20);
    const bySha = (await h.gh.actions.listWorkflowRunsForRepo({ ...repo, head_sha: pr.head.sha })).data;
    expect(bySha.workflow_runs.map((r) => [r.head_branch, r.status, r.conclusion])).toEqual([['wf', 'completed', 'failure']]);
    expect((await h.gh.actions.listWorkflowRunsForRepo(repo)).data.total_count).toBe(2);
    const jobs = (await h.gh.actions.listJobsForWorkflowRun({ ...repo, run_id: bySha.workflow_runs[0].id })).data;
    expect(jobs.jobs.map((j) => [j.name, j.conclusion, j.head_sha])).toEqual([['lint', 'success', pr.head.sha], ['unit', 'failure', pr.head.sha]]);
    const log = await h.gh.actions.downloadJobLogsForWorkflowRun({ ...repo, job_id: jobs.jobs[1].id });
    expect(log.status).toBe(200);
    const text = String(log.data);
    expect(text).toContain('##[error]src/cart.ts:12');
    expect(text.trimEnd().split('\n').slice(-2)[0]).toBe('AssertionError: expected 3 to be 4');
    expect(String((await h.gh.actions.downloadJobLogsForWorkflowRun({ ...repo, job_id: jobs.jobs[0].id })).data)).not.toContain('##[error]');
  });

  it('refs with a slash (Jules branches are jules/...) work for checks, status, pulls and tarballs', async () => {
    const pr = h.sim.openPull(REPO, { branch: 'jules/fix-1', files: { a: '1' } });
    expect((await h.gh.checks.listForRef({ ...repo, ref: 'jules/fix-1' })).data.total_count).toBe(2);
    expect((await h.gh.repos.getCombinedStatusForRef({ ...repo, ref: 'jules/fix-1' })).data.sha).toBe(pr.head.sha);
    expect((await h.gh.pulls.list({ ...repo, head: `${OWNER}:jules/fix-1` })).data.map((p) => p.number)).toEqual([pr.number]);
    expect((await h.gh.repos.downloadTarballArchive({ ...repo, ref: 'jules/fix-1' })).status).toBe(200);
    expect((await h.gh.checks.listForRef({ ...repo, ref: pr.head.sha.slice(0, 7) })).data.total_count).toBe(2);
  });
});
