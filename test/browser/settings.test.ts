import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ApiClient } from '../../packages/client/src/index';
import { startFakeUpstream, type FakeUpstream } from '../../packages/server/test/fakes/llm-upstream';
import { eventually, login, openPage, startStack, type Stack, type WatchedPage } from './harness';

/*
 * Settings → API keys, Workspace and Routing policies, and the Costs page's error drill-down and "estimated" marks,
 * in chromium against the real server (issue #12). Runs in a workspace of its own,
 * logged in with that workspace's owner key.
 */

let stack: Stack;
let up: FakeUpstream;
let ws: { id: string; key: string };
let owner: ApiClient;

const WS_NAME = 'team-settings';
const RENAMED = 'team-renamed';

beforeAll(async () => {
  up = await startFakeUpstream();
  up.script(() => ({ text: 'OK', inputTokens: 4000, outputTokens: 800 }));
  stack = await startStack({ JULES_DEMO_SESSIONS: '0', AUTOPILOT_OUTBOUND_ALLOW: new URL(up.url).host });
  const root = createClient({ baseUrl: stack.orch.url, apiKey: stack.key });
  const created = await root.workspaces.create({ name: WS_NAME });
  ws = { id: created.workspace.id, key: created.ownerKey?.key ?? '' };
  owner = createClient({ baseUrl: stack.orch.url, apiKey: ws.key });
  // A call with no provider configured (recorded as no_provider), then a provider whose model has no known price.
  await stack.orch.llm.generateText({ workspaceId: ws.id, task: 'supervisor', prompt: 'what next?' }).catch(() => undefined);
  await owner.providers.create({ kind: 'openai-compatible', name: 'local', apiKey: 'sk-local-test-0001', baseUrl: `${up.url}/v1`, defaultModels: { default: 'acme-local-7b' } });
  await stack.orch.llm.generateText({ workspaceId: ws.id, task: 'summarize', prompt: 'summarise this' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await up?.close();
});

const noOverflow = (p: WatchedPage) => p.page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

describe('settings and costs pages in chromium', () => {
  it('creates an API key (secret shown once, gone after closing), revokes it, and shows the server refusing the last owner key', async () => {
    const p = await openPage(stack, { viewport: { width: 1440, height: 900 } });
    const { page } = p;
    await login(p, stack.orch.url, ws.key, '/settings/keys');
    const form = page.getByTestId('create-key');
    // Checked before sending: a name is required.
    await form.getByRole('button', { name: 'Create key' }).click();
    await form.getByText('Give the key a name').waitFor();
    await form.getByLabel('Name').fill('ci-bot');
    await form.getByLabel('Role', { exact: true }).selectOption('member');
    await form.getByLabel('Expires').selectOption('30');
    await form.getByRole('button', { name: 'Create key' }).click();

    const dialog = page.getByTestId('key-secret-dialog');
    await dialog.getByTestId('key-secret').waitFor();
    const secret = (await dialog.getByTestId('key-secret').textContent())!.trim();
    expect(secret).toMatch(/^ap_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(await dialog.textContent()).toContain('This is the only time the key is shown');
    const listed = (await owner.keys.list()).items.find((k) => k.name === 'ci-bot')!;
    expect(listed.role).toBe('member');
    expect(Math.abs(Date.parse(listed.expiresAt!) - (Date.now() + 30 * 86_400_000))).toBeLessThan(10 * 60_000);
    // The key works.
    expect((await createClient({ baseUrl: stack.orch.url, apiKey: secret }).me()).key.name).toBe('ci-bot');
    await p.shot('settings-keys-secret');
    await dialog.getByRole('button', { name: 'I have stored it' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.content()).not.toContain(secret);
    const item = page.locator('[data-key-name="ci-bot"]');
    await item.waitFor();
    expect(await item.textContent()).toContain(listed.prefix);
    expect(await item.textContent()).toContain('owner'); // created by the workspace's owner key, named "owner"

    await item.getByRole('button', { name: 'Revoke' }).click();
    const confirm = page.getByTestId('revoke-dialog');
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await item.waitFor({ state: 'detached' });
    expect((await owner.keys.list()).items.find((k) => k.name === 'ci-bot')!.revokedAt).not.toBeNull();

    // The workspace's only owner key: the server refuses, and the dialog says why.
    await p.expectingErrors(/status of 409/, async () => {
      await page.locator('[data-key-name="owner"]').getByRole('button', { name: 'Revoke' }).click();
      await confirm.getByRole('button', { name: 'Revoke key' }).click();
      await confirm.getByTestId('revoke-error').waitFor();
    });
    expect(await confirm.getByTestId('revoke-error').textContent()).toContain('last active owner key');
    await confirm.getByRole('button', { name: 'Keep it' }).click();
    expect(p.errors).toEqual([]);
    await p.context.close();
  }, 120_000);

  it('shows viewers the keys without secrets or actions, and says why', async () => {
    const viewer = await owner.keys.create({ name: 'reader', role: 'viewer' });
    const p = await openPage(stack);
    await login(p, stack.orch.url, viewer.key, '/settings/keys');
    await p.page.getByTestId('keys-readonly').waitFor();
    expect(await p.page.getByTestId('keys-readonly').textContent()).toContain('only admins and owners create or revoke them');
    await p.page.locator('[data-key-name="owner"]').waitFor();
    expect(await p.page.getByTestId('create-key').count()).toBe(0);
    expect(await p.page.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
    expect(await p.page.content()).not.toContain(viewer.key);
    expect(p.errors).toEqual([]);
    await p.context.close();
  }, 60_000);

  it('renames the workspace; the top bar follows', async () => {
    const p = await openPage(stack);
    const { page } = p;
    await login(p, stack.orch.url, ws.key, '/settings/workspace');
    await page.getByTestId('workspace-card').waitFor();
    expect(await page.getByTestId('workspace-id').textContent()).toBe(ws.id);
    expect(await page.getByTestId('demo-state').textContent()).toContain('Demo mode');
    await eventually(async () => (await page.getByTestId('count-api-keys').textContent())?.match(/\d/), 'key count');
    await page.getByRole('button', { name: 'Rename' }).click();
    // Names are free text now (the slug is the URL-safe part); a blank one is refused next to the field.
    await page.getByLabel('New name').fill('   ');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByText('Give the workspace a name of 1 to 64 characters').waitFor();
    await page.getByLabel('New name').fill(RENAMED);
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByTestId('workspace-name').filter({ hasText: RENAMED }).waitFor();
    await page.getByTestId('workspace').filter({ hasText: RENAMED }).waitFor();
    expect((await owner.me()).workspace.name).toBe(RENAMED);
    expect(p.errors).toEqual([]);
    await p.context.close();
  }, 60_000);

  it('adds a routing rule (validation next to the fields) and simulates a call that it decides', async () => {
    const p = await openPage(stack);
    const { page } = p;
    await login(p, stack.orch.url, ws.key, '/settings/routing');
    await page.getByTestId('no-rules').waitFor();
    await page.getByRole('button', { name: 'Add a rule' }).click();
    const form = page.getByTestId('rule-form');
    await form.getByLabel('Budget left below (%)').fill('150');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await form.locator('#new-rule-match-budgetLeftBelowPct-error').waitFor();
    await form.getByLabel('Name').fill('reviews locally');
    await form.getByLabel('Budget left below (%)').fill('');
    await form.getByLabel('review', { exact: true }).check();
    await form.getByLabel('Provider 1').fill('local');
    await form.getByLabel(/^Model 1/).fill('acme-local-7b');
    await form.getByRole('button', { name: 'Add rule' }).click();
    const rule = page.locator('[data-rule-name="reviews locally"]');
    await rule.waitFor();
    expect(await rule.getByTestId('rule-explanation').textContent()).toBe('When the task is review: local (acme-local-7b), then the other providers by priority.');
    expect((await owner.routing.list()).items.map((r) => r.name)).toEqual(['reviews locally']);

    // Reorder, edit and remove: a second rule arrives (another admin, say); the page follows after a reload.
    await owner.routing.append({ name: 'cheap fallback', match: { budgetLeftBelowPct: 20 }, targets: [{ provider: 'local' }], fallbackToDefaults: false });
    await page.reload();
    await page.locator('[data-rule-name="cheap fallback"]').waitFor();
    await page.getByRole('button', { name: 'Move reviews locally down' }).click();
    await eventually(async () => (await owner.routing.list()).items.map((r) => r.name).join() === 'cheap fallback,reviews locally', 'the new order');
    await page.locator('[data-testid=rule-item]').first().filter({ hasText: 'cheap fallback' }).waitFor();
    await page.locator('[data-rule-name="cheap fallback"]').getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByTestId('rule-form');
    await edit.getByLabel('Name').fill('');
    await edit.getByRole('button', { name: 'Save rule' }).click();
    await edit.locator('[id$="-name-error"]').waitFor();
    await edit.getByLabel('Name').fill('cheap when low');
    await edit.getByRole('button', { name: 'Save rule' }).click();
    const cheap = page.locator('[data-rule-name="cheap when low"]');
    await cheap.waitFor();
    expect(await cheap.getByTestId('rule-explanation').textContent()).toBe('When less than 20% of the budget is left: local (its default model for the task), and nothing else.');
    await cheap.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove rule' }).click();
    await cheap.waitFor({ state: 'detached' });
    expect((await owner.routing.list()).items.map((r) => r.name)).toEqual(['reviews locally']);

    const sim = page.getByTestId('simulator');
    await sim.getByLabel('Budget left (%)').fill('150');
    await sim.getByRole('button', { name: 'Explain the route' }).click();
    await sim.locator('#sim-budget-error').waitFor();
    await sim.getByLabel('Budget left (%)').fill('50');
    await sim.getByLabel('Task').selectOption('review');
    await sim.getByRole('button', { name: 'Explain the route' }).click();
    await sim.getByTestId('sim-verdict').filter({ hasText: 'reviews locally' }).waitFor();
    expect(await sim.getByTestId('sim-result').textContent()).toContain('task review is one of [review]');
    expect(await sim.getByTestId('sim-result').textContent()).toContain('local / acme-local-7b');
    // Another task: the rule says why it does not match.
    await sim.getByLabel('Task').selectOption('summarize');
    await sim.getByRole('button', { name: 'Explain the route' }).click();
    await sim.getByText('task summarize is not one of [review]').waitFor();
    expect(p.errors).toEqual([]);
    await p.context.close();
  }, 60_000);

  it('opens the Costs errors drill-down with the no_provider reason, and marks the unknown-price model as estimated', async () => {
    const p = await openPage(stack);
    const { page } = p;
    await login(p, stack.orch.url, ws.key, '/costs');
    const totals = page.getByTestId('usage-totals');
    await totals.waitFor();
    await page.getByTestId('errors-drilldown').click();
    const failed = page.getByTestId('failed-calls');
    const call = failed.locator('[data-testid=failed-call][data-outcome=no_provider]');
    await call.waitFor();
    expect(await call.getByTestId('failed-reason').textContent()).toContain('No LLM provider is configured for this task: add one on Providers');
    expect(await call.textContent()).toContain('supervisor');
    await failed.getByRole('button', { name: /no provider/ }).click();
    await failed.getByRole('button', { name: /no provider/, pressed: true }).waitFor();
    expect(await failed.getByTestId('failed-call').count()).toBe(1);

    const tag = page.getByTestId('usage-by-model').getByTestId('estimated-tag');
    await tag.waitFor();
    expect(await tag.textContent()).toBe('estimated');
    expect(await tag.getAttribute('title')).toMatch(/^Estimated: 1 call to acme-local-7b without a known price was costed at the fallback price of \$5 input \/ \$15 output per million tokens/);
    expect(await totals.getByTestId('estimated-tag').count()).toBe(1);
    await page.getByTestId('estimate-note').waitFor();
    await page.getByTestId('daily-bars').waitFor();
    expect(p.errors).toEqual([]);
    await p.context.close();
  }, 60_000);

  it('screenshots every settings page and Costs at 1440 and 390 px, light and dark, without horizontal overflow', async () => {
    // A long unbroken key name and rule name must wrap, not widen the page.
    await owner.keys.create({ name: `k${'x'.repeat(95)}`, role: 'viewer' });
    await owner.routing.append({ name: `r${'y'.repeat(95)}`, match: { personas: [`p${'z'.repeat(60)}`] }, targets: [{ provider: 'local', model: `m${'w'.repeat(150)}` }] });
    for (const width of [1440, 390]) {
      for (const scheme of ['light', 'dark'] as const) {
        const p = await openPage(stack, { viewport: { width, height: 900 }, colorScheme: scheme });
        const { page } = p;
        await login(p, stack.orch.url, ws.key, '/settings/keys');
        const pages: Array<[string, string, () => Promise<unknown>]> = [
          ['keys', '/settings/keys', () => page.locator('[data-key-name="owner"]').waitFor()],
          ['workspace', '/settings/workspace', () => page.getByTestId('workspace-card').waitFor()],
          [
            'routing',
            '/settings/routing',
            async () => {
              await page.locator('[data-rule-name="reviews locally"]').waitFor();
              await page.getByTestId('simulator').getByRole('button', { name: 'Explain the route' }).click();
              await page.getByTestId('sim-result').waitFor();
            },
          ],
          [
            'costs',
            '/costs',
            async () => {
              await page.getByTestId('errors-drilldown').click();
              await page.getByTestId('failed-call').first().waitFor();
            },
          ],
        ];
        for (const [name, path, ready] of pages) {
          await page.goto(stack.orch.url + path);
          await ready().catch(async (e: unknown) => {
            // Keep what the page showed when it was not ready, with the rules the API has, for the failure report.
            await p.shot(`settings-${name}-${width}-${scheme}-not-ready`);
            throw new Error(`${name} at ${width}px ${scheme} not ready (rules: ${(await owner.routing.list()).items.map((r) => r.name).join(', ')}; errors: ${p.errors.join('; ')}): ${String(e)}`);
          });
          await p.shot(`settings-${name}-${width}-${scheme}`);
          expect(await noOverflow(p), `${name} at ${width}px ${scheme}`).toBe(true);
        }
        expect(p.errors).toEqual([]);
        await p.context.close();
      }
    }
  }, 180_000);
});
