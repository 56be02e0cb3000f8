import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeeperNotification, SessionSummary } from '@autopilot/contracts';
import { createJulesSimulator } from '@autopilot/jules-sim';
import { createClient, type ApiClient } from '../../packages/client/src/index';
import path from 'node:path';
import { ARTIFACTS, bellFollowsServer, eventually, login, openPage, startStack, type Stack, type WatchedPage } from './harness';

/*
 * Issue #12 items 4 and 6 in a real browser (demo mode, the simulator in-process): keeper notifications in the bell (the
 * notification center of issue #15) that follow reality (a held plan approved resolves itself, another is dismissed), a keeper message labelled "Keeper",
 * keeper limits as inputs that save, and no horizontal overflow with a 2,000-character unbroken token.
 */

let stack: Stack;
let api: ApiClient;
let p: WatchedPage;
const LONG = `token${'x'.repeat(1995)}`;
let held: SessionSummary[] = [];
let longOne: SessionSummary;
let stalled: SessionSummary;

const noOverflow = (w: WatchedPage) => w.page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));

beforeAll(async () => {
  stack = await startStack({ JULES_DEMO_SESSIONS: '0', JULES_DEMO_SPEED: '60', JULES_POLL_INTERVAL_MS: '500', KEEPER_DISCOVER_INTERVAL_MS: '300' });
  api = createClient({ baseUrl: stack.orch.url, apiKey: stack.key });
  // Fast ticks; nudge a session quiet for 1 s, once; plans of sessions created on Jules wait for a person.
  await api.keeper.updateSettings({ intervals: { tickMs: 300, activeMs: 300, waitingMs: 300 }, stall: { thresholds: { IN_PROGRESS: 1000 }, cooldownMs: 0, maxNudges: 1 }, approval: { defaultRequirePlanApproval: true } });
  const sim = stack.orch.jules.simulator!;
  const mk = (title: string, behaviour: 'approval' | 'stall') =>
    sim.createSession({
      prompt: `${behaviour}: ${title.slice(0, 60)}`, title, source: 'sources/github/acme-corp/storefront', startingBranch: 'main',
      requirePlanApproval: behaviour === 'approval', behaviour,
    }).id;
  const ids = [mk('Add rate limiting to the login form', 'approval'), mk('Rename the billing helpers', 'approval'), mk(LONG, 'approval'), mk('Speed up the search index', 'stall')];
  await eventually(async () => {
    const all = await api.sessions.listAll();
    const mine = ids.map((j) => all.find((s) => s.julesId === j));
    if (mine.some((s) => !s)) return false;
    const notes = (await api.keeper.notifications({ status: 'all' })).items;
    if (notes.filter((n) => n.kind === 'plan_held').length < 3) return false;
    [held[0], held[1], longOne, stalled] = mine as SessionSummary[];
    return true;
  }, 'three held plans', 45_000);
  held = held.slice(0, 2);
  p = await openPage(stack, { viewport: { width: 1440, height: 900 } });
  await login(p, stack.orch.url, stack.key, '/sessions');
}, 90_000);

afterAll(async () => {
  await stack?.close();
});

const bellItem = (id: string) => p.page.locator(`[data-testid=notifications-panel] [data-testid=notification][data-id="${id}"]`);
async function openBell(w: WatchedPage = p) {
  if (!(await w.page.getByTestId('notifications-panel').isVisible())) await w.page.getByTestId('bell').click();
  await w.page.getByTestId('notifications-panel').waitFor();
}
const noteOf = async (sessionId: string): Promise<KeeperNotification> => (await api.keeper.notifications({ status: 'all', sessionId })).items[0]!;

describe('keeper notifications and labels in chromium', () => {
  it('shows "Plan held" in the bell with the unread count and a link to the session; approving the plan resolves it', async () => {
    const { page } = p;
    // The bell is the notification center (issue #15): keeper notifications reach it with the keeper's ids.
    const unread = (await api.inbox.counts()).unread;
    expect(unread).toBeGreaterThanOrEqual(3);
    await page.getByTestId('bell-count').filter({ hasText: String(unread) }).waitFor();
    expect(await page.getByTestId('bell').getAttribute('aria-label')).toBe(`Notifications, ${unread} unread`);
    await openBell();
    const first = await noteOf(held[0]!.id);
    const item = bellItem(first.id);
    await item.waitFor();
    expect(await item.getAttribute('data-status')).toBe('unread');
    expect(await item.locator('.ntc-title').textContent()).toBe(`Plan held: ${held[0]!.title}`);
    expect(await item.getByRole('link', { name: 'Session' }).getAttribute('href')).toBe(`/sessions/${encodeURIComponent(held[0]!.id)}`);
    await p.shot('keeper-bell-1440-light');
    // Escape closes the panel and gives the focus back to the bell.
    await page.keyboard.press('Escape');
    await page.getByTestId('notifications-panel').waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('bell');

    // Follow the link, approve the plan there: the notification resolves itself and leaves the bell.
    await openBell();
    await bellItem(first.id).getByRole('link', { name: 'Session' }).click();
    await page.getByTestId('session-detail').waitFor();
    await page.getByRole('button', { name: 'Approve plan' }).click();
    const resolved = await eventually(async () => {
      const n = await noteOf(held[0]!.id);
      return n.status === 'resolved' ? n : undefined;
    }, 'the held plan to resolve', 30_000);
    expect(resolved.resolvedReason).toMatch(/plan was approved|moved on/);
    await eventually(async () => (await api.inbox.get(first.id)).status === 'resolved', 'the center to mirror the resolution');
    await openBell();
    await bellItem(first.id).waitFor({ state: 'detached' });
    await page.getByTestId('bell-count').filter({ hasText: String(unread - 1) }).waitFor();
    // Still listed (with why it resolved) under All on the notifications page.
    await page.keyboard.press('Escape');
    await page.goto(`${stack.orch.url}/notifications?view=all`);
    const row = page.locator(`[data-testid=notifications-list] [data-testid=notification][data-id="${first.id}"]`);
    await row.and(page.locator('[data-status=resolved]')).waitFor();
    expect(await row.textContent()).toContain(resolved.resolvedReason!);
  });

  it('dismisses another from the bell: it leaves the list and the count, for every tab', async () => {
    const { page } = p;
    const other = await openPage(stack, { viewport: { width: 1440, height: 900 } });
    await login(other, stack.orch.url, stack.key, '/keeper');
    const second = await noteOf(held[1]!.id);
    await openBell();
    await bellItem(second.id).getByRole('button', { name: `Dismiss: ${second.title}` }).click();
    await bellItem(second.id).waitFor({ state: 'detached' });
    expect((await noteOf(held[1]!.id)).status).toBe('dismissed');
    // The count follows (other notices may arrive on the live stack meanwhile: the bell shows the server's count).
    expect((await api.inbox.list({ view: 'unread', limit: 200 })).items.map((n) => n.id)).not.toContain(second.id);
    await bellFollowsServer(page, async () => (await api.inbox.counts()).unread);
    // The other tab hears of it (inbox.updated, notification.updated) without a reload.
    await bellFollowsServer(other.page, async () => (await api.inbox.counts()).unread);
    expect(await other.page.locator(`[data-testid=keeper-notifications] [data-id="${second.id}"]`).count()).toBe(0);
    expect(other.errors).toEqual([]);
    await other.context.close();
  });

  it('labels the keeper\'s message "Keeper" in the activity list', async () => {
    const { page } = p;
    await eventually(async () => (await api.keeper.session(stalled.id)).messages.length > 0, 'the keeper to nudge the stalled session', 30_000);
    await page.goto(`${stack.orch.url}/sessions/${stalled.id}`);
    const mine = page.locator('[data-testid=timeline] [data-author=keeper]');
    await mine.first().waitFor();
    expect(await mine.first().locator('.tl-head strong').textContent()).toBe('Keeper (nudged)');
    const nudge = (await api.keeper.session(stalled.id)).actions.find((a) => a.kind === 'nudge')!;
    expect(await mine.first().locator('.tl-body').textContent()).toBe(nudge.message);
    // Nothing the keeper sent is shown as "You".
    expect(await page.locator('[data-testid=timeline] .tl-user').count()).toBe(0);
    await p.shot('keeper-message-label-1440-light');
  });

  it('changes a keeper limit through its input, shows a server field error next to the field, and keeps the saved value after a reload', async () => {
    const { page } = p;
    await page.goto(`${stack.orch.url}/keeper`);
    const answers = page.getByTestId('limit-answers.maxPerSession');
    await answers.waitFor();
    expect([await answers.getAttribute('min'), await answers.getAttribute('max')]).toEqual(['0', '100']);
    // Out of range: the server refuses and names the field; the message sits next to the input.
    await answers.fill('1000');
    await page.getByTestId('settings-save').click();
    await page.locator('#ks-answers-maxPerSession-error').waitFor();
    expect(await answers.getAttribute('aria-invalid')).toBe('true');
    expect((await api.keeper.settings()).answers.maxPerSession).toBe(5);
    await answers.fill('7');
    const stall = page.getByTestId('limit-stall.thresholds.IN_PROGRESS');
    // 1,000 ms shown in minutes.
    expect(await stall.inputValue()).toBe('0.02');
    await page.getByTestId('limit-historyHorizonHours').fill('48');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor();
    expect((await api.keeper.settings()).answers.maxPerSession).toBe(7);
    expect((await api.keeper.settings()).historyHorizonHours).toBe(48);
    // A value shown rounded (1,000 ms as 0.02 min) and not edited is not sent back.
    expect((await api.keeper.settings()).stall.thresholds.IN_PROGRESS).toBe(1000);
    await page.reload();
    await page.getByTestId('limit-answers.maxPerSession').waitFor();
    expect(await page.getByTestId('limit-answers.maxPerSession').inputValue()).toBe('7');
    expect(await page.getByTestId('limit-historyHorizonHours').inputValue()).toBe('48');

    // Clicking a switch's label text does not toggle it; the switch itself does.
    const sw = page.getByTestId('feature-stall.enabled');
    expect(await sw.getAttribute('aria-checked')).toBe('true');
    await page.locator('#ks-stall-enabled-label').click();
    expect(await sw.getAttribute('aria-checked')).toBe('true');
    expect(await page.getByRole('switch', { name: 'Nudge stalled sessions' }).count()).toBe(1);

    // Hold words are listed and editable: add one, remove one, save.
    const chips = page.getByTestId('hold-words');
    expect(await chips.locator('.chip-text').allTextContents()).toEqual((await api.keeper.settings()).approval.holdWords);
    await page.getByLabel('New hold word').fill('payments');
    await page.getByLabel('New hold word').press('Enter');
    await page.getByRole('button', { name: 'Remove hold word truncate' }).click();
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor();
    const words = (await api.keeper.settings()).approval.holdWords;
    expect(words).toContain('payments');
    expect(words).not.toContain('truncate');
    await p.shot('keeper-settings-1440-light');
    expect(p.errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });

  it('has no horizontal overflow at 390 px with a 2,000-character token in a log entry and a notification, light and dark', async () => {
    const log = await api.keeper.logs({ sessionId: longOne.id });
    expect(log.items[0]?.sessionTitle).toBe(LONG);
    for (const scheme of ['light', 'dark'] as const) {
      const w = await openPage(stack, { viewport: { width: 390, height: 844 }, colorScheme: scheme });
      await login(w, stack.orch.url, stack.key, '/keeper');
      await w.page.getByTestId('keeper-log').getByText(LONG).first().waitFor();
      let m = await noOverflow(w);
      expect(m.scroll, `keeper page (${scheme})`).toBeLessThanOrEqual(m.client);
      await w.shot(`keeper-page-390-${scheme}`);
      await openBell(w);
      m = await noOverflow(w);
      expect(m.scroll, `bell panel (${scheme})`).toBeLessThanOrEqual(m.client);
      // The panel as it shows on the phone's screen (not the full page).
      await w.page.screenshot({ path: path.join(ARTIFACTS, `keeper-bell-390-${scheme}.png`) });
      await w.page.keyboard.press('Escape');
      await w.page.goto(`${stack.orch.url}/sessions/${longOne.id}`);
      await w.page.getByTestId('session-detail').waitFor();
      m = await noOverflow(w);
      expect(m.scroll, `session page (${scheme})`).toBeLessThanOrEqual(m.client);
      await w.shot(`keeper-session-390-${scheme}`);
      expect(w.errors).toEqual([]);
      await w.context.close();
    }
  });

  it('shows what is known of a gone session instead of an error, and hides "Open in Jules" for simulated sessions', async () => {
    const { page } = p;
    await page.goto(`${stack.orch.url}/sessions/${held[0]!.id}`);
    await page.getByTestId('session-detail').waitFor();
    expect(await page.getByTestId('open-in-jules').count()).toBe(0);
    // The session vanishes from Jules: the mirror marks it deleted; its page says so and shows the ledger.
    await api.sessions.remove(held[1]!.id);
    await page.goto(`${stack.orch.url}/sessions/${held[1]!.id}`);
    const gone = page.getByTestId('session-gone');
    await p.expectingErrors(/404/, async () => {
      await gone.waitFor();
    });
    const text = await gone.textContent();
    expect(text).toContain('This session no longer exists on Jules (or was removed from this workspace)');
    expect(text).toContain(held[1]!.title);
    expect(text).toContain('hold');
    expect(text).toContain('acme-corp/storefront');
    expect(text).not.toContain('Try again');
    await p.shot('keeper-gone-session-1440-light');
    await p.expectingErrors(/404/, async () => {
      await page.goto(`${stack.orch.url}/sessions/never-was-here`);
      await page.getByTestId('session-unknown').waitFor();
    });
  });
});

describe('"Open in Jules" for a session on a real Jules account', () => {
  it('links a session of an account connected with a key (not the simulator) to Jules', async () => {
    // The simulator as a remote Jules API: the orchestrator sees an "env" account, as with a real key.
    const KEY = 'jules-open-in-jules-key-0123456789';
    const sim = createJulesSimulator({ apiKeys: [KEY], sessions: 0, seed: 3 });
    const srv = await sim.listen(0, '127.0.0.1');
    const real = await startStack({ JULES_API_KEY: KEY, JULES_API_BASE_URL: srv.baseUrl, JULES_POLL_INTERVAL_MS: '500' });
    try {
      const c = createClient({ baseUrl: real.orch.url, apiKey: real.key });
      expect((await c.sessions.accounts.list()).items.map((a) => a.origin)).toEqual(['env']);
      const w = sim.createSession({ prompt: 'Fix the footer', title: 'Fix the footer', source: 'sources/github/acme-corp/storefront', startingBranch: 'main' });
      const s = await eventually(async () => (await c.sessions.listAll()).find((x) => x.julesId === w.id), 'the session to be mirrored', 30_000);
      const page = await openPage(real);
      await login(page, real.orch.url, real.key, `/sessions/${s.id}`);
      await page.page.getByTestId('session-detail').waitFor();
      const link = page.page.getByTestId('open-in-jules');
      await link.waitFor();
      expect(await link.getAttribute('href')).toBe(`https://jules.google.com/session/${w.id}`);
      expect(page.errors).toEqual([]);
      await page.context.close();
    } finally {
      await real.close();
      await srv.close();
    }
  }, 90_000);
});
