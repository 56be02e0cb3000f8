import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ApiClient } from '../../packages/client/src/index';
import { eventually, login, openPage, startStack, type Stack } from './harness';

/*
 * Issue #13's walk: a template written in the editor, launched from it over five repositories as a batch, and its
 * progress watched in the dialog until 5 / 5 sessions are created, each one on the simulator once.
 */

let stack: Stack;
let owner: ApiClient;
const REPOS = ['acme-corp/storefront', 'acme-corp/payments-api', 'acme-corp/mobile-app', 'octo-labs/data-pipeline', 'octo-labs/docs-site'];

beforeAll(async () => {
  stack = await startStack({ JULES_DEMO_SESSIONS: '0', JULES_DEMO_SPEED: '60', JULES_POLL_INTERVAL_MS: '500' });
  owner = createClient({ baseUrl: stack.orch.url, apiKey: stack.key });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('launching a template in chromium', () => {
  it('creates a template, launches it over 5 repositories and watches the batch reach 5 / 5 created', async () => {
    const p = await openPage(stack, { viewport: { width: 1440, height: 900 } });
    const { page } = p;
    await login(p, stack.orch.url, stack.key, '/templates');
    await page.getByRole('button', { name: 'New template' }).click();
    await page.waitForURL(/\/templates\/new$/);
    await page.getByLabel('Name', { exact: true }).fill('Dependency sweep');
    await page.getByLabel('Prompt', { exact: true }).fill('Update the outdated dependencies of {{repo}} and fix what breaks. [sim:happy]');
    await page.getByRole('button', { name: 'Declare repo' }).click();
    await page.getByLabel('Variable 1 type').selectOption('repo');
    const preview = page.getByTestId('template-preview');
    await preview.getByLabel(/^repo/).fill('acme-corp/storefront');
    await eventually(async () => (await preview.getByTestId('preview-prompt').textContent())?.includes('of acme-corp/storefront and') === true, 'the prompt rendered with the repository');
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.waitForURL(/\/templates\/(?!new)[^/]+$/);
    const templateId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    expect((await owner.templates.get(templateId)).variables).toEqual([expect.objectContaining({ name: 'repo', type: 'repo' })]);

    await page.getByRole('button', { name: 'Launch' }).click();
    const dialog = page.getByTestId('batch-dialog');
    await dialog.waitFor();
    expect(await dialog.getByLabel('Template', { exact: true }).inputValue()).toBe(templateId);
    await dialog.getByLabel(/^Repositories/).fill(REPOS.join('\n'));
    await dialog.getByRole('button', { name: 'Preview' }).click();
    const shown = dialog.getByTestId('batch-preview');
    await shown.getByText('Preview: 5 sessions, ready to start').waitFor();
    for (const r of REPOS) expect(await shown.textContent()).toContain(r);
    await p.shot('launch-preview-1440-light');

    await dialog.getByRole('button', { name: 'Start' }).click();
    const view = dialog.getByTestId('batch-view');
    await view.waitFor();
    await eventually(async () => (await view.getByTestId('batch-progress-text').textContent())?.startsWith('5 / 5 created') === true, '5 / 5 created in the dialog', 60_000);
    const bar = view.getByRole('progressbar');
    expect(await bar.getAttribute('aria-valuenow')).toBe('5');
    expect(await bar.getAttribute('aria-valuemax')).toBe('5');
    // The counts move with the progress event; the items, with their sessions, follow with a refetch.
    await eventually(async () => (await view.getByRole('link', { name: 'Open session' }).count()) === 5, 'a session link on every item');
    await p.shot('launch-done-1440-light');

    // The server agrees: one batch from the template, every item a session of its own repository, once each.
    const batch = (await owner.batches.list()).items[0];
    expect(batch).toMatchObject({ templateId, counts: { total: 5, created: 5, failed: 0 } });
    const full = await owner.batches.get(batch.id);
    const sessions = await Promise.all(full.items.map((i) => owner.sessions.get(i.sessionId!)));
    expect(sessions.map((s) => s.source).sort()).toEqual(REPOS.map((r) => `sources/github/${r}`).sort());
    expect(new Set(sessions.map((s) => s.julesId)).size).toBe(5);
    expect(sessions.every((s) => s.prompt.startsWith('Update the outdated dependencies of '))).toBe(true);
    expect(p.errors).toEqual([]);
    await p.context.close();
  }, 150_000);
});
