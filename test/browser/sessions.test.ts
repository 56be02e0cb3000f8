import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionSummary } from '@autopilot/contracts';
import { createClient, type ApiClient } from '../../packages/client/src/index';
import { eventually, login, openPage, startStack, type Stack, type WatchedPage } from './harness';

/*
 * Issue #6 in a real browser: the orchestrator runs the simulator in-process (demo mode) with no pre-made sessions;
 * the test creates sessions with forced behaviours so each one settles in a known state, then drives the UI.
 */

let stack: Stack;
let api: ApiClient;
let p: WatchedPage;
const byBehaviour: Record<string, SessionSummary[]> = {};

const BEHAVIOURS = { approval: 2, question: 2, fail: 2, happy: 3, stuck: 2 } as const;
const SETTLED: Record<keyof typeof BEHAVIOURS, string> = {
  approval: 'AWAITING_PLAN_APPROVAL',
  question: 'AWAITING_USER_FEEDBACK',
  fail: 'FAILED',
  happy: 'COMPLETED',
  stuck: 'IN_PROGRESS',
};

beforeAll(async () => {
  stack = await startStack({ JULES_DEMO_SESSIONS: '0', JULES_DEMO_SPEED: '60', JULES_POLL_INTERVAL_MS: '500', KEEPER_DISCOVER_INTERVAL_MS: '300' });
  api = createClient({ baseUrl: stack.orch.url, apiKey: stack.key });
  // The keeper would approve plans and answer questions before the test gets to; it is switched on later.
  await api.keeper.updateSettings({ enabled: false });
  const sim = stack.orch.jules.simulator!;
  const julesIds: Record<string, string[]> = {};
  let n = 0;
  for (const [behaviour, count] of Object.entries(BEHAVIOURS)) {
    for (let i = 0; i < count; i++) {
      const s = sim.createSession({
        prompt: `${behaviour} task ${i + 1}: improve the ${['parser', 'scheduler', 'webhooks'][n++ % 3]}`,
        title: `${behaviour} ${i + 1}`,
        source: n % 2 ? 'sources/github/acme-corp/storefront' : 'sources/github/acme-corp/payments-api',
        startingBranch: 'main',
        requirePlanApproval: behaviour === 'approval',
        behaviour: behaviour as keyof typeof BEHAVIOURS,
      });
      (julesIds[behaviour] ??= []).push(s.id);
    }
  }
  // Wait until the mirror holds every session in its settled state.
  let lastSeen = '';
  await eventually(async () => {
    const all = await api.sessions.listAll();
    lastSeen = JSON.stringify(all.map((s) => [s.title, s.state]));
    for (const [behaviour, ids] of Object.entries(julesIds)) {
      const found = all.filter((s) => ids.includes(s.julesId));
      if (found.length !== ids.length || found.some((s) => s.state !== SETTLED[behaviour as keyof typeof BEHAVIOURS])) return false;
      byBehaviour[behaviour] = found;
    }
    return true;
  }, 'sessions to settle', 45_000).catch((err: Error) => {
    throw new Error(`${err.message}; last seen ${lastSeen}`);
  });
  p = await openPage(stack, { viewport: { width: 1600, height: 900 } });
  await login(p, stack.orch.url, stack.key, '/sessions');
}, 90_000);

afterAll(async () => {
  await stack?.close();
});

const card = (id: string) => p.page.locator(`[data-testid=session-card][data-session-id="${id}"]`);
const column = (col: string) => p.page.getByTestId(`column-${col}`);

describe('sessions board and detail in chromium', () => {
  it('shows every session in the column of what it needs, with counts', async () => {
    const { page } = p;
    await page.getByTestId('board').waitFor();
    const expected = { approval: 2, input: 2, stuck: 0, running: 2, queued: 0, failed: 2, completed: 3 };
    for (const [col, n] of Object.entries(expected)) {
      await page.locator(`[data-testid=count-${col}]`, { hasText: new RegExp(`^${n}$`) }).waitFor();
    }
    const where = { approval: 'approval', question: 'input', fail: 'failed', happy: 'completed', stuck: 'running' } as const;
    for (const [behaviour, col] of Object.entries(where)) {
      for (const s of byBehaviour[behaviour]) expect(await column(col).locator(`[data-session-id="${s.id}"]`).count()).toBe(1);
    }
    await p.shot('sessions-board');
    expect(p.errors).toEqual([]);
  });

  it('moves a card live when its session changes state, without a reload', async () => {
    const { page } = p;
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    const s = byBehaviour.stuck[0];
    expect(await column('running').locator(`[data-session-id="${s.id}"]`).count()).toBe(1);
    stack.orch.jules.simulator!.setSessionState(s.julesId, 'COMPLETED');
    await column('completed').locator(`[data-session-id="${s.id}"]`).waitFor();
    expect(await column('running').locator(`[data-session-id="${s.id}"]`).count()).toBe(0);
    await page.locator('[data-testid=count-completed]', { hasText: /^4$/ }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await p.shot('sessions-board-after-live-move');
    expect(p.errors).toEqual([]);
  });

  it('filters by text and state, and lists the result in the table view', async () => {
    const { page } = p;
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('filter-text');
    await page.getByLabel('Search sessions').fill('fail task');
    await page.getByTestId('session-total').filter({ hasText: /^2 of 11$/ }).waitFor();
    await page.getByLabel('Search sessions').fill('');
    await page.getByLabel('State').selectOption('AWAITING_USER_FEEDBACK');
    await page.getByRole('button', { name: 'Table' }).click();
    await page.getByTestId('session-table').waitFor();
    const rows = page.getByTestId('session-table').locator('[role=row][data-session-id]');
    await eventually(async () => (await rows.count()) === 2, 'two table rows', 5000);
    expect(page.url()).toContain('state=AWAITING_USER_FEEDBACK');
    expect(page.url()).toContain('view=table');
    await p.shot('sessions-table-filtered');
    await page.getByLabel('State').selectOption('');
    await page.getByRole('button', { name: 'Board' }).click();
    await page.getByTestId('board').waitFor();
    expect(p.errors).toEqual([]);
  });

  it('approves a plan from the detail page and shows the new state', async () => {
    const { page } = p;
    const s = byBehaviour.approval[0];
    await card(s.id).click();
    await page.getByTestId('session-detail').waitFor();
    await page.getByTestId('plan').waitFor();
    expect(await page.getByTestId('plan').locator('li').count()).toBeGreaterThan(0);
    await p.shot('session-plan-awaiting');
    await page.getByRole('button', { name: 'Approve plan' }).click();
    await page.getByRole('button', { name: 'Approve plan' }).waitFor({ state: 'detached' });
    await eventually(async () => (await page.locator('.page-head [data-state]').getAttribute('data-state')) !== 'AWAITING_PLAN_APPROVAL', 'the state to leave AWAITING_PLAN_APPROVAL');
    await page.getByTestId('timeline').locator('[data-kind=planApproved]').waitFor();
    expect((await api.sessions.get(s.id)).state).not.toBe('AWAITING_PLAN_APPROVAL');
    await p.shot('session-plan-approved');
    expect(p.errors).toEqual([]);
  });

  it('sends a message to a session that asked a question', async () => {
    const { page } = p;
    const s = byBehaviour.question[0];
    await page.goto(`${stack.orch.url}/sessions/${s.id}`);
    await page.getByTestId('session-detail').waitFor();
    const box = page.locator('textarea#message');
    expect(await page.locator('label[for=message]').textContent()).toBe('Jules is waiting for your answer');
    await box.fill('Use the existing retry helper, please.');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('timeline').locator('[data-kind=userMessaged]', { hasText: 'Use the existing retry helper' }).waitFor();
    expect(await box.inputValue()).toBe('');
    await p.shot('session-message-sent');
    expect(p.errors).toEqual([]);
  });

  it('opens a diff: file list with counts, unified and split views', async () => {
    const { page } = p;
    const s = byBehaviour.happy[0];
    await page.goto(`${stack.orch.url}/sessions/${s.id}`);
    const diff = page.getByTestId('diff');
    await diff.waitFor();
    const files = diff.getByRole('list', { name: 'Changed files' }).getByRole('button');
    expect(await files.count()).toBeGreaterThan(0);
    expect(await files.first().textContent()).toMatch(/\+\d+−\d+$/);
    await files.last().click();
    const name = (await files.last().getAttribute('title'))!;
    expect(await page.getByTestId('diff-file').locator('.diff-file-head').textContent()).toContain(name);
    expect(await page.locator('.diff-unified tr.diff-add').count()).toBeGreaterThan(0);
    await p.shot('session-diff-unified');
    await diff.getByRole('button', { name: 'Split' }).click();
    await page.locator('.diff-split').waitFor();
    await p.shot('session-diff-split');
    expect(p.errors).toEqual([]);
  });

  it('creates a session from the dialog, checking fields with the contract first', async () => {
    const { page } = p;
    await page.goto(`${stack.orch.url}/sessions`);
    await page.getByTestId('board').waitFor();
    await page.keyboard.press('n');
    const dialog = page.getByTestId('create-dialog');
    // The native dialog takes focus (the prompt first) and Escape closes it.
    await dialog.getByLabel('Prompt').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('new-prompt');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'New session' }).click();
    await dialog.getByLabel('Prompt').fill('[sim:approval] Add a health check endpoint');
    // A repository Jules does not list for the account is named before anything is sent.
    await dialog.getByLabel('Repository').fill('sources/github/acme-corp/no-such-repo');
    await dialog.getByRole('button', { name: 'Create session' }).click();
    await dialog.getByText("Jules has no access to acme-corp/no-such-repo on account Simulator (demo): connect it in Jules' GitHub settings").waitFor();
    await p.shot('session-create-validation');
    // A listed one prefills its default branch; without a branch the contract's rule is shown.
    await dialog.getByLabel('Repository').fill('sources/github/acme-corp/storefront');
    await eventually(async () => (await dialog.getByLabel('Starting branch').inputValue()) === 'main', 'the default branch');
    await dialog.getByLabel('Starting branch').fill('');
    await dialog.getByRole('button', { name: 'Create session' }).click();
    await dialog.getByText('Choose the branch Jules starts from').waitFor();
    await dialog.getByLabel('Starting branch').fill('main');
    await dialog.getByRole('button', { name: 'Create session' }).click();
    await page.getByTestId('session-detail').waitFor();
    expect(await page.locator('.session-detail h1').textContent()).toBeTruthy();
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const created = await api.sessions.get(id);
    expect(created.prompt).toContain('Add a health check endpoint');
    expect(created.requirePlanApproval).toBe(true);
    expect(p.errors).toEqual([]);
  });

  it('pauses and resumes the keeper for one session from its detail page', async () => {
    const { page } = p;
    const s = byBehaviour.approval[1];
    await page.goto(`${stack.orch.url}/sessions/${s.id}`);
    const sw = page.getByTestId('keeper-switch');
    await sw.waitFor();
    expect(await sw.getAttribute('aria-checked')).toBe('true');
    await sw.click();
    await page.locator('[data-testid=keeper-switch][aria-checked=false]').waitFor();
    expect((await api.keeper.session(s.id)).paused).toBe(true);
    await p.shot('session-keeper-paused');
    await sw.press('Space');
    await page.locator('[data-testid=keeper-switch][aria-checked=true]').waitFor();
    expect((await api.keeper.session(s.id)).paused).toBe(false);
    expect(p.errors).toEqual([]);
  });

  it('moves a session into Stuck live when the keeper flags it, with a toast', async () => {
    const { page } = p;
    await page.goto(`${stack.orch.url}/sessions`);
    const s = byBehaviour.stuck[1];
    await column('running').locator(`[data-session-id="${s.id}"]`).waitFor();
    // Only stuck detection: plans wait for a human, questions are not answered, nothing is nudged.
    await api.keeper.updateSettings({
      enabled: true,
      intervals: { tickMs: 100, activeMs: 100, waitingMs: 100 },
      approval: { policy: 'never' },
      answers: { enabled: false },
      stall: { enabled: false },
      stuck: { enabled: true, quietMs: 200 },
      selfHeal: { enabled: false },
      autoContinue: { enabled: false },
    });
    await column('stuck').locator(`[data-session-id="${s.id}"]`).waitFor();
    await page.locator('[data-testid=count-stuck]', { hasText: /^1$/ }).waitFor();
    await page.locator('.toast', { hasText: 'Done but stuck' }).waitFor();
    await p.shot('sessions-board-stuck');
    await page.getByRole('link', { name: 'Keeper' }).click();
    await page.getByTestId('keeper-log').getByText('stuck', { exact: true }).first().waitFor();
    await p.shot('keeper-page');
    expect(p.errors).toEqual([]);
  });

  it('works on a phone in the dark theme', async () => {
    const phone = await openPage(stack, { viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    await login(phone, stack.orch.url, stack.key, '/sessions');
    await phone.page.getByTestId('board').waitFor();
    await phone.page.locator('[data-testid=session-card]').first().waitFor();
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.shot('sessions-board-phone-dark');
    await phone.page.goto(`${stack.orch.url}/sessions/${byBehaviour.happy[1].id}`);
    await phone.page.getByTestId('diff').waitFor();
    await phone.shot('session-detail-phone-dark');
    expect(phone.errors).toEqual([]);
    await phone.context.close();
  });

  it('gives a viewer key a read-only view', async () => {
    const viewerKey = (await api.keys.create({ name: 'read-only', role: 'viewer' })).key;
    const v = await openPage(stack);
    await login(v, stack.orch.url, viewerKey, '/sessions');
    expect(await v.page.getByTestId('role').textContent()).toBe('viewer');
    await v.page.getByTestId('board').waitFor();
    expect(await v.page.getByRole('button', { name: 'New session' }).count()).toBe(0);
    await v.page.goto(`${stack.orch.url}/sessions/${byBehaviour.approval[1].id}`);
    await v.page.getByTestId('plan').waitFor();
    expect(await v.page.getByRole('button', { name: 'Approve plan' }).count()).toBe(0);
    expect(await v.page.locator('textarea#message').count()).toBe(0);
    expect(await v.page.getByTestId('keeper-switch').isDisabled()).toBe(true);
    expect(v.errors).toEqual([]);
    await v.context.close();
  });

  it('raises a toast for notification.raised events', async () => {
    const { page } = p;
    const ws = (await api.me()).workspace.id;
    // What the keeper sends (the catalog's notification.raised): its title heads the toast, its body follows, its kind sets the tone.
    await stack.orch.bus.publish('notification.raised', ws, { id: 'n-toast', sessionId: null, kind: 'heal_exhausted', title: 'Session failed again: Fix the login bug', body: 'Tests still fail after two fixes.' });
    const toast = page.locator('.toast.toast-error', { hasText: 'Session failed again: Fix the login bug' });
    await toast.waitFor();
    expect(await toast.textContent()).toContain('Tests still fail after two fixes.');
    await p.shot('toast');
    expect(p.errors).toEqual([]);
  });
});
