import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ApiClient } from '../../packages/client/src/index';
import { ARTIFACTS, eventually, openPage, startStack, type Stack, type WatchedPage } from './harness';

/*
 * PENDING (not collected by vitest: rename to keys-audit-scoped.test.ts once the scoped-key routes (H3: scopes,
 * limits, GET /api/keys/{id}/usage) and the audit API (H4) are in). Issue #16 in chromium: a scoped API key with limits made in the Keys tab, its usage after calls with it, a call
 * beyond its scopes refused; the audit log lists the key's creation with its actor, filters narrow it, Verify says
 * OK; then a row of the real SQLite file is edited behind the server's back and Verify names the first bad entry.
 */

let stack: Stack;
let ws: { id: string; key: string };
let owner: ApiClient;
const SHOTS = path.join(ARTIFACTS, 'keys-audit');

beforeAll(async () => {
  stack = await startStack({ JULES_DEMO_SESSIONS: '0' });
  const root = createClient({ baseUrl: stack.orch.url, apiKey: stack.key });
  const created = await root.workspaces.create({ name: 'keys-audit' });
  ws = { id: created.workspace.id, key: created.ownerKey?.key ?? '' };
  owner = createClient({ baseUrl: stack.orch.url, apiKey: ws.key });
  fs.mkdirSync(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

/** Signs in with `key` through the API (the cookies land in the page's context), then opens `pathname`. */
async function login(p: WatchedPage, baseUrl: string, key: string, pathname: string) {
  const res = await p.context.request.post(`${baseUrl}/api/auth/session`, { data: { apiKey: key } });
  expect(res.ok(), `log-in answered ${res.status()}`).toBe(true);
  await p.page.goto(baseUrl + pathname);
  await p.page.getByTestId('workspace').waitFor();
}

const noOverflow = (p: WatchedPage) => p.page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

/** Screenshots of the current path at 1440 and 390 px, light and dark, each without horizontal overflow. */
async function shots(name: string, pathname: string, ready: (p: WatchedPage) => Promise<unknown>) {
  for (const colorScheme of ['light', 'dark'] as const)
    for (const width of [1440, 390]) {
      const p = await openPage(stack, { viewport: { width, height: 900 }, colorScheme });
      await login(p, stack.orch.url, ws.key, pathname);
      await ready(p);
      expect(await noOverflow(p), `${name} at ${width} px ${colorScheme} overflows`).toBe(true);
      await p.shot(`keys-audit/${name}-${width}-${colorScheme}`);
      expect(p.errors).toEqual([]);
      await p.context.close();
    }
}

/** The SQLite triggers that guard audit_log are dropped, `sql` runs, and the triggers are put back as they were. */
function tamper(sql: string, params: unknown[] = []) {
  const file = (stack.orch.config.database as { kind: 'sqlite'; file: string }).file;
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 5000');
    const triggers = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'").all() as { name: string; sql: string }[];
    expect(triggers.length).toBeGreaterThan(0);
    db.transaction(() => {
      for (const t of triggers) db.exec(`DROP TRIGGER "${t.name}"`);
      const changed = db.prepare(sql).run(...params).changes;
      expect(changed).toBe(1);
      for (const t of triggers) db.exec(t.sql);
    })();
  } finally {
    db.close();
  }
}

describe('keys with scopes and limits, and the audit log, in chromium', () => {
  let secret = '';

  it('creates a key with scopes and limits; its usage shows after calls with it; a call beyond its scopes is refused', async () => {
    const p = await openPage(stack, { viewport: { width: 1440, height: 900 } });
    const { page } = p;
    await login(p, stack.orch.url, ws.key, '/settings/keys');
    const form = page.getByTestId('create-key');
    await form.getByLabel('Name').fill('reader-bot');
    await form.getByLabel('Role').selectOption('member');
    const scopes = form.getByTestId('new-key-scopes');
    await scopes.getByLabel('Everything its role allows').uncheck();
    await scopes.getByLabel('sessions read').check();
    await scopes.getByLabel('templates read').check();
    await form.getByLabel('Requests per day').fill('40');
    await form.getByLabel('LLM $ per month').fill('2.5');
    await form.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByTestId('key-secret-dialog');
    secret = (await dialog.getByTestId('key-secret').textContent())!.trim();
    expect(secret).toMatch(/^ap_/);
    await dialog.getByRole('button', { name: 'I have stored it' }).click();

    const listed = (await owner.keys.list()).items.find((k) => k.name === 'reader-bot')! as { scopes?: string[] | null; limits?: unknown };
    expect([...(listed.scopes ?? [])].sort()).toEqual(['sessions:read', 'templates:read']);
    expect(listed.limits).toMatchObject({ requestsPerDay: 40, llmUsdPerMonth: 2.5 });

    // Calls with the key: reads in scope pass, a write and a resource outside its scopes are refused with 403.
    const call = (pathname: string, init: RequestInit = {}) => fetch(stack.orch.url + pathname, { ...init, headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', ...init.headers } });
    for (let i = 0; i < 5; i++) expect((await call('/api/sessions')).status).toBe(200);
    expect((await call('/api/templates')).status).toBe(200);
    const refused = await call('/api/keeper/settings');
    expect(refused.status).toBe(403);
    expect(JSON.stringify(await refused.json())).toContain('keeper:read');
    const write = await call('/api/templates', { method: 'POST', body: JSON.stringify({ name: 'nope', prompt: 'x' }) });
    expect(write.status).toBe(403);

    const item = page.locator('[data-key-name="reader-bot"]');
    await eventually(async () => {
      await page.reload();
      await item.waitFor();
      const bar = item.getByTestId('usage-requests');
      return (await bar.count()) > 0 && Number(await bar.getAttribute('data-used')) >= 6;
    }, 'the requests-today bar to count the calls made with the key');
    expect(await item.getByTestId('usage-requests').getAttribute('data-limit')).toBe('40');
    expect(await item.getByTestId('usage-llm').getAttribute('data-limit')).toBe('2.5');
    expect(await item.textContent()).toContain('sessions (read)');
    expect(p.errors).toEqual([]);
    await p.context.close();
    await shots('keys', '/settings/keys', (q) => q.page.locator('[data-key-name="reader-bot"]').getByTestId('usage-requests').waitFor());
  });

  it('lists the key creation with its actor, narrows by filters, verifies OK, and names the first bad entry after tampering', async () => {
    const p = await openPage(stack, { viewport: { width: 1440, height: 900 } });
    const { page } = p;
    await login(p, stack.orch.url, ws.key, '/audit');
    const created = page.locator('[data-testid="audit-entry"]', { hasText: 'reader-bot' }).first();
    await created.waitFor();
    expect(await created.textContent()).toContain('owner'); // the workspace's owner key made it
    expect(await created.locator('.audit-kind').textContent()).toBe('key');
    const action = (await created.getAttribute('data-action'))!;
    const all = await page.getByTestId('audit-entry').count();

    // Filter by the action: only entries of that action are left, and the URL says so.
    const filters = page.getByTestId('audit-filters');
    await filters.getByLabel('Action').fill(action);
    await filters.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/action=/);
    await eventually(async () => {
      const actions = await page.getByTestId('audit-entry').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
      return actions.length > 0 && actions.every((a) => a === action) && actions.length <= all;
    }, 'the table to show only the filtered action');
    // A day with nothing in it leaves nothing.
    await filters.getByLabel('To').fill('2001-01-01');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await page.getByTestId('audit-empty').waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    await created.waitFor();

    await page.getByRole('button', { name: 'Verify' }).click();
    const result = page.getByTestId('verify-result');
    await result.waitFor();
    expect(await result.getAttribute('data-ok')).toBe('true');
    expect(await result.textContent()).toContain('OK');
    await page.getByRole('button', { name: 'Make checkpoint now' }).click();
    await page.getByTestId('audit-checkpoint').first().waitFor();
    await p.shot('keys-audit/audit-verified');

    // Behind the server's back: an entry's recorded action is edited in the database file.
    const seq = Number(await created.getAttribute('data-seq'));
    tamper('UPDATE audit_log SET action = ? WHERE workspace_id = ? AND seq = ?', ['nothingHappened', ws.id, seq]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.locator('[data-testid="verify-result"][data-ok="false"]').waitFor();
    expect(await page.getByTestId('verify-first-bad').textContent()).toBe(`#${seq}`);
    await p.shot('keys-audit/audit-broken');
    expect(p.errors).toEqual([]);
    await p.context.close();
    await shots('audit', '/audit', (q) => q.page.getByTestId('audit-entry').first().waitFor());
  });
});
