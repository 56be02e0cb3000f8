import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import { createClient, type ApiClient } from '../../packages/client/src/index';
import { ARTIFACTS, CHROMIUM, bellFollowsServer, dashboardDist, eventually, type Stack, type WatchedPage, login, openPage } from './harness';
import { horizontalOverflow, serve, type Served } from './first-hour';

/*
 * Issue #12's first hour, walked end to end the way a new user does it: `autopilot serve` on a fresh DATA_DIR
 * (a child process, demo mode), the owner key and the log-in link read from its banner, log in by the link,
 * connect a Jules account (a second simulator with its own key), start sessions from the repository picker by
 * typing owner/repo, change a keeper limit, see the keeper's nudge labelled as the keeper's, dismiss a
 * notification, restart the server and find the same sessions. Then every page in light and dark at 1440 and
 * 390 px: screenshots saved, no horizontal overflow (measured in the DOM).
 */

const SECOND_KEY = 'AQ.first-hour-second-account-4242';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-first-hour-'));
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-first-hour-home-'));
let second: JulesSimulator;
let srv: ListeningSimulator;
let browser: Browser;
let served: Served | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  second = createJulesSimulator({ apiKeys: [SECOND_KEY], seed: 12, speed: 60, sources: ['team-a/alpha', { owner: 'team-a', repo: 'payments', defaultBranch: 'trunk', branches: ['trunk', 'dev'] }] });
  srv = await second.listen(0, '127.0.0.1');
  env = {
    HOME: home, DATA_DIR: dataDir, DASHBOARD_DIR: dashboardDist(), AUTOPILOT_OUTBOUND_ALLOW: `127.0.0.1:${srv.port}`,
    JULES_DEMO_SESSIONS: '6', JULES_DEMO_NEW_SESSION_MS: '0', JULES_POLL_INTERVAL_MS: '500', KEEPER_DISCOVER_INTERVAL_MS: '300',
  };
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  await served?.stop();
  await srv?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

/** The harness's page helpers want a Stack: only `browser` is used by openPage. */
const stackFor = (): Stack => ({ browser, key: '', orch: undefined as never, close: async () => {} });

describe('the first hour, end to end', { timeout: 180_000 }, () => {
  let key: string;
  let api: ApiClient;
  let before: string[];
  let heldId: string;
  let stalledId: string;

  it('starts, reads the key and the log-in link from the banner, and logs in by the link', async () => {
    served = await serve(env);
    expect(served.ownerKey, served.banner).toMatch(/^\S{20,}$/);
    expect(served.loginLink).toMatch(new RegExp(`^${served.url}/login/\\S+$`));
    key = served.ownerKey!;
    // The key is on the banner only, never in a log line.
    expect(served.stdout()).not.toContain(key);
    api = createClient({ baseUrl: served.url, apiKey: key });

    const p = await openPage(stackFor(), { viewport: { width: 1440, height: 900 } });
    await p.page.goto(served.loginLink!);
    await p.page.getByTestId('workspace').waitFor();
    expect(new URL(p.page.url()).pathname).toBe('/sessions');
    const cookies = await p.context.cookies();
    expect(cookies.find((c) => c.httpOnly)?.value).not.toContain(key);
    // The link worked once: opened again it is refused, plainly.
    const again = await p.page.context().newPage();
    const res = await again.goto(served.loginLink!);
    expect(res?.status()).toBeGreaterThanOrEqual(400);
    expect(await again.textContent('body')).toMatch(/login-link/);
    await again.close();
    expect(p.errors).toEqual([]);
    await p.context.close();
  });

  it('connects a Jules account, starts sessions from the picker by owner/repo, changes a keeper limit, sees the keeper labelled, dismisses a notification', async () => {
    // Fast keeper ticks and a nudge once a session is quiet: timing, not what this walk is about.
    await api.keeper.updateSettings({ intervals: { tickMs: 300, activeMs: 300, waitingMs: 300 }, stall: { cooldownMs: 0, maxNudges: 1 } });
    const p = await openPage(stackFor(), { viewport: { width: 1440, height: 900 } });
    const { page } = p;
    await login(p, served!.url, key, '/settings/accounts');

    // Connect: the key is checked live by the server, then the account's repositories are listed.
    const form = page.getByTestId('add-account');
    await form.getByLabel('Name').fill('team-a');
    await form.getByLabel('API key').fill(SECOND_KEY);
    await form.getByText('Advanced').click();
    await form.getByLabel('Base URL').fill(srv.baseUrl);
    await form.getByRole('button', { name: 'Check and connect' }).click();
    await page.getByTestId('account-added').waitFor();
    const account = page.locator('[data-account-name="team-a"]');
    await account.waitFor();
    await account.getByText('Repositories').click();
    await account.getByTestId('account-sources').getByText('team-a/payments').waitFor();

    // Two sessions from the picker, typed as owner/repo: one whose plan waits for approval, one that stalls.
    const create = async (prompt: string, repo: string, branch: string, requireApproval: boolean) => {
      await page.goto(`${served!.url}/sessions`);
      await page.getByTestId('board').waitFor();
      await page.getByRole('button', { name: 'New session' }).click();
      const dialog = page.getByTestId('create-dialog');
      await dialog.getByLabel('Prompt').fill(prompt);
      await dialog.getByRole('combobox', { name: 'Repository' }).fill(repo);
      await eventually(async () => (await dialog.getByLabel('Starting branch').inputValue()) === branch, `${repo}'s default branch prefilled`);
      const approval = dialog.getByLabel('Require plan approval');
      if ((await approval.isChecked()) !== requireApproval) await approval.click();
      await dialog.getByRole('button', { name: 'Create session' }).click();
      await page.getByTestId('session-detail').waitFor();
      return decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    };
    heldId = await create('Add a refund endpoint [sim:approval]', 'team-a/payments', 'trunk', true);
    stalledId = await create('Tidy the contributing guide [sim:stall]', 'team-a/alpha', 'main', false);
    const held = await api.sessions.get(heldId);
    expect(held).toMatchObject({ source: 'sources/github/team-a/payments', startingBranch: 'trunk' });
    expect(second.sessions().map((s) => s.id)).toContain(held.julesId);

    // A keeper limit, changed on the Keeper page: a session quiet for 2 s (0.05 min) gets a nudge.
    await page.goto(`${served!.url}/keeper`);
    const stall = page.getByTestId('limit-stall.thresholds.IN_PROGRESS');
    await stall.waitFor();
    await stall.fill('0.05');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor();
    expect((await api.keeper.settings()).stall.thresholds.IN_PROGRESS).toBe(3000);

    // The keeper's nudge, labelled as the keeper's in the session's activity list.
    await eventually(async () => (await api.keeper.session(stalledId)).messages.length > 0, 'the keeper to nudge the stalled session', 60_000);
    await page.goto(`${served!.url}/sessions/${encodeURIComponent(stalledId)}`);
    const keeperSaid = page.locator('[data-testid=timeline] [data-author=keeper]');
    await keeperSaid.first().waitFor();
    expect(await keeperSaid.first().locator('.tl-head strong').textContent()).toMatch(/^Keeper/);

    // The held plan's notification in the bell: dismissed, it leaves the list and the unread count.
    const note = await eventually(async () => (await api.keeper.notifications({ status: 'all', sessionId: heldId })).items.find((n) => n.kind === 'plan_held'), 'the held plan notification');
    await page.getByTestId('bell').click();
    const item = page.locator(`[data-testid=notifications-panel] [data-testid=notification][data-id="${note.id}"]`);
    await item.waitFor();
    await item.getByRole('button', { name: `Dismiss: ${note.title}` }).click();
    await item.waitFor({ state: 'detached' });
    expect((await api.keeper.notifications({ status: 'all', sessionId: heldId })).items.find((n) => n.id === note.id)?.status).toBe('dismissed');
    // The bell's count is the notification center's (every source; sessions finishing add notices meanwhile).
    await bellFollowsServer(page, async () => (await api.inbox.counts()).unread);
    expect(p.errors).toEqual([]);
    await p.context.close();
  });

  it('restarts and finds the same sessions', async () => {
    before = (await api.sessions.listAll()).map((s) => s.id).sort();
    expect(before.length).toBeGreaterThanOrEqual(8);
    expect(await served!.stop()).toBe(0);
    served = await serve(env);
    // A second start with the same DATA_DIR: no new key, a fresh log-in link.
    expect(served.ownerKey).toBeUndefined();
    expect(served.loginLink).toBeDefined();
    api = createClient({ baseUrl: served.url, apiKey: key });
    await eventually(async () => {
      const after = (await api.sessions.listAll()).map((s) => s.id).sort();
      return after.length >= before.length && before.every((id) => after.includes(id));
    }, 'every session from before the restart', 60_000);

    const p = await openPage(stackFor(), { viewport: { width: 1440, height: 900 } });
    await p.page.goto(served.loginLink!);
    await p.page.getByTestId('workspace').waitFor();
    await p.page.locator(`[data-testid=session-card][data-session-id="${heldId}"]`).waitFor();
    expect(p.errors).toEqual([]);
    await p.context.close();
  });

  it('every page, light and dark, 1440 and 390 px: screenshots saved and no horizontal overflow', async () => {
    const pages = ['/sessions', `/sessions/${encodeURIComponent(stalledId)}`, '/keeper', '/providers', '/costs', '/settings/accounts', '/settings/keys', '/settings/workspace', '/settings/routing', '/system'];
    const overflowing: string[] = [];
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const width of [1440, 390]) {
        const p: WatchedPage = await openPage(stackFor(), { viewport: { width, height: width > 800 ? 900 : 844 }, colorScheme });
        await p.page.goto(served!.url);
        await p.page.getByLabel('API key').waitFor();
        await p.shot(`first-hour-login-${width}-${colorScheme}`);
        await login(p, served!.url, key);
        for (const route of pages) {
          await p.page.goto(served!.url + route);
          await p.page.locator('main h1').first().waitFor();
          // Loaded: no lazy chunk or query still says "Loading…" (the event stream keeps the network busy for good).
          await eventually(async () => (await p.page.getByText('Loading…', { exact: false }).count()) === 0, `${route} loaded`, 15_000);
          const name = route.split('/').filter(Boolean).map((s) => (s.length > 20 ? 'detail' : s)).join('-');
          await p.shot(`first-hour-${name}-${width}-${colorScheme}`);
          const o = await horizontalOverflow(p.page);
          if (o.overflow > 0) overflowing.push(`${route} at ${width} px ${colorScheme}: ${o.overflow} px (${o.culprit})`);
        }
        expect(p.errors).toEqual([]);
        await p.context.close();
      }
    }
    expect(overflowing).toEqual([]);
    expect(fs.readdirSync(ARTIFACTS).filter((f) => f.startsWith('first-hour-')).length).toBeGreaterThanOrEqual(4 * (pages.length + 1));
  });
});
