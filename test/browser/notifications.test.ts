import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Notice } from '@autopilot/contracts';
import { createClient, type ApiClient } from '../../packages/client/src/index';
import { ARTIFACTS, eventually, login, openPage, startStack, type Stack, type WatchedPage } from './harness';

/*
 * Issue #15's notification center in a real browser (demo mode, the simulator in-process): a plan the keeper holds
 * shows up in the header bell live (no reload) with the unread count; dismissing it persists across a reload and
 * the API lists it as dismissed. Then /notifications and /channels on a phone in the dark theme, without
 * horizontal overflow even with a 300-character unbroken title; a viewer without write buttons; snooze from the bell
 * and bulk mark-read from the page.
 */

let stack: Stack;
let api: ApiClient;
let p: WatchedPage;
const LONG = `title${'y'.repeat(295)}`;

const FIXTURE_NAME = `Ops receiver ${'z'.repeat(200)}`;
const T = '2026-12-02T10:00:00.000Z';
const channel = (over: Record<string, unknown>) => ({
  id: 'ch_1', name: FIXTURE_NAME, kind: 'webhook', enabled: true, disabledReason: null, target: `https://ops.example.com/hooks/${'a'.repeat(300)}`,
  filters: { eventTypes: ['inbox.raised', 'session.*'], severities: ['warning', 'critical'], repos: ['acme-corp/storefront'] }, secretLast4: 'x9Q=',
  delivered: 12, failed: 1, pending: 1, consecutiveFailures: 0, lastDeliveryAt: T, createdAt: T, updatedAt: T, ...over,
});
const delivery = (id: string, status: string, over: Record<string, unknown> = {}) => ({
  id, channelId: 'ch_1', eventId: `ev_${id}`, eventType: 'inbox.raised', status, attempts: 2, nextAttemptAt: null, lastError: null, createdAt: T, deliveredAt: null, ...over,
});

/** Answers the channels API from fixtures in this page only (the server's channels feature is tested on its own). */
async function serveChannelFixtures(w: WatchedPage) {
  const failedOne = delivery('dl_2', 'failed', { attempts: 8, lastError: `HTTP 503 ${'e'.repeat(250)}` });
  const json = (body: unknown) => ({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
  await w.page.route(/\/api\/channel(s|-deliveries)(\/|\?|$)/, (route) => {
    const url = new URL(route.request().url());
    // /api/channel-deliveries/{id} is one delivery; /api/channels/{id}/deliveries a channel's list.
    const parts = url.pathname.replace('/api/channel-deliveries/', '/api/channels/deliveries/').split('/').slice(3);
    if (parts.length === 0) return route.fulfill(json({ items: [channel({}), channel({ id: 'ch_2', name: 'Slack #ops', kind: 'slack', enabled: false, disabledReason: '8 deliveries in a row failed', target: 'https://hooks.slack.com/services/T0/B0/…', secretLast4: null, consecutiveFailures: 8, filters: { eventTypes: ['*'] } })], nextCursor: null }));
    if (parts[0] === 'deliveries') return route.fulfill(json({ ...failedOne, payload: { type: 'inbox.raised' }, attemptLog: [1, 2].map((n) => ({ n, at: T, statusCode: 503, ok: false, durationMs: 120 * n, error: 'HTTP 503', manual: n === 2 })) }));
    if (parts[1] === 'deliveries') return route.fulfill(json({ items: [delivery('dl_1', 'delivered', { deliveredAt: T, attempts: 1 }), failedOne, delivery('dl_3', 'pending', { nextAttemptAt: T, lastError: 'timed out' })], nextCursor: null }));
    return route.fulfill(json(channel({})));
  });
}

const noOverflow = (w: WatchedPage) => w.page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));

function holdPlan(title: string): string {
  return stack.orch.jules.simulator!.createSession({
    prompt: `approval: ${title.slice(0, 60)}`, title, source: 'sources/github/acme-corp/storefront', startingBranch: 'main', requirePlanApproval: true, behaviour: 'approval',
  }).id;
}

async function heldNotice(julesId: string): Promise<Notice> {
  return eventually(async () => {
    const s = (await api.sessions.listAll()).find((x) => x.julesId === julesId);
    if (!s) return undefined;
    return (await api.inbox.list({ view: 'all', sessionId: s.id })).items.find((n) => n.kind === 'plan_held');
  }, 'the held plan to become a notification', 30_000);
}

beforeAll(async () => {
  stack = await startStack({ JULES_DEMO_SESSIONS: '0', JULES_DEMO_SPEED: '60', JULES_POLL_INTERVAL_MS: '500', KEEPER_DISCOVER_INTERVAL_MS: '300' });
  api = createClient({ baseUrl: stack.orch.url, apiKey: stack.key });
  await api.keeper.updateSettings({ intervals: { tickMs: 300, activeMs: 300, waitingMs: 300 }, stall: { enabled: false }, approval: { defaultRequirePlanApproval: true } });
  p = await openPage(stack, { viewport: { width: 1280, height: 900 } });
  await login(p, stack.orch.url, stack.key, '/sessions');
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const bellItem = (id: string) => p.page.locator(`[data-testid=notifications-panel] [data-testid=notification][data-id="${id}"]`);

describe('the notification center in chromium', () => {
  it('shows a held plan in the bell live with the unread count; dismissing it persists after a reload', async () => {
    const { page } = p;
    const before = (await api.inbox.counts()).unread;
    await page.getByTestId('bell').click();
    await page.getByTestId('notifications-panel').waitFor();

    // The keeper holds a plan while the panel is open: the notice arrives without a reload.
    const title = 'Add rate limiting to the login form';
    const note = await heldNotice(holdPlan(title));
    expect(note.status).toBe('unread');
    expect(note.severity).toBe('warning');
    const item = bellItem(note.id);
    await item.waitFor({ timeout: 15_000 });
    expect(await item.getAttribute('data-status')).toBe('unread');
    expect(await item.getAttribute('data-kind')).toBe('plan_held');
    expect(await item.locator('.ntc-title').textContent()).toBe(note.title);
    expect(note.title).toContain(title);
    // Severity is said in words too, not by colour alone; the link goes to the session.
    expect(await item.locator('[data-severity=warning]').first().textContent()).toContain('Warning');
    expect(await item.getByRole('link', { name: 'Session' }).getAttribute('href')).toBe(`/sessions/${encodeURIComponent(note.sessionId!)}`);
    const unread = (await api.inbox.counts()).unread;
    expect(unread).toBe(before + 1);
    await page.getByTestId('bell-count').filter({ hasText: new RegExp(`^${unread}$`) }).waitFor();
    expect(await page.getByTestId('bell').getAttribute('aria-label')).toBe(`Notifications, ${unread} unread`);
    await p.shot('inbox-bell-1280-light');

    // Dismiss it: it leaves the panel and the count, and the server has it dismissed.
    await item.getByRole('button', { name: `Dismiss: ${note.title}` }).click();
    await item.waitFor({ state: 'detached' });
    await eventually(async () => (await api.inbox.get(note.id)).status === 'dismissed', 'the notice to be dismissed');
    await page.locator(unread - 1 > 0 ? `[data-testid=bell-count]:text-is("${unread - 1}")` : '[data-testid=bell]:not(:has([data-testid=bell-count]))').waitFor();

    // After a reload it is still gone from the bell, and listed among the dismissed.
    await page.reload();
    await page.getByTestId('workspace').waitFor();
    await page.getByTestId('bell').click();
    await page.getByTestId('notifications-panel').waitFor();
    // The panel's list as answered after the reload (not the loading state).
    await page.locator('[data-testid=notifications-panel] .ntc-list[data-loaded=true]').waitFor({ state: 'attached' });
    expect(await bellItem(note.id).count()).toBe(0);
    const dismissed = await api.inbox.list({ view: 'dismissed' });
    expect(dismissed.items.map((n) => n.id)).toContain(note.id);
    expect((await api.inbox.list({ view: 'inbox' })).items.map((n) => n.id)).not.toContain(note.id);

    // The page's Dismissed view shows it with a way back.
    await page.keyboard.press('Escape');
    await page.goto(`${stack.orch.url}/notifications?view=dismissed`);
    const row = page.locator(`[data-testid=notifications-list] [data-testid=notification][data-id="${note.id}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('dismissed');
    expect(await row.getByRole('button', { name: `Bring back: ${note.title}` }).count()).toBe(1);
    expect(p.errors).toEqual([]);
  });

  it('has no horizontal overflow on /notifications and /channels at 390 px in the dark theme', async () => {
    const long = await heldNotice(holdPlan(LONG));
    expect(long.title).toContain(LONG);
    const w = await openPage(stack, { viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    await login(w, stack.orch.url, stack.key, '/notifications');
    await w.page.locator(`[data-testid=notifications-list] [data-id="${long.id}"]`).waitFor();
    await w.page.getByTestId('notices-chart').waitFor();
    let m = await noOverflow(w);
    expect(m.scroll, '/notifications').toBeLessThanOrEqual(m.client);
    await w.shot('inbox-notifications-390-dark');

    await w.page.getByTestId('bell').click();
    await w.page.getByTestId('notifications-panel').waitFor();
    m = await noOverflow(w);
    expect(m.scroll, 'bell panel').toBeLessThanOrEqual(m.client);
    await w.page.screenshot({ path: path.join(ARTIFACTS, 'inbox-bell-390-dark.png') });
    await w.page.keyboard.press('Escape');

    // The Channels pages with every state a channel can show (long names and targets, disabled with a reason, a
    // delivery that failed with its attempts), answered by contract-shaped fixtures: this checks the layout only.
    await serveChannelFixtures(w);
    await w.page.goto(`${stack.orch.url}/channels`);
    await w.page.getByTestId('channels-page').waitFor();
    await w.page.locator('[data-testid=channel]').nth(1).waitFor();
    expect(await w.page.locator('[data-testid=channel][data-id=ch_2]').textContent()).toContain('Disabled: 8 deliveries in a row failed');
    m = await noOverflow(w);
    expect(m.scroll, '/channels').toBeLessThanOrEqual(m.client);
    await w.shot('channels-390-dark');
    await w.page.getByRole('link', { name: FIXTURE_NAME }).click();
    await w.page.getByTestId('channel-detail').waitFor();
    const failed = w.page.locator('[data-testid=delivery][data-status=failed]');
    await failed.getByRole('button', { name: 'Attempts' }).click();
    await failed.getByTestId('attempts').locator('li').nth(1).waitFor();
    expect(await failed.getByRole('button', { name: /^Retry delivery/ }).count()).toBe(1);
    m = await noOverflow(w);
    expect(m.scroll, '/channels/:id').toBeLessThanOrEqual(m.client);
    await w.shot('channel-detail-390-dark');
    await w.page.goto(`${stack.orch.url}/channels`);
    await w.page.getByTestId('channels-page').waitFor();

    // The add dialog fits the phone too.
    await w.page.getByRole('button', { name: 'Add channel' }).click();
    await w.page.getByTestId('add-channel-dialog').waitFor();
    await w.page.getByRole('radio', { name: 'Webhook' }).check();
    m = await noOverflow(w);
    expect(m.scroll, 'add channel dialog').toBeLessThanOrEqual(m.client);
    await w.page.screenshot({ path: path.join(ARTIFACTS, 'channels-add-390-dark.png') });
    expect(w.errors).toEqual([]);
    await w.context.close();
  });

  it('gives a viewer the notices without write buttons', async () => {
    const viewerKey = (await api.keys.create({ name: 'inbox-viewer', role: 'viewer' })).key;
    const v = await openPage(stack);
    await login(v, stack.orch.url, viewerKey, '/notifications');
    await v.page.locator('[data-testid=notifications-list] [data-testid=notification]').first().waitFor();
    expect(await v.page.locator('[data-testid=notifications-list] button').count()).toBe(0);
    expect(await v.page.locator('[data-testid=notifications-list] input[type=checkbox]').count()).toBe(0);
    expect(await v.page.getByRole('button', { name: /Mark all matching|Dismiss all matching/ }).count()).toBe(0);
    await v.page.getByTestId('bell').click();
    await v.page.getByTestId('notifications-panel').waitFor();
    expect(await v.page.getByTestId('notifications-panel').getByRole('button').count()).toBe(0);
    await serveChannelFixtures(v);
    await v.page.goto(`${stack.orch.url}/channels`);
    await v.page.locator('[data-testid=channel]').first().waitFor();
    expect(await v.page.getByTestId('channels-page').getByRole('button').count()).toBe(0);
    expect(v.errors).toEqual([]);
    await v.context.close();
  });

  it('snoozes from the bell until tomorrow 9:00, and marks read in bulk from the page', async () => {
    const { page } = p;
    const note = await heldNotice(holdPlan('Rename the billing helpers'));
    await page.goto(`${stack.orch.url}/sessions`);
    await page.getByTestId('bell').click();
    const item = bellItem(note.id);
    await item.waitFor();
    await item.getByLabel(`Snooze: ${note.title}`).click();
    await item.getByRole('button', { name: 'Until tomorrow 9:00' }).click();
    await item.waitFor({ state: 'detached' });
    const snoozed = await eventually(async () => {
      const n = await api.inbox.get(note.id);
      return n.status === 'snoozed' ? n : undefined;
    }, 'the notice to be snoozed');
    const until = new Date(snoozed.snoozedUntil!);
    // 9:00 in the browser's zone (the same machine's zone here), on a later day.
    expect([until.getHours(), until.getMinutes()]).toEqual([9, 0]);
    expect(until.getTime()).toBeGreaterThan(Date.now());
    await page.keyboard.press('Escape');

    // The page: the snoozed view has it; the inbox view's unread ones are marked read by selection.
    await page.goto(`${stack.orch.url}/notifications?view=snoozed`);
    await page.locator(`[data-testid=notifications-list] [data-id="${note.id}"][data-status=snoozed]`).waitFor();
    await page.getByLabel('Show', { exact: true }).selectOption('unread');
    await page.waitForURL(/view=unread/);
    const rows = page.locator('[data-testid=notifications-list] [data-testid=notification]');
    await rows.first().waitFor();
    const ids = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!));
    expect(ids.length).toBeGreaterThan(0);
    await page.getByLabel('Select all shown').check();
    await page.getByRole('toolbar').getByRole('button', { name: 'Mark read', exact: true }).click();
    await page.getByTestId('notifications-empty').waitFor();
    for (const id of ids) expect((await api.inbox.get(id)).status).toBe('read');
    expect((await api.inbox.counts()).unread).toBe(0);
    await page.locator('[data-testid=bell]:not(:has([data-testid=bell-count]))').waitFor();
    expect(p.errors).toEqual([]);
  });
});
