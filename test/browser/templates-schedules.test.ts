import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ApiClient } from '../../packages/client/src/index';
import { eventually, login, openPage, startStack, type Stack, type WatchedPage } from './harness';

/*
 * The Templates and Schedules pages (issue #13): a template written in the editor with a variable it does not
 * declare (the live preview names it), fixed, saved, then saved over someone else's change (409: reload); a
 * schedule in a time zone picked by search, its next five runs, paused; every page at 1440 and 390 px in light
 * and dark without horizontal overflow.
 */

let stack: Stack;
let owner: ApiClient;
let templateId = '';
let scheduleId = '';

beforeAll(async () => {
  stack = await startStack({ JULES_DEMO_SESSIONS: '0' });
  owner = createClient({ baseUrl: stack.orch.url, apiKey: stack.key });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const overflow = (p: WatchedPage) => p.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

describe('templates and schedules in chromium', () => {
  it('writes a template with an undeclared variable, sees the preview name it, fixes it and saves; a stale save asks to reload', async () => {
    const p = await openPage(stack, { viewport: { width: 1440, height: 900 } });
    const { page } = p;
    await login(p, stack.orch.url, stack.key, '/templates');
    await page.getByText('No template yet').waitFor();
    await page.getByRole('button', { name: 'New template' }).click();
    await page.waitForURL(/\/templates\/new$/);
    await page.getByLabel('Name', { exact: true }).fill('Fix an issue');
    await page.getByLabel('Tags').fill('bugs');
    await page.getByLabel('Prompt', { exact: true }).fill('Fix issue #{{issue}} in the checkout. Keep it small.');
    await page.getByLabel('Repositories', { exact: true }).fill('acme-corp/storefront');

    // The preview (debounced) names the variable the prompt uses but nothing declares.
    const preview = page.getByTestId('template-preview');
    const undeclared = preview.getByTestId('preview-problems').locator('li[data-variable="issue"]');
    await undeclared.getByText('{{issue}} is used in the prompt but not declared in variables').waitFor();
    await p.shot('templates-editor-problem-1440-light');

    // Declared (required, no default yet): the problem moves next to its row and its value field.
    await undeclared.getByRole('button', { name: 'Declare issue' }).click();
    const row = page.getByTestId('template-variable').first();
    await row.getByTestId('variable-problems').getByText('is required and has no default').waitFor();
    await preview.locator('[data-testid="preview-value"][data-variable="issue"]').getByText('is required and has no default').waitFor();
    expect(await preview.getByTestId('preview-problems').count()).toBe(0);

    // A wrong value is named; a number fixes it and the prompt renders with it.
    await page.getByLabel('Variable 1 type').selectOption('number');
    await preview.getByLabel(/^issue/).fill('abc');
    await preview.getByText('must be a number, not "abc"').waitFor();
    await preview.getByLabel(/^issue/).fill('');
    await page.getByLabel('Variable 1 default').fill('42');
    await eventually(async () => (await preview.getByTestId('preview-prompt').textContent()) === 'Fix issue #42 in the checkout. Keep it small.', 'the prompt rendered with the default');
    await preview.getByText('Ready to launch').waitFor();
    expect(await row.getByTestId('variable-problems').count()).toBe(0);
    expect(await overflow(p)).toBeLessThanOrEqual(0);

    await page.getByRole('button', { name: 'Create template' }).click();
    await page.waitForURL(/\/templates\/(?!new)[^/]+$/);
    templateId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    const saved = await owner.templates.get(templateId);
    expect(saved).toMatchObject({ name: 'Fix an issue', version: 1, tags: ['bugs'], sources: ['sources/github/acme-corp/storefront'], variables: [{ name: 'issue', type: 'number', required: true, default: 42 }] });
    await page.getByText('Version 1').waitFor();

    // Someone else saves version 2 meanwhile: this tab's save is refused and offers a reload, which shows theirs.
    const { id: _id, version, warnings: _w, createdAt: _c, updatedAt: _u, ...rest } = saved;
    await owner.templates.update(templateId, { ...rest, title: rest.title ?? undefined, branch: rest.branch ?? undefined, description: 'Changed by someone else', version });
    await page.getByLabel('Description', { exact: true }).fill('Mine');
    await p.expectingErrors(/409/, async () => {
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByTestId('template-stale').getByText('Someone saved this template in between').waitFor();
    });
    await page.getByTestId('template-stale').getByRole('button', { name: 'Reload' }).click();
    await eventually(async () => (await page.getByLabel('Description', { exact: true }).inputValue()) === 'Changed by someone else', 'the reloaded description');
    await page.getByText('Version 2').waitFor();
    await p.shot('templates-editor-1440-light');

    // Launch opens the batch dialog on this template, its variable asked for.
    await page.getByRole('button', { name: 'Launch' }).click();
    const dialog = page.getByTestId('batch-dialog');
    await dialog.waitFor();
    expect(await dialog.getByLabel('Template', { exact: true }).inputValue()).toBe(templateId);
    await dialog.getByLabel(/^issue/).waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    // The list shows it, filtered by its tag.
    await page.getByRole('link', { name: '← Templates' }).click();
    await page.getByTestId('template-row').getByText('Fix an issue').waitFor();
    await page.getByLabel('Tag').selectOption('bugs');
    await page.waitForURL(/\?tag=bugs$/);
    expect(await page.getByTestId('template-row').count()).toBe(1);
    expect(p.errors).toEqual([]);
    await p.context.close();
  }, 120_000);

  it('creates a schedule in a searched time zone, shows its next five runs, and pauses it', async () => {
    expect(templateId).not.toBe('');
    const p = await openPage(stack, { viewport: { width: 1440, height: 900 } });
    const { page } = p;
    await login(p, stack.orch.url, stack.key, '/schedules');
    await page.getByRole('button', { name: 'New schedule' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Monday issue sweep');
    await page.getByLabel('Cron', { exact: true }).fill('30 7 * * 1');
    const zone = page.getByRole('combobox', { name: 'Time zone' });
    await zone.fill('new york');
    await page.getByRole('option', { name: /^America\/New_York/ }).click();
    expect(await zone.inputValue()).toBe('America/New_York');
    await page.getByLabel('Template', { exact: true }).selectOption({ label: 'Fix an issue' });
    await page.getByLabel('After a downtime').selectOption('run_once');
    await page.getByTestId('timing-preview').getByText('its words and next five runs show once it is saved').waitFor();
    await p.shot('schedules-new-1440-light');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.waitForURL(/\/schedules\/(?!new)[^/]+$/);
    scheduleId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');

    const next = await owner.schedules.next(scheduleId, 5);
    expect(next.runs).toHaveLength(5);
    const runs = page.getByTestId('next-run');
    await eventually(async () => (await runs.count()) === 5, 'five next runs');
    expect(await runs.first().locator('time').getAttribute('datetime')).toBe(next.runs[0].at);
    // 07:30 in New York, whatever the offset of that day.
    for (const r of next.runs) expect(r.local).toMatch(/T07:30:00-0[45]:00$/);
    expect(await page.getByTestId('schedule-words').textContent()).toBe(next.description);
    expect((await owner.schedules.get(scheduleId)).missedRunPolicy).toBe('run_once');

    // Edit: a new cron is sent (and only it), and the next runs follow it.
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Cron', { exact: true }).fill('45 8 * * 1');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await eventually(async () => (await page.getByTestId('next-run').count()) === 5 && (await owner.schedules.get(scheduleId)).cron === '45 8 * * 1', 'the edited cron');
    const edited = await owner.schedules.next(scheduleId, 5);
    await eventually(async () => (await page.getByTestId('next-run').first().locator('time').getAttribute('datetime')) === edited.runs[0].at, 'the next runs of the edited cron');
    expect((await owner.schedules.get(scheduleId)).timezone).toBe('America/New_York');

    await page.getByRole('button', { name: 'Pause' }).click();
    await eventually(async () => (await page.getByTestId('schedule-state').textContent()) === 'paused', 'the paused state');
    expect((await owner.schedules.get(scheduleId)).enabled).toBe(false);
    await page.getByText('Paused: these are the runs it makes once resumed.').waitFor();
    await page.getByText('No run yet.').waitFor();
    await p.shot('schedules-detail-1440-light');

    await page.getByRole('link', { name: '← Schedules' }).click();
    const row = page.getByTestId('schedule-row');
    await row.getByText('Monday issue sweep').waitFor();
    expect(await row.textContent()).toContain('paused');
    expect(await row.textContent()).toContain('America/New_York');
    expect(p.errors).toEqual([]);
    await p.context.close();
  }, 120_000);

  it('names a bad cron from the server next to its field, and creates nothing', async () => {
    const p = await openPage(stack, { viewport: { width: 1440, height: 900 } });
    const { page } = p;
    await login(p, stack.orch.url, stack.key, '/schedules/new');
    await page.getByLabel('Name', { exact: true }).fill('Broken');
    await page.getByLabel('Cron', { exact: true }).fill('99 7 * * 1');
    await page.getByLabel('Template', { exact: true }).selectOption({ label: 'Fix an issue' });
    // An interval is previewed as it is typed; back to the cron for the server's check.
    await page.getByRole('radio', { name: 'Fixed interval' }).check();
    await page.getByLabel('Every').fill('2');
    const preview = page.getByTestId('timing-preview');
    await preview.getByText('every 2 hours, counted from when it is saved').waitFor();
    expect(await preview.getByTestId('next-run').count()).toBe(5);
    await page.getByRole('radio', { name: 'Cron expression' }).check();
    const before = (await owner.schedules.list()).items.length;
    await p.expectingErrors(/400/, async () => {
      await page.getByRole('button', { name: 'Create schedule' }).click();
      await page.locator('#sch-cron-error').waitFor();
    });
    expect(await page.getByLabel('Cron', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect((await owner.schedules.list()).items.length).toBe(before);
    expect(p.errors).toEqual([]);
    await p.context.close();
  }, 60_000);

  it('lists a fired run in the history: time, outcome, reason and a link to what it launched', async () => {
    // Every minute in Berlin, as a batch over one repository: the next minute boundary fires it for real.
    const every = await owner.schedules.create({ name: 'Every minute', cron: '* * * * *', timezone: 'Europe/Berlin', enabled: true, missedRunPolicy: 'skip', target: { kind: 'batch', templateId, sources: ['acme-corp/storefront'], variables: {} } });
    const run = await eventually(async () => (await owner.schedules.runs(every.id)).items.find((r) => r.outcome !== 'pending'), 'a finished run', 90_000);
    await owner.schedules.pause(every.id);
    const p = await openPage(stack, { viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    await login(p, stack.orch.url, stack.key, `/schedules/${every.id}`);
    const row = p.page.getByTestId('run-row').first();
    await row.waitFor();
    expect(await row.locator('time').getAttribute('datetime')).toBe(run.fireAt);
    expect(await row.textContent()).toContain(run.outcome);
    if (run.reason) expect(await row.textContent()).toContain(run.reason);
    for (const l of run.links) await row.getByRole('link', { name: l.label }).waitFor();
    expect(await overflow(p)).toBeLessThanOrEqual(0);
    await p.shot('schedules-history-390-dark');
    expect(p.errors).toEqual([]);
    await p.context.close();
    await owner.schedules.remove(every.id);
  }, 150_000);

  it('shows every page at 1440 and 390 px, light and dark, without horizontal overflow', async () => {
    const problems: string[] = [];
    const pages = [
      ['templates-list', '/templates'],
      ['templates-editor', `/templates/${templateId}`],
      ['schedules-list', '/schedules'],
      ['schedules-detail', `/schedules/${scheduleId}`],
      ['schedules-new', '/schedules/new'],
    ] as const;
    for (const width of [1440, 390]) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const p = await openPage(stack, { viewport: { width, height: width > 800 ? 900 : 844 }, colorScheme });
        await login(p, stack.orch.url, stack.key, '/templates');
        for (const [name, path] of pages) {
          await p.page.goto(stack.orch.url + path);
          await p.page.locator('h1').first().waitFor();
          if (name === 'templates-editor') await p.page.getByText('Ready to launch').waitFor();
          if (name === 'schedules-detail') await eventually(async () => (await p.page.getByTestId('next-run').count()) === 5, 'five runs');
          if (name.endsWith('-list')) await p.page.locator('[data-testid$="-row"]').first().waitFor();
          if ((await overflow(p)) > 0) problems.push(`${path} at ${width} ${colorScheme}`);
          await p.shot(`${name}-${width}-${colorScheme}`);
        }
        expect(p.errors).toEqual([]);
        await p.context.close();
      }
    }
    expect(problems).toEqual([]);
  }, 240_000);
});
