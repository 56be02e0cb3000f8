import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NAME, OWNER, REPO, startSim, statusOf, type Harness } from './helpers.ts';

let h: Harness;
beforeEach(async () => {
  h = await startSim();
});
afterEach(() => h.close());

describe('pull requests through a stock Octokit', () => {
  it('lists with page/per_page and a Link header that octokit.paginate follows; get one', async () => {
    for (let k = 1; k <= 5; k++) h.sim.openPull(REPO, { branch: `feature-${k}`, title: `Feature ${k}`, files: { [`f${k}.txt`]: `${k}` } });
    const first = await h.gh.pulls.list({ owner: OWNER, repo: NAME, per_page: 2 });
    expect(first.data.map((p) => p.number)).toEqual([5, 4]);
    expect(first.headers.link).toContain('rel="next"');
    expect(first.headers.link).toContain('page=3');
    const all = await h.gh.paginate(h.gh.pulls.list, { owner: OWNER, repo: NAME, per_page: 2 });
    expect(all.map((p) => p.number)).toEqual([5, 4, 3, 2, 1]);
    const byHead = await h.gh.pulls.list({ owner: OWNER, repo: NAME, head: `${OWNER}:feature-3` });
    expect(byHead.data.map((p) => p.number)).toEqual([3]);
    const one = await h.gh.pulls.get({ owner: OWNER, repo: NAME, pull_number: 2 });
    expect(one.data).toMatchObject({ number: 2, state: 'open', title: 'Feature 2', head: { ref: 'feature-2' }, base: { ref: 'main' }, merged: false, mergeable: true, draft: false });
    expect(one.data.head.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await statusOf(h.gh.pulls.get({ owner: OWNER, repo: NAME, pull_number: 99 }))).toMatchObject({ status: 404 });
  });

  it('creates a PR from a pushed branch, closes it with PATCH, filters by state; 422 names a missing field', async () => {
    h.sim.pushBranch(REPO, 'fix-typo', { 'README.md': '# shop, fixed\n' });
    const created = await h.gh.pulls.create({ owner: OWNER, repo: NAME, head: 'fix-typo', base: 'main', title: 'Fix typo' });
    expect(created.status).toBe(201);
    expect(created.data.user!.login).toBe('octo-bot');
    const missing = await statusOf(h.gh.request('POST /repos/{owner}/{repo}/pulls', { owner: OWNER, repo: NAME, head: 'fix-typo', base: 'main' } as any));
    expect(missing.status).toBe(422);
    expect(missing.message).toContain('title');
    const closed = await h.gh.pulls.update({ owner: OWNER, repo: NAME, pull_number: created.data.number, state: 'closed' });
    expect(closed.data.state).toBe('closed');
    expect((await h.gh.pulls.list({ owner: OWNER, repo: NAME })).data).toHaveLength(0);
    expect((await h.gh.pulls.list({ owner: OWNER, repo: NAME, state: 'closed' })).data.map((p) => p.title)).toEqual(['Fix typo']);
  });

  it('reviews and review comments', async () => {
    const pr = h.sim.openPull(REPO, { branch: 'b', files: { 'a.ts': 'x' } });
    h.sim.addReview(REPO, pr.number, { user: 'alice', state: 'CHANGES_REQUESTED', body: 'rename it', comments: [{ path: 'a.ts', line: 1, body: 'call it y' }] });
    h.sim.addReview(REPO, pr.number, { user: 'bob', state: 'APPROVED' });
    const reviews = await h.gh.pulls.listReviews({ owner: OWNER, repo: NAME, pull_number: pr.number });
    expect(reviews.data.map((r) => [r.user!.login, r.state, r.commit_id])).toEqual([['alice', 'CHANGES_REQUESTED', pr.head.sha], ['bob', 'APPROVED', pr.head.sha]]);
    const comments = await h.gh.pulls.listReviewComments({ owner: OWNER, repo: NAME, pull_number: pr.number });
    expect(comments.data).toMatchObject([{ path: 'a.ts', line: 1, body: 'call it y', user: { login: 'alice' }, pull_request_review_id: reviews.data[0].id }]);
  });

  it('issue comments (GET, POST) and labels (add, list, remove) on a PR number', async () => {
    const pr = h.sim.openPull(REPO, { branch: 'b', files: { 'a.ts': 'x' } });
    const posted = await h.gh.issues.createComment({ owner: OWNER, repo: NAME, issue_number: pr.number, body: 'CI failed: see job test' });
    expect(posted.status).toBe(201);
    h.sim.comment(REPO, pr.number, 'on it', 'jules[bot]');
    const list = await h.gh.issues.listComments({ owner: OWNER, repo: NAME, issue_number: pr.number });
    expect(list.data.map((c) => [c.user!.login, c.body])).toEqual([['octo-bot', 'CI failed: see job test'], ['jules[bot]', 'on it']]);
    expect(await statusOf(h.gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: OWNER, repo: NAME, issue_number: pr.number } as any))).toMatchObject({ status: 422 });
    const added = await h.gh.issues.addLabels({ owner: OWNER, repo: NAME, issue_number: pr.number, labels: ['autopilot:no-fix', 'bug'] });
    expect(added.data.map((l) => l.name)).toEqual(['autopilot:no-fix', 'bug']);
    await h.gh.issues.removeLabel({ owner: OWNER, repo: NAME, issue_number: pr.number, name: 'bug' });
    expect((await h.gh.issues.listLabelsOnIssue({ owner: OWNER, repo: NAME, issue_number: pr.number })).data.map((l) => l.name)).toEqual(['autopilot:no-fix']);
    expect((await h.gh.pulls.get({ owner: OWNER, repo: NAME, pull_number: pr.number })).data.labels.map((l) => l.name)).toEqual(['autopilot:no-fix']);
  });

  it('401 with GitHub\'s message for a wrong or missing token; /user and /repos for a good one', async () => {
    const bad = await statusOf(h.octokit('ghp_wrong').users.getAuthenticated());
    expect(bad.status).toBe(401);
    expect(bad.message).toContain('Bad credentials');
    const anonymous = await statusOf(fetch(`${h.baseUrl}/user`).then(async (r) => { throw Object.assign(new Error((await r.json()).message), { status: r.status }); }));
    expect(anonymous).toMatchObject({ status: 401, message: 'Requires authentication' });
    const bearer = await fetch(`${h.baseUrl}/user`, { headers: { authorization: 'Bearer ghp_test_token_1234' } });
    expect((await bearer.json()).login).toBe('octo-bot');
    const repo = await h.gh.repos.get({ owner: OWNER, repo: NAME });
    expect(repo.data).toMatchObject({ full_name: REPO, default_branch: 'main', allow_auto_merge: false });
  });

  it('is deterministic with a seed: the same steps give the same SHAs and ids', async () => {
    const other = await startSim();
    try {
      const a = h.sim.openPull(REPO, { branch: 'same', files: { a: '1' } });
      const b = other.sim.openPull(REPO, { branch: 'same', files: { a: '1' } });
      expect([a.head.sha, a.base.sha, a.id]).toEqual([b.head.sha, b.base.sha, b.id]);
      const third = await startSim({ seed: 4 });
      expect(third.sim.openPull(REPO, { branch: 'same', files: { a: '1' } }).head.sha).not.toBe(a.head.sha);
      await third.close();
    } finally {
      await other.close();
    }
  });
});
