import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RepoAutomation } from '@autopilot/contracts';
import { failCi, ledger, notifications, REPO, sessionWithPr, settle, startWorld, until, userMessages, type DispatchIntentPage, type PullPage, type World } from './github-world';
import { engineEnv, orchestratorEngines } from './orchestrator-engines';

/*
 * Issue #14's "Done when", end to end over a REAL orchestrator (SQLite; the PostgreSQL run of the CI cap case when
 * TEST_DATABASE_URL is set): a Jules simulator whose AUTO_CREATE_PR sessions open their PRs on a GitHub simulator
 * (manual clock: CI finishes only when the test advances it), GitHub connected and automation turned on through
 * the API, sessions created through POST /api/sessions. What reached Jules is counted on the Jules simulator (its
 * userMessaged activities), what reached GitHub on the GitHub simulator (PR state, request log), never from what
 * the orchestrator says about itself.
 *
 * The poll interval is an hour, so nothing is read from GitHub unless the test asks (POST /api/github/sync = one
 * poll) or GitHub delivers a webhook: "within one poll" is "after exactly one sync, with nothing else moving".
 */

async function ciCapCase(w: World) {
  await w.api<RepoAutomation>('PUT', '/api/github/automation', { repo: REPO, ciFix: { enabled: true, maxPerPr: 2, afterCap: 'escalate' } });
  const { session, pr } = await sessionWithPr(w, 'Add a discount line to the cart');
  const before = (await userMessages(w, session.julesId)).length;

  // 1st failing commit: exactly one message after one poll.
  failCi(w, pr.number);
  await w.api('POST', '/api/github/sync');
  await until('the first CI fix message', async () => (await userMessages(w, session.julesId)).length === before + 1);
  await settle(w);
  const first = (await userMessages(w, session.julesId)).slice(before);
  expect(first).toHaveLength(1);
  // The diagnosis names the failing check; GitHub's text is quoted as data.
  expect(first[0]).toContain('test');

  // 2nd failing commit: a second message.
  w.gh.pushToPull(REPO, pr.number, { 'src/cart.ts': 'export const total = 4;\n' }, 'Fix the total');
  failCi(w, pr.number);
  await w.api('POST', '/api/github/sync');
  await until('the second CI fix message', async () => (await userMessages(w, session.julesId)).length === before + 2);
  await settle(w);
  expect((await userMessages(w, session.julesId)).length).toBe(before + 2);

  // 3rd failing commit: escalated once, no message.
  w.gh.pushToPull(REPO, pr.number, { 'src/cart.ts': 'export const total = 5;\n' }, 'Fix the total again');
  failCi(w, pr.number);
  await w.api('POST', '/api/github/sync');
  await until('the ci_escalated notification', async () => (await notifications(w, 'ci_escalated', session.id)).length >= 1);
  await settle(w);
  // 4th failing commit: still nothing more, ever.
  w.gh.pushToPull(REPO, pr.number, { 'src/cart.ts': 'export const total = 6;\n' }, 'One more try');
  failCi(w, pr.number);
  await settle(w, 4);

  expect((await userMessages(w, session.julesId)).length).toBe(before + 2);
  expect(await notifications(w, 'ci_escalated', session.id)).toHaveLength(1);
  const fixes = (await ledger(w, 'ci_fix')).filter((a) => a.sessionId === session.id);
  expect(fixes.map((a) => a.status).sort()).toEqual(['sent', 'sent']);
  expect(fixes.every((a) => a.trigger.startsWith(`ci:${REPO}#${pr.number}@`))).toBe(true);
  const escalations = (await ledger(w, 'escalate')).filter((a) => a.sessionId === session.id && a.trigger.startsWith('ci-cap:'));
  expect(escalations.map((a) => a.trigger)).toEqual([`ci-cap:${REPO}#${pr.number}`]);
}

describe('the GitHub loop over a real orchestrator (SQLite)', () => {
  let w: World;
  beforeEach(async () => {
    w = await startWorld();
  }, 60_000);
  afterEach(async () => {
    await w?.close();
  });

  it('CI: one message per failing commit within one poll, the third failure escalates once, nothing more is ever sent', async () => {
    await ciCapCase(w);
  }, 120_000);

  it('the opt-out label on the PR stops it: no message, no escalation', async () => {
    await w.api('PUT', '/api/github/automation', { repo: REPO, ciFix: { enabled: true }, optOutLabel: 'autopilot:hands-off' });
    const { session, pr } = await sessionWithPr(w, 'Add a coupon field to checkout');
    const before = (await userMessages(w, session.julesId)).length;
    w.gh.addLabels(REPO, pr.number, ['autopilot:hands-off']);
    failCi(w, pr.number);
    await w.api('POST', '/api/github/sync');
    // The mirror has seen both the label and the failure, then a few more polls pass.
    await until('the mirror to show the failing, labelled PR', async () => {
      const p = (await w.api<PullPage>('GET', `/api/github/pulls?sessionId=${encodeURIComponent(session.id)}`)).items[0];
      return p?.checks === 'failure' && p.labels.includes('autopilot:hands-off');
    });
    await settle(w, 4);
    expect((await userMessages(w, session.julesId)).length).toBe(before);
    expect((await ledger(w, 'ci_fix')).filter((a) => a.sessionId === session.id)).toEqual([]);
    expect(await notifications(w, 'ci_escalated', session.id)).toEqual([]);
  }, 90_000);

  it('webhook mode: a signed check_run delivery is acted on without a poll', async () => {
    await w.api('PUT', '/api/github/automation', { repo: REPO, ciFix: { enabled: true } });
    const saved = await w.api<{ url: string; secret: string | null; secretSet: boolean }>('PUT', '/api/github/webhook', {});
    expect(saved.secretSet).toBe(true);
    expect(saved.secret).toMatch(/^[\x21-\x7e]{16,}$/);
    expect(saved.url).toMatch(new RegExp(`/hooks/github/${w.ws}$`));
    w.gh.addHook(REPO, { url: `${w.t.orch.url}/hooks/github/${w.ws}`, secret: saved.secret! });
    const { session, pr } = await sessionWithPr(w, 'Add a wishlist button');
    const before = (await userMessages(w, session.julesId)).length;
    const syncsBefore = w.gh.log().length;

    failCi(w, pr.number);
    await w.gh.webhooksIdle();
    await until('the CI fix message from the webhook', async () => (await userMessages(w, session.julesId)).length === before + 1);
    // Delivered and accepted (2xx), signed; nobody called sync in between (the poll interval is an hour).
    const checkRuns = w.gh.deliveries({ event: 'check_run' });
    expect(checkRuns.length).toBeGreaterThan(0);
    expect(checkRuns.every((d) => d.status >= 200 && d.status < 300)).toBe(true);
    const hook = await w.api<{ deliveries: number; rejected: number }>('GET', '/api/github/webhook');
    expect(hook.deliveries).toBeGreaterThan(0);
    expect(hook.rejected).toBe(0);
    expect(w.gh.log().slice(syncsBefore).filter((e) => e.route === 'pulls.list').length).toBe(0);

    // A replay of the same delivery changes nothing.
    w.gh.redeliver(checkRuns[checkRuns.length - 1]!.id);
    await w.gh.webhooksIdle();
    await new Promise((r) => setTimeout(r, 500));
    expect((await userMessages(w, session.julesId)).length).toBe(before + 1);
  }, 90_000);

  it('a green PR with merging on is merged once (merge API: the repository does not allow auto-merge)', async () => {
    await w.api('PUT', '/api/github/automation', { repo: REPO, merge: { enabled: true, method: 'squash', useAutoMerge: false } });
    const { pr } = await sessionWithPr(w, 'Add a footer link');
    w.gh.setCi(REPO, { conclusion: 'success', delaySeconds: 30 }, pr.number);
    w.gh.advance(60);
    await w.api('POST', '/api/github/sync');
    await until('the PR to be merged on GitHub', () => w.gh.pull(REPO, pr.number).merged === true);
    await settle(w);
    const merges = (await ledger(w, 'merge')).filter((a) => a.trigger.startsWith(`merge:${REPO}#${pr.number}@`));
    expect(merges).toHaveLength(1);
    expect(merges[0]!.status).toBe('sent');
    expect(w.gh.log().filter((e) => e.method === 'PUT' && /\/pulls\/\d+\/merge$/.test(e.path) && e.status === 200)).toHaveLength(1);
    const mirrored = (await w.api<PullPage>('GET', `/api/github/pulls?repo=${REPO}&state=merged`)).items.map((p) => p.number);
    expect(mirrored).toContain(pr.number);
  }, 90_000);

  it('a conflicting PR: one rebase ask, after the grace period one re-dispatch with origin github, then one escalation', async () => {
    await w.api('PUT', '/api/github/automation', { repo: REPO, merge: { enabled: true, maxRebaseAsks: 1 } });
    const { session, pr } = await sessionWithPr(w, 'Add a size chart');
    const before = (await userMessages(w, session.julesId)).length;
    const githubIntents = async () => (await w.api<DispatchIntentPage>('GET', '/api/dispatch/intents?origin=github&limit=50')).items;
    w.gh.setCi(REPO, { conclusion: 'success', delaySeconds: 30 }, pr.number);
    w.gh.setMergeable(REPO, pr.number, false);
    w.gh.advance(60);
    await w.api('POST', '/api/github/sync');
    await until('the rebase ask', async () => (await userMessages(w, session.julesId)).length === before + 1);
    await settle(w);
    // Within the grace period the session may still rebase: nothing else happens.
    expect(await githubIntents()).toEqual([]);
    expect(w.gh.pull(REPO, pr.number).merged).toBe(false);

    // The grace period (30 min) passes without a push: re-dispatched once, with origin github.
    // (A person labels the PR meanwhile: a change the poll sees, so the loop looks at it now rather than at its
    // next sweep, a minute of real time away.)
    w.passTime(31 * 60_000);
    w.gh.addLabels(REPO, pr.number, ['needs-rebase']);
    await w.api('POST', '/api/github/sync');
    const intents = await until('one re-dispatch', async () => ((await githubIntents()).length ? githubIntents() : undefined), 40_000).catch(async (e: Error) => {
      throw new Error(`${e.message}; ledger: ${JSON.stringify((await w.api<{ items: unknown[] }>('GET', '/api/keeper/logs?limit=50')).items)}`);
    });
    await settle(w, 4);
    expect(await githubIntents()).toHaveLength(1);
    expect(intents[0]!.origin.kind).toBe('github');
    expect((await ledger(w, 'redispatch')).map((a) => a.trigger)).toEqual([`conflict-new:${REPO}#${pr.number}`]);
    expect((await userMessages(w, session.julesId)).length).toBe(before + 1);
    expect((await ledger(w, 'rebase')).filter((a) => a.sessionId === session.id)).toHaveLength(1);

    // The original still conflicts after the re-dispatch had its time: escalated once, and nothing more.
    w.passTime(31 * 60_000);
    w.gh.addLabels(REPO, pr.number, ['stale']);
    await w.api('POST', '/api/github/sync');
    await until('the conflict_escalated notification', async () => (await notifications(w, 'conflict_escalated', session.id)).length > 0, 40_000);
    await settle(w, 4);
    expect(await notifications(w, 'conflict_escalated', session.id)).toHaveLength(1);
    expect(await githubIntents()).toHaveLength(1);
    expect((await userMessages(w, session.julesId)).length).toBe(before + 1);
  }, 150_000);
});

describe.runIf(orchestratorEngines().includes('postgres'))('the GitHub loop over a real orchestrator (PostgreSQL)', () => {
  let w: World;
  let engine: Awaited<ReturnType<typeof engineEnv>> | undefined;
  beforeAll(async () => {
    engine = await engineEnv('postgres');
    w = await startWorld(engine.env);
  }, 60_000);
  afterAll(async () => {
    await w?.close();
    await engine?.cleanup();
  });

  it('CI: two messages, one escalation, nothing more (same case, PostgreSQL)', async () => {
    await ciCapCase(w);
  }, 120_000);
});
