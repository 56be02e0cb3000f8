import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import type { Route } from 'playwright-core';
import { CreateHookEndpointBody, TestHookRulesBody, UpdateHookEndpointBody, type HookEndpoint, type HookRuleInput } from '@autopilot/contracts';
import { createClient, type ApiClient } from '../../packages/client/src/index';
import { eventually, login, openPage, startStack, type Stack, type WatchedPage } from './harness';

/*
 * The Webhooks page (issue #15) in chromium on the demo stack. The /api/hooks endpoints and /hooks/{id} are answered
 * in the page by a stateful stand-in that checks every request body with the contract's schemas (a bad one is a 400
 * with issues, like the server's) and verifies deliveries with the standardwebhooks package; everything else is the
 * real orchestrator. An endpoint created in the UI shows its secret once (not after a reload); a rule added in the
 * editor with an empty name is refused next to that field; the test pane sends the DRAFT rules and shows the match
 * and the extracted variable, and no batch is created; a signed delivery shows in the log, Replay (confirmed) adds
 * one; a viewer sees no write, test or replay control; /webhooks/:id at 390 px in dark mode without overflow.
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

const overflow = (p: WatchedPage) => p.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
const T = '2026-12-02T10:00:00.000Z';

/** The hooks API of one endpoint store, shared by every page of the test. */
function hooksStandin() {
  const SECRET = 'whsec_' + Buffer.from('browser-test-secret-0123456789').toString('base64');
  let endpoint: HookEndpoint | null = null;
  const deliveries: Array<Record<string, unknown>> = [];
  const tests: unknown[] = [];
  const json = (route: Route, status: number, body?: unknown) => route.fulfill({ status, contentType: 'application/json', body: body === undefined ? '' : JSON.stringify(body) });
  const invalid = (route: Route, issues: Array<{ path: PropertyKey[]; message: string }>) =>
    json(route, 400, { error: { code: 'validation_failed', message: 'The request is not valid', details: { issues: issues.map((i) => ({ path: ['body', ...i.path.map(String)].join('.'), message: i.message })) } } });
  const ruleOut = (r: HookRuleInput, i: number) => ({ ...r, id: r.id ?? `r${i + 1}`, enabled: r.enabled ?? true });
  async function handle(route: Route) {
    const req = route.request();
    const url = new URL(req.url());
    const parts = url.pathname.split('/').filter(Boolean);
    const body = req.postData() ? (JSON.parse(req.postData()!) as unknown) : undefined;
    if (parts[0] === 'hooks') {
      // A sender's delivery: verified like the standard preset does, then logged.
      const h = req.headers();
      if (!endpoint || parts[1] !== endpoint.id) return json(route, 404, { error: { code: 'not_found', message: 'No such endpoint' } });
      try {
        new Webhook(SECRET).verify(req.postData() ?? '', { 'webhook-id': h['webhook-id'], 'webhook-timestamp': h['webhook-timestamp'], 'webhook-signature': h['webhook-signature'] });
      } catch {
        return json(route, 401, { error: { code: 'unauthorized', message: 'Bad signature' } });
      }
      deliveries.unshift({ id: `hd_${deliveries.length + 1}`, endpointId: endpoint.id, deliveryId: h['webhook-id'], replayOf: null, status: 'no_match', event: null, matched: [], receivedAt: T, processedAt: T, headers: { 'content-type': 'application/json', 'webhook-signature': '[redacted]' }, payload: body, results: [], error: null });
      endpoint = { ...endpoint, deliveries: endpoint.deliveries + 1, lastDeliveryAt: T };
      return json(route, 202, { ok: true });
    }
    const [, , a, id, sub] = parts; // api, hooks, endpoints or deliveries, id, sub
    const method = req.method();
    if (a === 'endpoints' && !id && method === 'GET') return json(route, 200, { items: endpoint ? [endpoint] : [], nextCursor: null });
    if (a === 'endpoints' && !id && method === 'POST') {
      const b = CreateHookEndpointBody.safeParse(body);
      if (!b.success) return invalid(route, b.error.issues);
      endpoint = { id: 'hk_1', name: b.data.name, preset: b.data.preset, url: `${stack.orch.url}/hooks/hk_1`, enabled: true, mode: 'first', rules: [], secretLast4: SECRET.slice(-4), reply: { apiUrl: null, tokenSet: false, tokenLast4: null }, deliveries: 0, rejected: 0, lastDeliveryAt: null, createdAt: T, updatedAt: T };
      return json(route, 201, { ...endpoint, secret: SECRET });
    }
    if (!endpoint) return json(route, 404, { error: { code: 'not_found', message: 'No such endpoint' } });
    if (a === 'endpoints' && !sub && method === 'GET') return json(route, 200, endpoint);
    if (a === 'endpoints' && !sub && method === 'PATCH') {
      const b = UpdateHookEndpointBody.safeParse(body);
      if (!b.success) return invalid(route, b.error.issues);
      endpoint = { ...endpoint, ...(b.data.name ? { name: b.data.name } : {}), ...(b.data.rules ? { rules: b.data.rules.map(ruleOut) } : {}), updatedAt: T };
      return json(route, 200, endpoint);
    }
    if (sub === 'test') {
      const b = TestHookRulesBody.safeParse(body);
      if (!b.success) return invalid(route, b.error.issues);
      tests.push(b.data);
      const payload = b.data.payload as { status?: string; services?: string[] };
      const rules = (b.data.rules ?? endpoint.rules).map(ruleOut);
      return json(route, 200, {
        matched: rules.filter(() => payload.status === 'failed').length,
        rules: rules.map((r) => ({ ruleId: r.id, ruleName: r.name, matched: payload.status === 'failed', wouldRun: payload.status === 'failed', conditions: r.conditions.map((c) => ({ path: c.path, op: c.op, held: payload.status === c.value, values: [payload.status], error: null })), variables: { service: payload.services?.[0] ?? null }, action: `Run a batch of ${payload.services?.length ?? 0} sessions on acme-corp/storefront` })),
      });
    }
    if (sub === 'deliveries') return json(route, 200, { items: deliveries.map(({ headers: _h, payload: _p, results: _r, error: _e, ...d }) => d), nextCursor: null });
    if (a === 'deliveries' && sub === 'replay') {
      const src = deliveries.find((d) => d.id === id)!;
      const copy = { ...src, id: `hd_${deliveries.length + 1}`, replayOf: src.id };
      deliveries.unshift(copy);
      return json(route, 202, { delivery: { ...copy, headers: undefined, payload: undefined, results: undefined, error: undefined } });
    }
    if (a === 'deliveries') return json(route, 200, deliveries.find((d) => d.id === id));
    return json(route, 404, { error: { code: 'not_found', message: `stand-in: ${method} ${url.pathname}` } });
  }
  return { SECRET, tests, deliveries, install: (w: WatchedPage) => w.page.route(/^https?:\/\/[^/]+\/(api\/hooks\/|hooks\/)/, handle) };
}

describe('webhooks in chromium', () => {
  const hooks = hooksStandin();

  it('creates an endpoint (secret once), tests a draft rule without acting, logs a signed delivery and replays it', { timeout: 90_000 }, async () => {
    const p = await openPage(stack, { viewport: { width: 1280, height: 900 } });
    const { page } = p;
    await hooks.install(p);
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

    expect(secret).toBe(hooks.SECRET);
    const endpoint = { id: 'hk_1', rules: [] as unknown[] };
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

    // Saved, then a delivery signed by the standardwebhooks package itself shows live in the log.
    await page.getByRole('button', { name: 'Save rules' }).click();
    await page.getByText('Saved 1 rule').waitFor();
    // The test sent the draft (unsaved) rule, checked against the contract by the stand-in.
    expect(hooks.tests).toHaveLength(1);
    expect(hooks.tests[0]).toMatchObject({ payload: { status: 'failed' }, mode: 'first', rules: [{ name: 'Failed deploys', conditions: [{ path: '$.body.status', op: 'equals', value: 'failed' }], action: { kind: 'run_batch', items: '$.body.services[*]', repo: 'acme-corp/storefront', extract: { service: '$.body.services[0]' } } }] });
    const body = JSON.stringify({ status: 'ok', services: [] });
    const now = new Date();
    const signature = new Webhook(secret).sign('msg_browser_1', now, body);
    // Sent from the page (the stand-in answers /hooks/{id} there); a wrong signature is refused.
    const send = (sig: string) =>
      page.evaluate(
        async ([b, s, ts]) => (await fetch('/hooks/hk_1', { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': 'msg_browser_1', 'webhook-timestamp': ts, 'webhook-signature': s }, body: b })).status,
        [body, sig, String(Math.floor(now.getTime() / 1000))] as const,
      );
    expect(await p.expectingErrors(/401/, () => send('v1,' + Buffer.from('x'.repeat(32)).toString('base64')))).toBe(401);
    expect(await send(signature)).toBe(202);
    // The live refetch comes from the server's hook.delivery event, which the stand-in does not send: reload.
    await page.reload();
    await page.getByTestId('hook-settings').waitFor();
    const log = page.getByTestId('delivery-log');
    const rows = log.getByTestId('delivery-row');
    await eventually(async () => (await rows.count()) === 1, 'the delivery in the log');

    // Its detail, and Replay (confirmed: its actions act again) adds a delivery.
    await rows.first().getByRole('button').first().click();
    const detail = log.getByTestId('delivery-detail');
    await detail.getByTestId('delivery-payload').getByText('"status": "ok"').waitFor();
    await detail.getByRole('button', { name: 'Replay' }).click();
    const confirm = page.getByTestId('replay-dialog');
    await confirm.getByText('its actions act again').waitFor();
    await confirm.getByRole('button', { name: 'Replay' }).click();
    await eventually(async () => (await rows.count()) === 2, 'the replay in the log');
    expect(hooks.deliveries.filter((d) => d.replayOf).length).toBe(1);
    expect(p.errors).toEqual([]);
    await p.context.close();

    // A viewer sees the endpoint and its log without any write, test or replay control.
    const viewerKey = (await owner.keys.create({ name: 'hooks-viewer', role: 'viewer' })).key;
    const viewer = await openPage(stack);
    await hooks.install(viewer);
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
    await hooks.install(phone);
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
