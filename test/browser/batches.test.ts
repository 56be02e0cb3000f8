import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ApiClient } from '../../packages/client/src/index';
import { eventually, login, openPage, startStack, type Stack, type WatchedPage } from './harness';

/*
 * The batch dialog (issue #13): opened from the Sessions page, a 3-line task list over one repository, previewed,
 * started (with a double click: one batch, not two), watched to 3 / 3 created; the batches pages and the quota
 * widget in Settings, at 1440 and 390 px in light and dark, without horizontal overflow.
 */

let stack: Stack;
let owner: ApiClient;
const REPO = 'acme-corp/storefront';

beforeAll(async () => {
  stack = await startStack({ JULES_DEMO_SESSIONS: '0', JULES_DEMO_SPEED: '60', JULES_POLL_INTERVAL_MS: '500' });
  owner = createClient({ baseUrl: stack.orch.url, apiKey: stack.key });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const overflow = (p: WatchedPage) => p.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** Opens the dialog from the Sessions page, previews a 3-task list and starts it; returns the batch id. */
async function runBatch(p: WatchedPage, tag: string, shots: string): Promise<string> {
  const { page } = p;
  await login(p, stack.orch.url, stack.key, '/sessions');
  await page.getByRole('button', { name: 'New batch' }).click();
  const dialog = page.getByTestId('batch-dialog');
  await dialog.getByRole('radio', { name: 'Task list' }).check();
  await dialog.getByLabel('Tasks', { exact: true }).fill(`Fix the login test ${tag}\nAdd a dark mode toggle ${tag}\n# a comment, skipped\nWrite the changelog ${tag}`);
  await dialog.getByLabel('Repository for every task (optional)').fill(REPO);
  await dialog.getByRole('button', { name: 'Preview' }).click();
  const preview = dialog.getByTestId('batch-preview');
  await preview.getByText('Preview: 3 sessions, ready to start').waitFor();
  expect(await preview.getByTestId('batch-preview-item').count()).toBe(3);
  expect(await preview.textContent()).toContain(`Fix the login test ${tag}`);
  expect(await preview.textContent()).toContain(REPO);
  expect(await overflow(p)).toBeLessThanOrEqual(0);
  await p.shot(`batches-dialog-preview-${shots}`);

  const before = (await owner.batches.list()).items.length;
  // A double click sends one request at most, and the same idempotency key would answer the same batch anyway.
  await dialog.getByRole('button', { name: 'Start' }).dblclick();
  const view = dialog.getByTestId('batch-view');
  await view.waitFor();
  await eventually(async () => (await view.getByTestId('batch-progress-text').textContent())?.startsWith('3 / 3 created'), '3 / 3 created in the dialog', 60_000);
  const bar = view.getByRole('progressbar');
  expect(await bar.getAttribute('aria-valuenow')).toBe('3');
  expect(await bar.getAttribute('aria-valuemax')).toBe('3');
  // The counts move with the progress event itself; the items (with their sessions) follow with a refetch.
  await eventually(async () => (await view.getByRole('link', { name: 'Open session' }).count()) === 3, 'a session link on every item');
  const after = (await owner.batches.list()).items;
  expect(after.length).toBe(before + 1);
  const batch = after[0];
  expect(batch.counts).toMatchObject({ total: 3, created: 3, failed: 0 });
  expect(await overflow(p)).toBeLessThanOrEqual(0);
  await p.shot(`batches-dialog-done-${shots}`);
  return batch.id;
}

describe('batches in chromium', () => {
  it('previews and starts a 3-task batch from the Sessions page and watches it reach 3 / 3 created', async () => {
    const p = await openPage(stack, { viewport: { width: 1440, height: 900 } });
    const id = await runBatch(p, 'wide', '1440-light');
    // Each created item links to its session.
    await p.page.getByTestId('batch-view').getByRole('link', { name: 'Open session' }).first().click();
    await p.page.waitForURL(/\/sessions\/[^/]+$/);
    const b = await owner.batches.get(id);
    expect(b.items.every((i) => i.state === 'created' && i.sessionId)).toBe(true);
    expect(p.errors).toEqual([]);
    await p.context.close();
  }, 120_000);

  it('names a broken CSV row in the preview and next to the task list on Start, and creates nothing', async () => {
    const p = await openPage(stack, { viewport: { width: 1440, height: 900 } });
    const { page } = p;
    await login(p, stack.orch.url, stack.key, '/sessions');
    await page.getByRole('button', { name: 'New batch' }).click();
    const dialog = page.getByTestId('batch-dialog');
    await dialog.getByRole('radio', { name: 'Task list' }).check();
    await dialog.getByRole('radio', { name: 'CSV' }).check();
    await dialog.getByLabel('Tasks', { exact: true }).fill(`prompt,source\n"Fix it",${REPO}\n"Only one field"\n`);
    await dialog.getByRole('button', { name: 'Preview' }).click();
    const preview = dialog.getByTestId('batch-preview');
    await preview.getByText('row 3: has 1 field, the header has 2').waitFor();
    const before = (await owner.batches.list()).items.length;
    await p.expectingErrors(/400/, async () => {
      await dialog.getByRole('button', { name: 'Start' }).click();
      await dialog.locator('#batch-text-error').getByText('row 3: has 1 field, the header has 2').waitFor();
    });
    expect(await dialog.getByLabel('Tasks', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect((await owner.batches.list()).items.length).toBe(before);
    await p.shot('batches-dialog-problem-1440-light');
    expect(p.errors).toEqual([]);
    await p.context.close();
  }, 120_000);

  it('works at 390 px in dark mode too', async () => {
    const p = await openPage(stack, { viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    await runBatch(p, 'narrow', '390-dark');
    expect(p.errors).toEqual([]);
    await p.context.close();
  }, 120_000);

  it('lists batches with their progress and shows one batch, at every size and theme', async () => {
    const [latest] = (await owner.batches.list()).items;
    expect(latest).toBeDefined();
    const problems: string[] = [];
    for (const width of [1440, 390]) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const p = await openPage(stack, { viewport: { width, height: width > 800 ? 900 : 844 }, colorScheme });
        await login(p, stack.orch.url, stack.key, '/batches');
        const row = p.page.getByTestId('batch-row').first();
        await row.waitFor();
        expect(await row.textContent()).toContain('3 / 3');
        if ((await overflow(p)) > 0) problems.push(`/batches at ${width} ${colorScheme}`);
        await p.shot(`batches-list-${width}-${colorScheme}`);

        await p.page.goto(`${stack.orch.url}/batches/${latest.id}`);
        await p.page.getByTestId('batch-view').waitFor();
        expect(await p.page.getByTestId('batch-progress-text').textContent()).toContain('3 / 3 created');
        if ((await overflow(p)) > 0) problems.push(`/batches/:id at ${width} ${colorScheme}`);
        await p.shot(`batches-detail-${width}-${colorScheme}`);

        expect(p.errors).toEqual([]);
        await p.context.close();
      }
    }
    expect(problems).toEqual([]);
  }, 180_000);

  it('shows the quota of the Jules account in Settings, and an admin sets its plan (a bad number named next to its field)', async () => {
    const problems: string[] = [];
    for (const width of [1440, 390]) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const p = await openPage(stack, { viewport: { width, height: width > 800 ? 900 : 844 }, colorScheme });
        await login(p, stack.orch.url, stack.key, '/settings');
        const quota = p.page.getByTestId('quota-widget').first();
        await quota.waitFor();
        if (width === 1440 && colorScheme === 'light') {
          // An admin sets the plan: custom without numbers is refused next to the field, then Free gives two bars.
          await quota.getByText('Plan and limits').click();
          await quota.getByLabel('Jules plan').selectOption('custom');
          await quota.getByLabel('Sessions at once').fill('');
          await quota.getByRole('button', { name: 'Save limits' }).click();
          await quota.getByText('Sessions at once: a whole number from 1 to 1000').waitFor();
          await quota.getByLabel('Jules plan').selectOption('free');
          await quota.getByRole('button', { name: 'Save limits' }).click();
          await quota.getByText('Saved.').waitFor();
          expect((await owner.dispatch.accounts()).items[0].limits).toMatchObject({ plan: 'free', concurrent: 3, daily: 15 });
        }
        await eventually(async () => (await quota.getByRole('progressbar').count()) === 2, 'the active and daily bars');
        expect(await quota.getByRole('progressbar', { name: 'Created in the last 24 h' }).getAttribute('aria-valuemax')).toBe('15');
        expect(await quota.getByTestId('quota-forecast').textContent()).not.toBe('');
        if ((await overflow(p)) > 0) problems.push(`/settings at ${width} ${colorScheme}`);
        await p.shot(`batches-quota-${width}-${colorScheme}`);
        expect(p.errors).toEqual([]);
        await p.context.close();
      }
    }
    expect(problems).toEqual([]);
  }, 180_000);
});
