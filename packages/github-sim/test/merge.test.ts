import { afterEach, describe, expect, it } from 'vitest';
import { NAME, OWNER, REPO, startSim, statusOf, type Harness } from './helpers.ts';

let h: Harness;
afterEach(() => h.close());

const repo = { owner: OWNER, repo: NAME };
const protectedRepo = { owner: OWNER, name: NAME, allowAutoMerge: true, mergeMethods: { rebase: false }, protection: { requiredChecks: ['build', 'test'], requiredApprovals: 1 } };

describe('merges and branch protection', () => {
  it('405 until required checks are green and a review approves; 409 on a stale sha; 200 then GET merge 204', async () => {
    h = await startSim({ repos: [protectedRepo] });
    const pr = h.sim.openPull(REPO, { branch: 'feat', files: { 'src/new.ts': 'export {};\n' } });
    expect(await statusOf(h.gh.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/merge', { ...repo, pull_number: pr.number }))).toMatchObject({ status: 404 });
    const early = await statusOf(h.gh.pulls.merge({ ...repo, pull_number: pr.number }));
    expect(early.status).toBe(405);
    expect(early.message).toContain('Required status check "build" is expected.');
    h.sim.advance(30);
    const unapproved = await statusOf(h.gh.pulls.merge({ ...repo, pull_number: pr.number }));
    expect(unapproved).toMatchObject({ status: 405 });
    expect(unapproved.message).toContain('At least 1 approving review is required');
    expect((await h.gh.pulls.get({ ...repo, pull_number: pr.number })).data.mergeable_state).toBe('blocked');
    h.sim.addReview(REPO, pr.number, { user: 'alice', state: 'APPROVED' });
    expect((await h.gh.pulls.get({ ...repo, pull_number: pr.number })).data.mergeable_state).toBe('clean');
    expect(await statusOf(h.gh.pulls.merge({ ...repo, pull_number: pr.number, merge_method: 'rebase' }))).toMatchObject({ status: 405, message: expect.stringContaining('Rebase are not allowed') });
    const stale = await statusOf(h.gh.pulls.merge({ ...repo, pull_number: pr.number, sha: 'a'.repeat(40) }));
    expect(stale).toMatchObject({ status: 409, message: expect.stringContaining('Head branch was modified') });
    const ok = await h.gh.pulls.merge({ ...repo, pull_number: pr.number, sha: pr.head.sha, merge_method: 'squash' });
    expect(ok.status).toBe(200);
    expect(ok.data).toMatchObject({ merged: true, message: 'Pull Request successfully merged' });
    expect((await h.gh.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/merge', { ...repo, pull_number: pr.number })).status).toBe(204);
    const after = (await h.gh.pulls.get({ ...repo, pull_number: pr.number })).data;
    expect(after).toMatchObject({ state: 'closed', merged: true, merge_commit_sha: ok.data.sha, merged_by: { login: 'octo-bot' } });
    expect(await statusOf(h.gh.pulls.merge({ ...repo, pull_number: pr.number }))).toMatchObject({ status: 405 });
  });

  it('a failing required check and a change request block; a conflict is 405 and mergeable false', async () => {
    h = await startSim({ repos: [protectedRepo] });
    h.sim.setCi(REPO, { conclusion: 'failure' });
    const pr = h.sim.openPull(REPO, { branch: 'feat', files: { a: '1' } });
    h.sim.addReview(REPO, pr.number, { user: 'alice', state: 'APPROVED' });
    h.sim.advance(30);
    expect(await statusOf(h.gh.pulls.merge({ ...repo, pull_number: pr.number }))).toMatchObject({ status: 405, message: expect.stringContaining('"test" is failing') });
    h.sim.setCi(REPO, { conclusion: 'success' });
    h.sim.pushToPull(REPO, pr.number, { a: '2' });
    h.sim.advance(30);
    h.sim.addReview(REPO, pr.number, { user: 'bob', state: 'CHANGES_REQUESTED' });
    expect(await statusOf(h.gh.pulls.merge({ ...repo, pull_number: pr.number }))).toMatchObject({ status: 405, message: expect.stringContaining('Changes requested') });
    h.sim.addReview(REPO, pr.number, { user: 'bob', state: 'APPROVED' });
    h.sim.setMergeable(REPO, pr.number, false);
    const pull = (await h.gh.pulls.get({ ...repo, pull_number: pr.number })).data;
    expect([pull.mergeable, pull.mergeable_state]).toEqual([false, 'dirty']);
    expect(await statusOf(h.gh.pulls.merge({ ...repo, pull_number: pr.number }))).toMatchObject({ status: 405, message: expect.stringContaining('not mergeable') });
    h.sim.setMergeable(REPO, pr.number, null);
    expect((await h.gh.pulls.get({ ...repo, pull_number: pr.number })).data).toMatchObject({ mergeable: null, mergeable_state: 'unknown' });
    h.sim.setMergeable(REPO, pr.number, true);
    expect((await h.gh.pulls.merge({ ...repo, pull_number: pr.number })).status).toBe(200);
  });

  it('the merge lands the head\'s files on the base branch; auto-merge merges once when the PR turns clean', async () => {
    h = await startSim({ repos: [protectedRepo] });
    const pr = h.sim.openPull(REPO, { branch: 'auto', files: { 'src/x.ts': 'x' } });
    h.sim.addReview(REPO, pr.number, { user: 'alice', state: 'APPROVED' });
    h.sim.enableAutoMerge(REPO, pr.number, 'squash');
    expect((await h.gh.pulls.get({ ...repo, pull_number: pr.number })).data.auto_merge).toMatchObject({ merge_method: 'squash' });
    h.sim.advance(29);
    expect((await h.gh.pulls.get({ ...repo, pull_number: pr.number })).data.merged).toBe(false);
    h.sim.advance(1);
    const merged = (await h.gh.pulls.get({ ...repo, pull_number: pr.number })).data;
    expect(merged.merged).toBe(true);
    const main = (await h.gh.repos.get(repo)).data.default_branch;
    const status = (await h.gh.repos.getCombinedStatusForRef({ ...repo, ref: main })).data;
    expect(status.sha).toBe(merged.merge_commit_sha);
    const other = await startSim({ repos: [REPO] });
    const p2 = other.sim.openPull(REPO, { branch: 'x', files: {} });
    expect(() => other.sim.enableAutoMerge(REPO, p2.number)).toThrow('Auto-merge is not allowed');
    await other.close();
  });
});
