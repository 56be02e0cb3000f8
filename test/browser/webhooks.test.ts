import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { TestHookRulesBody } from '@autopilot/contracts';
import { createClient, type ApiClient } from '../../packages/client/src/index';
import { eventually, login, openPage, startStack, type Stack, type WatchedPage } from './harness';

/*
 * The Webhooks page (issue #15) in chromium on the demo stack: an endpoint created in the UI shows its secret once
 * (not after a reload), a rule added in the editor is tested against a pasted payload (the match and the extracted
 * variable shown, no batch created), a delivery signed with the standardwebhooks package appears live in the log,
 * Replay adds one; /webhooks/:id at 390 px in dark mode without horizontal overflow. The rule test route
 * is the real orchestrator's (the rule engine); the test records the draft the page sent.
 */

let stack: Stack;
let owner: ApiClient;

beforeAll(async () => {
  stack = await startStack({ JULES_DEMO_SESSIONS: '0' });
  owner = createClient({ baseUrl: stack.orch.url, apiKey: stack.key });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

/** Records what the page sends to the rule test route (the real orchestrator answers it), checked with the contract. */
function recordRuleTests(w: WatchedPage, sent: unknown[]) {
  w.page.on('request', (r) => {
    if (r.method() !== 'POST' || !/\/api\/hooks\/endpoints\/[^/]+\/test$/.test(new URL(r.url()).pathname)) return;
    sent.push(TestHookRulesBody.parse(JSON.parse(r.postData() ?? 'null')));
  });
}

const overflow = (p: WatchedPage) => p.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

describe('webhooks in chromium', () => {
  it('creates an endpoint (secret once), tests a draft rule without acting, logs a signed delivery and replays it', { timeout: 90_000 }, async () => {
    const p = await openPage(stack, { viewport: { width: 1280, height: 900 } });
    const { page } = p;
    const sentTests: unknown[] = [];
    recordRuleTests(p, sentTests);
    await login(p, stack.orch.url, stack.key, '/webhooks');
    await page.getByText('No endpoint yet').waitFor();

    await page.getByRole('button', { name: 'New endpoint' }).click();
    const dialog = page.getByTestId('hook-create-dialog');
    await dialog.getByLabel('Name').fill('Deploys');
    await dialog.getByLabel('Sender').selectOption('standard');
    await dialog.getByTestId('preset-signing').getByText('webhook-signature').waitFor();
    await dialog.getByRole('button', { name: 'Create endpoint' }).click();

    const secretDialog = page.getByTestId('hook-secret-dialog');
    const secret = (await secretDialog.getByTestId('hook-secret').textContent())?.trim() ?? '';
    expect(secret).toMatch(/^whsec_/);
    await secretDialog.getByText('it will not be shown again').waitFor();
    expect(await secretDialog.getByTestId('hook-setup-steps').locator('li').count()).toBeGreaterThan(1);
    await secretDialog.getByRole('button', { name: 'I have stored it' }).click();

    const [endpoint] = (await owner.hooks.list()).items;
    expect(endpoint.name).toBe('Deploys');
    // Shown once: after a reload neither the list nor the endpoint page has it.
    await page.reload();
    await page.getByTestId('hook-row').first().waitFor();
    expect(await page.content()).not.toContain(secret);
    await page.getByRole('link', { name: 'Deploys' }).click();
    await page.waitForURL(/\/webhooks\/[^/]+$/);
    await page.getByTestId('hook-settings').waitFor();
    expect(await page.content()).not.toContain(secret);

    // A rule in the editor: a condition on the payload and a run_batch action with an extracted variable.
    const rulesBefore = endpoint.rules.length;
    await page.getByRole('button', { name: 'Add rule' }).click();
    const rule = page.getByTestId('hook-rule').nth(rulesBefore);
    const n = rulesBefore + 1;
    await rule.getByLabel(`Rule ${n} name`).fill('Failed deploys');
    await rule.getByLabel('Path', { exact: true }).fill('$.body.status');
    await rule.getByLabel('Operator', { exact: true }).selectOption('equals');
    await rule.getByLabel('Value', { exact: true }).fill('failed');
    await rule.getByLabel('Action', { exact: true }).selectOption('run_batch');
    await rule.getByLabel('Items (JSONPath)').fill('$.body.services[*]');
    await rule.getByLabel('Repository').fill('acme-corp/storefront');
    await rule.getByRole('button', { name: 'Add variable' }).click();
    await rule.getByLabel('Variable 1 name').fill('service');
    await rule.getByLabel('Variable 1 path').fill('$.body.services[0]');

    // A refused save (an empty rule name) lands next to the field the 400 names.
    await rule.getByLabel(`Rule ${n} name`).fill('');
    await p.expectingErrors(/400/, async () => {
      await page.getByRole('button', { name: 'Save rules' }).click();
      await page.getByTestId('rules-error').waitFor();
    });
    expect(await rule.getByLabel(`Rule ${n} name`).getAttribute('aria-invalid')).toBe('true');
    expect(await rule.locator(`#hk-rules-${rulesBefore}-name-error`).textContent()).toBeTruthy();
    await rule.getByLabel(`Rule ${n} name`).fill('Failed deploys');

    // The test pane runs the unsaved draft: the match and the variable, and no batch is made.
    const batchesBefore = (await owner.batches.list()).items.length;
    const pane = page.getByTestId('hook-test-pane');
    await pane.getByText('unsaved changes included').waitFor();
    await pane.getByLabel('Payload (JSON)').fill(JSON.stringify({ status: 'failed', services: ['checkout', 'search'] }));
    await pane.getByRole('button', { name: 'Run test' }).click();
    const result = pane.getByTestId('test-result');
    await result.getByText('nothing acted').waitFor();
    const outcome = result.locator('[data-testid="test-rule"][data-matched="true"]');
    await outcome.getByText('Failed deploys').waitFor();
    await outcome.getByTestId('test-variables').getByText('{{service}}').waitFor();
    await outcome.getByTestId('test-variables').getByText('checkout').waitFor();
    expect((await owner.batches.list()).items.length).toBe(batchesBefore);
    // The page sent the DRAFT rule (not saved yet).
    expect(sentTests).toEqual([expect.objectContaining({ payload: { status: 'failed', services: ['checkout', 'search'] }, rules: expect.arrayContaining([expect.objectContaining({ name: 'Failed deploys', action: expect.objectContaining({ kind: 'run_batch', extract: { service: '$.body.services[0]' } }) })]) })]);
    expect((await owner.hooks.get(endpoint.id)).rules.some((r) => r.name === 'Failed deploys')).toBe(false);

    // Saved, then a delivery signed by the standardwebhooks package itself shows live in the log.
    await page.getByRole('button', { name: 'Save rules' }).click();
    await eventually(async () => (await owner.hooks.get(endpoint.id)).rules.some((r) => r.name === 'Failed deploys'), 'the rules saved');
    const body = JSON.stringify({ status: 'ok', services: [] });
    const now = new Date();
    const res = await fetch(`${stack.orch.url}/hooks/${endpoint.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': 'msg_browser_1', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign('msg_browser_1', now, body) },
      body,
    });
    expect(res.status, await res.text()).toBeLessThan(300);
    const log = page.getByTestId('delivery-log');
    const rows = log.getByTestId('delivery-row');
    await eventually(async () => (await rows.count()) === 1, 'the delivery in the log (live)');

    // Its detail, and Replay (confirmed: its actions act again) adds a delivery.
    await rows.first().getByRole('button').first().click();
    const detail = log.getByTestId('delivery-detail');
    await detail.getByTestId('delivery-payload').getByText('"status": "ok"').waitFor();
    await detail.getByRole('button', { name: 'Replay' }).click();
    const confirm = page.getByTestId('replay-dialog');
    await confirm.getByText('its actions act again').waitFor();
    await confirm.getByRole('button', { name: 'Replay' }).click();
    await eventually(async () => (await rows.count()) === 2, 'the replay in the log');
    expect((await owner.hooks.deliveries(endpoint.id)).items.filter((d) => d.replayOf).length).toBe(1);
    expect(p.errors).toEqual([]);
    await p.context.close();

    // A viewer sees the endpoint and its log without any write, test or replay control.
    const viewerKey = (await owner.keys.create({ name: 'hooks-viewer', role: 'viewer' })).key;
    const viewer = await openPage(stack);
    await login(viewer, stack.orch.url, viewerKey, `/webhooks/${endpoint.id}`);
    await viewer.page.getByTestId('hook-settings').waitFor();
    await viewer.page.getByTestId('delivery-row').first().getByRole('button').first().click();
    await viewer.page.getByTestId('delivery-payload').waitFor();
    for (const name of ['Save rules', 'Add rule', 'Rotate secret', 'Delete endpoint', 'Run test', 'Replay', 'Rename']) expect(await viewer.page.getByRole('button', { name, exact: true }).count(), name).toBe(0);
    expect(await viewer.page.getByTestId('hook-test-pane').count()).toBe(0);
    expect(viewer.errors).toEqual([]);
    await viewer.context.close();

    // Phone width, dark mode: no horizontal overflow with the log and a long payload open.
    const phone = await openPage(stack, { viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    await login(phone, stack.orch.url, stack.key, `/webhooks/${endpoint.id}`);
    await phone.page.getByTestId('hook-settings').waitFor();
    await phone.page.getByTestId('delivery-row').first().getByRole('button').first().click();
    await phone.page.getByTestId('delivery-payload').waitFor();
    await phone.shot('webhooks-endpoint-390-dark');
    expect(await overflow(phone)).toBeLessThanOrEqual(0);
    expect(phone.errors).toEqual([]);
    await phone.context.close();
  });
});
