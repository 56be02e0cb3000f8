import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CiRun, CiStats, PullRequest, SessionDetail } from '@autopilot/contracts';
import { createGitHubSimulator, type ListeningGitHubSimulator } from '@autopilot/github-sim';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import { ARTIFACTS, eventually, login, openPage, startStack, type Stack, type WatchedPage } from './harness';

/*
 * Issue #14 in chromium: a real orchestrator against a Jules simulator whose AUTO_CREATE_PR session opens its PR on
 * a GitHub simulator (manual clock). GitHub is connected through the API; the session page's "Pull request" panel
 * shows the PR and its checks going pending -> failed -> pending (new push) -> passed LIVE (no reload: a marker set
 * on window survives), the board card's badge follows, and the CI page lists the runs and their stats. The poll
 * interval is an hour: GitHub is read when the test asks (POST /api/github/sync), each read publishes the events
 * the page follows. Screenshots at 1280 and 390 px, light and dark, in test-artifacts/github/.
 */

const JULES_KEY = 'sim-key-browser-github-0123456789';
const GH_TOKEN = 'ghp_browsergithub0123456789abcdefghijkl';
const REPO = 'acme-corp/storefront';
const OUT = path.join(ARTIFACTS, 'github');

let gh: ReturnType<typeof createGitHubSimulator>;
let ghServed: ListeningGitHubSimulator;
let jules: JulesSimulator;
let julesServed: ListeningSimulator;
let stack: Stack;
let session: SessionDetail;
let pr: PullRequest;

async function api<T = unknown>(method: string, p: string, body?: unknown): Promise<T> {
  const r = await fetch(stack.orch.url + p, {
    method,
    headers: { authorization: `Bearer ${stack.key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${p} -> ${r.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
const sync = () => api('POST', '/api/github/sync');

beforeAll(async () => {
  gh = createGitHubSimulator({ manualClock: true, seed: 'browser-github', tokens: { [GH_TOKEN]: 'octo-bot' }, repos: [{ owner: 'acme-corp', name: 'storefront' }] });
  ghServed = await gh.listen(0);
  jules = createJulesSimulator({ apiKeys: [JULES_KEY], sessions: 0, manualClock: true, seed: 'browser-github', github: { baseUrl: ghServed.baseUrl, token: GH_TOKEN } });
  julesServed = await jules.listen(0, '127.0.0.1');
  stack = await startStack({ JULES_API_KEY: JULES_KEY, JULES_API_BASE_URL: julesServed.baseUrl, JULES_POLL_INTERVAL_MS: '500', GITHUB_API_URL: ghServed.baseUrl, GITHUB_POLL_INTERVAL_MS: '3600000' });
  await api('PUT', '/api/github/connection', { token: GH_TOKEN });
  // The PR's first commit: `test` fails, but only 10 sim minutes after the push (so the page sees it running first).
  gh.setCi(REPO, { conclusion: 'failure', delaySeconds: 600, checks: ['build', 'test'], failing: ['test'], logTail: 'FAIL src/cart.test.ts\nexpected 3 to be 4' });
  session = await api<SessionDetail>('POST', '/api/sessions', { prompt: 'Fix the cart total rounding [sim:happy]', source: `sources/github/${REPO}`, startingBranch: 'main', autoCreatePr: true, title: 'Fix the cart total rounding' });
  await eventually(async () => {
    jules.clock.advance(120_000);
    await jules.githubIdle();
    const s = await api<SessionDetail>('GET', `/api/sessions/${encodeURIComponent(session.id)}`);
    return s.prUrl?.startsWith(ghServed.baseUrl) ? s : undefined;
  }, 'the session to open its PR on the GitHub simulator', 60_000);
  pr = await eventually(async () => {
    await sync();
    return (await api<{ items: PullRequest[] }>('GET', `/api/github/pulls?sessionId=${encodeURIComponent(session.id)}`)).items[0];
  }, 'the PR to be linked to the session');
  fs.mkdirSync(OUT, { recursive: true });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await julesServed?.close();
  await ghServed?.close();
});

const shotsOf = async (p: WatchedPage, name: string) => {
  await p.page.evaluate(() => document.fonts?.ready);
  await p.page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
};
const noOverflow = (w: WatchedPage) => w.page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
const panel = (p: WatchedPage) => p.page.getByTestId('pull-panel');
const pullChecks = async (p: WatchedPage) => panel(p).getByTestId('pull').getAttribute('data-checks');
const runPhases = async (p: WatchedPage) =>
  Object.fromEntries(await panel(p).getByTestId('pull-run').evaluateAll((els) => els.map((e) => [e.getAttribute('data-name'), e.getAttribute('data-phase')])));

describe('the GitHub loop in the dashboard', () => {
  it('shows the session PR and its checks going pending -> failed -> passed live, the board badge and the CI page', async () => {
    const p = await openPage(stack, { viewport: { width: 1280, height: 900 } });
    await login(p, stack.orch.url, stack.key, `/sessions/${encodeURIComponent(session.id)}`);
    await panel(p).waitFor();
    const link = panel(p).getByTestId('pull-link');
    expect(await link.getAttribute('href')).toBe(pr.htmlUrl);
    expect(await panel(p).textContent()).toContain(`${REPO}#${pr.number}`);
    expect(await panel(p).getByTestId('pull-state').textContent()).toBe('open');
    // Running: both checks queued, then in progress (a few sim seconds later), spinners shown.
    await eventually(async () => (await pullChecks(p)) === 'pending', 'checks pending in the panel');
    gh.advance(5);
    await sync();
    await eventually(async () => {
      const st = await panel(p).getByTestId('pull-run').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
      return st.length === 2 && st.every((x) => x === 'running');
    }, 'both check runs in progress');
    expect(await runPhases(p)).toEqual({ build: 'pending', test: 'pending' });
    expect(await panel(p).locator('.gh-spinner').count()).toBe(2);
    await p.page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 1));
    await shotsOf(p, 'session-pending-1280-light');

    // CI completes on GitHub; one sync later the panel says failed, without a reload.
    gh.advance(600);
    await sync();
    await eventually(async () => (await pullChecks(p)) === 'failure', 'checks failed in the panel');
    await eventually(async () => {
      const ph = await runPhases(p);
      return ph.build === 'passed' && ph.test === 'failed';
    }, 'test failed, build passed');
    expect(await panel(p).getByTestId('pull-checks').textContent()).toBe('checks failed');
    await shotsOf(p, 'session-failed-1280-light');

    // A fix is pushed: new head commit, CI running again, then green.
    gh.setCi(REPO, { conclusion: 'success', delaySeconds: 60, checks: ['build', 'test'] }, pr.number);
    const sha = gh.pushToPull(REPO, pr.number, { 'src/cart.ts': 'export const total = (a: number, b: number) => Math.round((a + b) * 100) / 100;\n' }, 'Round the cart total');
    await sync();
    await eventually(async () => (await pullChecks(p)) === 'pending', 'checks running again after the push');
    await eventually(async () => (await panel(p).textContent())?.includes(sha.slice(0, 7)), 'the new head commit shown');
    gh.advance(60);
    await sync();
    await eventually(async () => (await pullChecks(p)) === 'success', 'checks passed in the panel');
    await eventually(async () => {
      const ph = await runPhases(p);
      return ph.build === 'passed' && ph.test === 'passed';
    }, 'both checks passed');
    expect(await p.page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload)).toBe(1);
    expect(await panel(p).getByTestId('pull-checks').textContent()).toBe('checks passed');
    await shotsOf(p, 'session-passed-1280-light');

    // The board: the card carries the PR number with its checks, from one list of PRs.
    await p.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sessions', exact: true }).click();
    const card = p.page.locator(`[data-testid=session-card][data-session-id="${session.id}"]`);
    await card.waitFor();
    const badge = card.getByTestId('pr-badge');
    await badge.waitFor();
    expect(await badge.getAttribute('data-checks')).toBe('success');
    expect(await badge.textContent()).toContain(`#${pr.number}`);

    // The CI page: 4 runs (2 checks x 2 commits), 3 passed, 1 failed, with their PR and session.
    const runs = await api<{ items: CiRun[] }>('GET', `/api/ci/runs?sessionId=${encodeURIComponent(session.id)}`);
    const stats = await api<CiStats>('GET', '/api/ci/stats');
    expect(runs.items).toHaveLength(4);
    expect(stats).toMatchObject({ total: 4, passed: 3, failed: 1 });
    await p.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'CI', exact: true }).click();
    await p.page.getByTestId('ci-runs').waitFor();
    await eventually(async () => (await p.page.getByTestId('ci-run').count()) === 4, 'four runs on the CI page');
    expect(await p.page.getByTestId('ci-total').textContent()).toContain('4');
    expect(await p.page.getByTestId('ci-passed').textContent()).toContain('3');
    expect(await p.page.getByTestId('ci-failed').textContent()).toContain('1');
    expect(await p.page.getByTestId('ci-rate').textContent()).toContain('75%');
    await p.page.getByTestId('ci-chart').waitFor();
    expect(await p.page.locator('[data-testid=ci-run][data-conclusion=failure]').count()).toBe(1);
    // A filter goes to the URL and to the server.
    await p.page.getByLabel('Conclusion').selectOption('failure');
    await p.page.waitForURL(/\/ci\?conclusion=failure$/);
    await eventually(async () => (await p.page.getByTestId('ci-run').count()) === 1, 'one failed run after filtering');
    expect(await p.page.getByTestId('ci-total').textContent()).toContain('1');
    await p.page.getByRole('button', { name: 'Clear' }).click();
    await eventually(async () => (await p.page.getByTestId('ci-run').count()) === 4, 'four runs again');
    await shotsOf(p, 'ci-1280-light');

    await p.page.goto(`${stack.orch.url}/settings/github`);
    await p.page.getByTestId('gh-login').waitFor();
    expect(await p.page.getByTestId('gh-login').textContent()).toBe('octo-bot');
    await p.page.getByTestId('gh-automation-form').first().waitFor({ state: 'attached' });
    await shotsOf(p, 'settings-1280-light');
    expect(p.errors).toEqual([]);
    await p.context.close();
  }, 180_000);

  for (const scheme of ['light', 'dark'] as const) {
    for (const width of [390, 1280]) {
      if (scheme === 'light' && width === 1280) continue; // the walk above
      it(`lays out the session panel, the CI page and Settings -> GitHub at ${width} px, ${scheme}`, async () => {
        const p = await openPage(stack, { viewport: { width, height: 900 }, colorScheme: scheme });
        await login(p, stack.orch.url, stack.key, `/sessions/${encodeURIComponent(session.id)}`);
        await panel(p).waitFor();
        await eventually(async () => (await pullChecks(p)) === 'success', 'the passed PR');
        await panel(p).scrollIntoViewIfNeeded();
        expect(await noOverflow(p)).toBe(true);
        await shotsOf(p, `session-${width}-${scheme}`);
        await p.page.goto(`${stack.orch.url}/ci`);
        await eventually(async () => (await p.page.getByTestId('ci-run').count()) === 4, 'four runs');
        expect(await noOverflow(p)).toBe(true);
        await shotsOf(p, `ci-${width}-${scheme}`);
        await p.page.goto(`${stack.orch.url}/settings/github`);
        await p.page.getByTestId('gh-login').waitFor();
        expect(await noOverflow(p)).toBe(true);
        await shotsOf(p, `settings-${width}-${scheme}`);
        await p.page.goto(`${stack.orch.url}/sessions`);
        await p.page.locator(`[data-testid=session-card][data-session-id="${session.id}"] [data-testid=pr-badge]`).first().waitFor();
        await shotsOf(p, `board-${width}-${scheme}`);
        expect(p.errors).toEqual([]);
        await p.context.close();
      }, 90_000);
    }
  }

  it('marks an automation mistake at its field, saves a valid change, and leaves viewers read-only', async () => {
    const p = await openPage(stack, { viewport: { width: 1280, height: 900 } });
    await login(p, stack.orch.url, stack.key, '/settings/github');
    const form = p.page.locator(`[data-testid=gh-automation-form][data-repo="${REPO}"]`);
    await form.waitFor();
    const id = (f: string) => `gh-acme-corp-storefront-${f}`;
    await form.getByTestId(id('maxPerPr')).fill('99');
    await form.getByTestId(id('save')).click();
    const err = form.locator(`#${id('maxPerPr')}-error`);
    await err.waitFor();
    expect(await form.getByTestId(id('maxPerPr')).getAttribute('aria-invalid')).toBe('true');
    expect((await api<{ items: Array<{ repo: string; updatedAt: string | null }> }>('GET', '/api/github/automation')).items.find((a) => a.repo === REPO)?.updatedAt).toBeNull();
    await form.getByTestId(id('maxPerPr')).fill('3');
    await form.getByTestId(id('reviewfix')).click();
    await form.getByTestId(id('save')).click();
    await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await err.count()).toBe(0);
    const saved = (await api<{ items: Array<{ repo: string; ciFix: { enabled: boolean; maxPerPr: number }; reviewFix: { enabled: boolean } }> }>('GET', '/api/github/automation')).items.find((a) => a.repo === REPO);
    expect(saved).toMatchObject({ ciFix: { enabled: false, maxPerPr: 3 }, reviewFix: { enabled: true } });

    // A token GitHub refuses: the server's 400 names `token`, shown at the field; the connection stays as it was.
    await p.page.getByTestId('gh-connection').getByRole('button', { name: 'Replace token' }).click();
    await p.page.getByLabel('New token').fill('ghp_not_a_token_github_knows_0000000000');
    await p.expectingErrors(/status of 400/, async () => {
      await p.page.getByTestId('gh-connect').click();
      await p.page.locator('#gh-token-error').waitFor();
    });
    expect(await p.page.locator('#gh-token-error').textContent()).toMatch(/\S/);
    expect(await p.page.getByLabel('New token').getAttribute('aria-invalid')).toBe('true');
    expect((await api<{ login: string }>('GET', '/api/github/connection')).login).toBe('octo-bot');
    await p.page.getByTestId('gh-token-form').getByRole('button', { name: 'Cancel' }).click();

    // A generated webhook secret is shown once, in a dialog; afterwards only its last 4 characters, even after a reload.
    await p.page.getByTestId('gh-generate-secret').click();
    const secretDialog = p.page.getByTestId('gh-secret-dialog');
    const secret = (await secretDialog.getByTestId('gh-secret-value').textContent()) ?? '';
    expect(secret.length).toBeGreaterThanOrEqual(16);
    const hook = await api<{ secretSet: boolean; secretLast4: string | null; url: string }>('GET', '/api/github/webhook');
    expect(hook).toMatchObject({ secretSet: true, secretLast4: secret.slice(-4) });
    await secretDialog.getByRole('button', { name: 'Done' }).click();
    await p.page.getByTestId('gh-webhook').getByText(`…${secret.slice(-4)}`).waitFor();
    expect(await p.page.getByTestId('gh-hook-url').inputValue()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/github\//);
    await p.page.reload();
    await p.page.getByTestId('gh-webhook').getByText(`…${secret.slice(-4)}`).waitFor();
    expect(await p.page.content()).not.toContain(secret);
    expect(p.errors).toEqual([]);
    await p.context.close();

    const viewer = await api<{ key: string }>('POST', '/api/keys', { name: 'read-only', role: 'viewer' });
    const v = await openPage(stack, { viewport: { width: 390, height: 900 } });
    await login(v, stack.orch.url, viewer.key, '/settings/github');
    await v.page.getByTestId('gh-login').waitFor();
    expect(await v.page.getByTestId('gh-token-form').count()).toBe(0);
    expect(await v.page.getByRole('button', { name: 'Disconnect' }).count()).toBe(0);
    expect(await v.page.getByTestId('gh-generate-secret').count()).toBe(0);
    const vform = v.page.locator(`[data-testid=gh-automation-form][data-repo="${REPO}"]`);
    expect(await vform.getByTestId(id('maxPerPr')).isDisabled()).toBe(true);
    expect(await vform.getByTestId(id('save')).count()).toBe(0);
    expect(await v.page.getByTestId('gh-archive-start').isDisabled()).toBe(true);
    await v.page.getByText('Only admins and owners change automation.').waitFor();
    expect(v.errors).toEqual([]);
    await v.context.close();
  }, 90_000);

  it('refreshes the CI page live when a new commit runs, then archives the finished session after a dry-run count', async () => {
    const c = await openPage(stack, { viewport: { width: 1280, height: 900 } });
    await login(c, stack.orch.url, stack.key, '/ci');
    await eventually(async () => (await c.page.getByTestId('ci-run').count()) === 4, 'four runs');
    await c.page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 1));
    gh.pushToPull(REPO, pr.number, { 'docs/rounding.md': 'Totals are rounded to cents.\n' }, 'Document the rounding');
    gh.advance(60);
    await sync();
    await eventually(async () => (await c.page.getByTestId('ci-run').count()) === 6, 'six runs, live');
    await eventually(async () => (await c.page.getByTestId('ci-total').textContent())?.includes('6'), 'six in the totals, live');
    expect(await c.page.getByTestId('ci-passed').textContent()).toContain('5');
    expect(await c.page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload)).toBe(1);
    expect(c.errors).toEqual([]);
    await c.context.close();

    gh.mergePull(REPO, pr.number, { method: 'squash' });
    await eventually(async () => {
      await sync();
      return (await api<PullRequest>('GET', `/api/github/pulls/${encodeURIComponent(pr.id)}`)).state === 'merged';
    }, 'the PR merged in the mirror');
    const p = await openPage(stack, { viewport: { width: 1280, height: 900 } });
    await login(p, stack.orch.url, stack.key, `/sessions/${encodeURIComponent(session.id)}`);
    await eventually(async () => (await panel(p).getByTestId('pull-state').textContent()) === 'merged', 'merged in the panel');
    await p.page.goto(`${stack.orch.url}/settings/github`);
    await p.page.getByTestId('gh-archive-start').click();
    const dialog = p.page.getByTestId('gh-archive-dialog');
    await dialog.getByRole('heading', { name: 'Archive 1 session?' }).waitFor();
    expect((await api<SessionDetail>('GET', `/api/sessions/${encodeURIComponent(session.id)}`)).archived).toBe(false);
    await shotsOf(p, 'archive-confirm-1280-light');
    await dialog.getByTestId('gh-archive-confirm').click();
    await p.page.getByTestId('gh-archive-result').filter({ hasText: 'Archived 1 of 1.' }).waitFor();
    await eventually(async () => (await api<SessionDetail>('GET', `/api/sessions/${encodeURIComponent(session.id)}`)).archived, 'the session archived');
    expect(p.errors).toEqual([]);
    await p.context.close();
  }, 90_000);
});
