import { afterEach, describe, expect, it } from 'vitest';
import { NAME, OWNER, REPO, startReceiver, startSim, type Harness } from './helpers.ts';

let h: Harness;
let rx: Awaited<ReturnType<typeof startReceiver>> | undefined;
afterEach(async () => {
  await h.close();
  await rx?.close();
  rx = undefined;
});

const ENABLE = `mutation($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod) {
  enablePullRequestAutoMerge(input: { pullRequestId: $pullRequestId, mergeMethod: $mergeMethod }) { pullRequest { id autoMergeRequest { mergeMethod } } }
}`;
const DISABLE = 'mutation($pullRequestId: ID!) { disablePullRequestAutoMerge(input: { pullRequestId: $pullRequestId }) { pullRequest { id } } }';
const QUERY = 'query($owner: String!, $name: String!, $number: Int!) { repository(owner: $owner, name: $name) { pullRequest(number: $number) { id autoMergeRequest { mergeMethod enabledBy { login } } } } }';
const protectedRepo = { owner: OWNER, name: NAME, allowAutoMerge: true, protection: { requiredChecks: ['build', 'test'], requiredApprovals: 1 } };

/** GraphqlResponseError carries GitHub's `errors` array. */
async function gqlErrors(p: Promise<unknown>): Promise<Array<{ type?: string; message: string }>> {
  try {
    await p;
  } catch (e) {
    return (e as { errors?: Array<{ type?: string; message: string }> }).errors ?? [{ message: (e as Error).message }];
  }
  throw new Error('expected a GraphQL error');
}

describe('GraphQL: auto-merge', () => {
  it('enables auto-merge by node_id through octokit.graphql; the PR merges itself once when protection is met, with the webhooks of a merge', async () => {
    rx = await startReceiver();
    h = await startSim({ repos: [{ ...protectedRepo, hooks: [{ url: rx.url, secret: 'x'.repeat(20) }] }] });
    const pr = h.sim.openPull(REPO, { branch: 'feat', files: { 'a.ts': '1' } });
    const rest = (await h.gh.pulls.get({ owner: OWNER, repo: NAME, pull_number: pr.number })).data;
    expect(rest.auto_merge).toBeNull();

    const q = await h.gh.graphql<{ repository: { pullRequest: { id: string; autoMergeRequest: unknown } } }>(QUERY, { owner: OWNER, name: NAME, number: pr.number });
    expect(q.repository.pullRequest).toMatchObject({ id: rest.node_id, autoMergeRequest: null });

    const on = await h.gh.graphql<{ enablePullRequestAutoMerge: { pullRequest: { id: string; autoMergeRequest: { mergeMethod: string } } } }>(ENABLE, { pullRequestId: rest.node_id, mergeMethod: 'SQUASH' });
    expect(on.enablePullRequestAutoMerge.pullRequest).toMatchObject({ id: rest.node_id, autoMergeRequest: { mergeMethod: 'SQUASH' } });
    const enabled = (await h.gh.pulls.get({ owner: OWNER, repo: NAME, pull_number: pr.number })).data;
    expect(enabled.auto_merge).toMatchObject({ merge_method: 'squash', enabled_by: { login: 'octo-bot' } });
    expect((await h.gh.graphql<any>(QUERY, { owner: OWNER, name: NAME, number: pr.number })).repository.pullRequest.autoMergeRequest).toMatchObject({ mergeMethod: 'SQUASH', enabledBy: { login: 'octo-bot' } });

    // A push disables nothing (as on GitHub); checks green but no approval: still blocked, not merged.
    h.sim.pushToPull(REPO, pr.number, { 'a.ts': '2' });
    h.sim.advance(60);
    let now = (await h.gh.pulls.get({ owner: OWNER, repo: NAME, pull_number: pr.number })).data;
    expect([now.merged, now.mergeable_state, now.auto_merge?.merge_method]).toEqual([false, 'blocked', 'squash']);

    // A conflict blocks it even with the approval; resolving it lets GitHub merge, once.
    h.sim.setMergeable(REPO, pr.number, false);
    h.sim.addReview(REPO, pr.number, { user: 'alice', state: 'APPROVED' });
    now = (await h.gh.pulls.get({ owner: OWNER, repo: NAME, pull_number: pr.number })).data;
    expect([now.merged, now.mergeable_state]).toEqual([false, 'dirty']);
    h.sim.setMergeable(REPO, pr.number, true);
    h.sim.advance(1);
    now = (await h.gh.pulls.get({ owner: OWNER, repo: NAME, pull_number: pr.number })).data;
    expect(now).toMatchObject({ merged: true, state: 'closed', auto_merge: null, merged_by: { login: 'octo-bot' } });
    h.sim.advance(60);
    await h.sim.webhooksIdle();
    const events = rx.received.map((r) => `${r.headers['x-github-event']}:${JSON.parse(r.body).action ?? ''}`);
    expect(events).toContain('pull_request:auto_merge_enabled');
    expect(events.filter((e) => e === 'pull_request:closed')).toHaveLength(1);
    const pushes = rx.received.filter((r) => r.headers['x-github-event'] === 'push' && JSON.parse(r.body).ref === 'refs/heads/main');
    expect(pushes).toHaveLength(1);
    expect(h.sim.log({ route: 'POST /graphql' }).map((e) => e.status)).toEqual([200, 200, 200]);
  });

  it("GitHub's refusals: repository without auto-merge, a PR already clean, an unknown node, a closed PR; disable clears it", async () => {
    h = await startSim({ repos: [{ owner: OWNER, name: NAME, allowAutoMerge: false }, { ...protectedRepo, name: 'api' }] });
    const pr = h.sim.openPull(REPO, { branch: 'feat', files: { a: '1' } });
    const nodeId = (await h.gh.pulls.get({ owner: OWNER, repo: NAME, pull_number: pr.number })).data.node_id;
    expect(await gqlErrors(h.gh.graphql(ENABLE, { pullRequestId: nodeId, mergeMethod: 'MERGE' }))).toEqual([
      expect.objectContaining({ type: 'UNPROCESSABLE', message: 'Pull request Auto merge is not allowed for this repository' }),
    ]);
    expect(await gqlErrors(h.gh.graphql(ENABLE, { pullRequestId: 'PR_999999', mergeMethod: 'MERGE' }))).toEqual([
      expect.objectContaining({ type: 'NOT_FOUND', message: "Could not resolve to a node with the global id of 'PR_999999'" }),
    ]);

    const api = h.sim.openPull('acme/api', { branch: 'feat', files: { a: '1' } });
    const apiNode = (await h.gh.pulls.get({ owner: OWNER, repo: 'api', pull_number: api.number })).data.node_id;
    expect(await gqlErrors(h.gh.graphql(ENABLE, { pullRequestId: apiNode, mergeMethod: 'FAST' }))).toEqual([expect.objectContaining({ type: 'argumentLiteralsIncompatible' })]);
    await h.gh.graphql(ENABLE, { pullRequestId: apiNode, mergeMethod: 'MERGE' });
    await h.gh.graphql(DISABLE, { pullRequestId: apiNode });
    expect((await h.gh.pulls.get({ owner: OWNER, repo: 'api', pull_number: api.number })).data.auto_merge).toBeNull();
    h.sim.advance(60);
    h.sim.addReview('acme/api', api.number, { user: 'alice', state: 'APPROVED' });
    // Disabled: clean now, yet not merged by GitHub; enabling on a clean PR is refused (merge it instead).
    expect((await h.gh.pulls.get({ owner: OWNER, repo: 'api', pull_number: api.number })).data).toMatchObject({ merged: false, mergeable_state: 'clean' });
    expect(await gqlErrors(h.gh.graphql(ENABLE, { pullRequestId: apiNode }))).toEqual([expect.objectContaining({ message: 'Pull request Pull request is in clean status' })]);
    h.sim.closePull('acme/api', api.number);
    expect(await gqlErrors(h.gh.graphql(ENABLE, { pullRequestId: apiNode }))).toEqual([expect.objectContaining({ message: 'Pull request Pull request is closed' })]);
  });

  it('answers anything else in the GraphQL error shape; auth as REST', async () => {
    h = await startSim();
    expect(await gqlErrors(h.gh.graphql('query { viewer { login } }'))).toEqual([expect.objectContaining({ type: 'undefinedField', message: expect.stringContaining("Field 'viewer'") })]);
    const res = await fetch(`${h.baseUrl}/graphql`, { method: 'POST', headers: { authorization: 'bearer ghp_test_token_1234', 'content-type': 'application/json' }, body: '{}' });
    expect([res.status, await res.json()]).toEqual([200, { errors: [{ message: 'A query attribute must be specified and must be a string.' }] }]);
    const anon = await fetch(`${h.baseUrl}/graphql`, { method: 'POST', body: JSON.stringify({ query: QUERY }) });
    expect(anon.status).toBe(401);
    expect(await gqlErrors(h.gh.graphql(QUERY, { owner: OWNER, name: NAME, number: 77 }))).toEqual([expect.objectContaining({ type: 'NOT_FOUND' })]);
  });
});
