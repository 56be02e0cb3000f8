import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ApiClient } from '../../packages/client/src/index';
import { routes } from '../../packages/contracts/src/index';
import { ARTIFACTS, eventually, loginByApi, noOverflow, openPage, shotsAt, startStack, type Stack, type WatchedPage } from './harness';

/*
 * Issue #16 in chromium: Settings → Data exports and imports; the audit log lists a key made in the Keys tab with the
 * person who made it, filters (kept in the URL) narrow it, "Load more" pages by cursor, Verify says OK, a checkpoint
 * is signed and the NDJSON export downloads; then a row of the real SQLite file is edited behind the server's back
 * (the append-only triggers dropped and put back) and Verify names that entry in red. A viewer gets the API's 403
 * reason instead of the page.
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

describe('Settings → Data in chromium', () => {
  it('downloads an export of chosen tables, dry-runs its import (nothing written), applies it, and names a bad line', async () => {
    await owner.templates.create({ name: 'exported-template', prompt: 'Fix the flaky test' });
    const p = await openPage(stack, { viewport: { width: 1440, height: 900 } });
    const { page } = p;
    await loginByApi(p, stack.orch.url, ws.key, '/settings/data');
    const exp = page.getByTestId('export-form');
    await exp.getByRole('checkbox', { name: 'templates', exact: true }).waitFor();
    for (const box of await exp.getByRole('checkbox').all()) await box.uncheck();
    await exp.getByRole('checkbox', { name: 'templates', exact: true }).check();
    const [download] = await Promise.all([page.waitForEvent('download'), exp.getByRole('button', { name: 'Download export' }).click()]);
    const file = path.join(SHOTS, 'export.ndjson');
    await download.saveAs(file);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.some((l) => l.includes('exported-template'))).toBe(true);
    expect(lines.every((l) => !l.includes('"llm_providers"'))).toBe(true);
    await exp.getByTestId('export-done').waitFor();

    // The same file back: a dry run says nothing would change and writes nothing; applying reports the same.
    const imp = page.getByTestId('import-form');
    await imp.getByLabel('Export file').setInputFiles(file);
    await imp.getByRole('button', { name: 'Dry run' }).click();
    await imp.getByTestId('import-summary').filter({ hasText: 'Dry run' }).waitFor();
    const row = imp.getByTestId('import-result').getByRole('row', { name: /templates/ });
    expect((await row.textContent())?.replace(/\s+/g, ' ')).toMatch(/templates\s*0\s*0\s*1/);
    await imp.getByRole('button', { name: 'Apply import' }).click();
    await imp.getByTestId('import-summary').filter({ hasText: 'Imported.' }).waitFor();
    await p.shot('keys-audit/data-imported');

    // A broken line: the problem is named by its line, nothing written.
    const bad = [...lines];
    bad[1] = bad[1].replace(/"name":"[^"]*"/, '"name":42');
    const badFile = path.join(SHOTS, 'export-bad.ndjson');
    fs.writeFileSync(badFile, `${bad.join('\n')}\n`);
    await imp.getByLabel('Export file').setInputFiles(badFile);
    await p.expectingErrors(/400/, async () => {
      await imp.getByRole('button', { name: 'Dry run' }).click();
      await imp.getByTestId('import-problems').waitFor();
    });
    expect(await imp.getByTestId('import-problems').textContent()).toMatch(/Line 2/);
    await p.shot('keys-audit/data-problems');
    expect(p.errors).toEqual([]);
    await p.context.close();
    await shotsAt(stack, ws.key, 'keys-audit/data', '/settings/data', (q) => q.page.getByTestId('export-form').getByRole('checkbox', { name: 'templates', exact: true }).waitFor());
  });
});

const PERSON = { name: 'Audrey Auditor', email: 'audrey@example.com', password: 'auditor password 0001' };
const CREATE_KEY = (routes.workspaces.createKey as { operationId?: string }).operationId!;

/**
 * Edits the SQLite file behind the server's back: the triggers that make audit_entries append-only
 * (audit_entries_no_update, audit_entries_no_delete) are dropped, `sql` changes exactly one row, and they are put back.
 */
function tamper(sql: string, params: unknown[]) {
  const file = (stack.orch.config.database as { kind: 'sqlite'; file: string }).file;
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 5000');
    const triggers = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_entries'").all() as { name: string; sql: string }[];
    expect(triggers.map((t) => t.name)).toEqual(expect.arrayContaining(['audit_entries_no_update', 'audit_entries_no_delete']));
    // With the triggers in place the database itself refuses the edit.
    expect(() => db.prepare(sql).run(...params)).toThrow();
    db.transaction(() => {
      for (const t of triggers) db.exec(`DROP TRIGGER "${t.name}"`);
      expect(db.prepare(sql).run(...params).changes).toBe(1);
      for (const t of triggers) db.exec(t.sql);
    })();
    const back = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_entries'").all() as { name: string }[];
    expect(back.map((t) => t.name).sort()).toEqual(triggers.map((t) => t.name).sort());
  } finally {
    db.close();
  }
}

const seqsOf = (p: WatchedPage) => p.page.getByTestId('audit-entry').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-seq'))));
const actionsOf = (p: WatchedPage) => p.page.getByTestId('audit-entry').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));

describe('the audit log in chromium', () => {
  let p: WatchedPage;
  let keySeq = -1;
  let keySecret = '';

  afterAll(async () => {
    await p?.context.close();
  });

  it('shows the key a person made in the Keys tab, with that person as actor, its request id and its summary', async () => {
    // More than one page of entries (50) in the default workspace, all older than the key's creation.
    const root = createClient({ baseUrl: stack.orch.url, apiKey: stack.key });
    for (let i = 0; i < 55; i++) await root.templates.create({ name: `audit-filler-${i}`, prompt: 'Fill the audit log' });

    p = await openPage(stack, { viewport: { width: 1440, height: 900 } });
    const { page } = p;
    await page.goto(`${stack.orch.url}/signup`);
    for (const [label, value] of Object.entries({ Name: PERSON.name, 'E-mail': PERSON.email, Password: PERSON.password, 'Owner key': stack.key })) await page.getByLabel(label, { exact: true }).fill(value);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('workspace').waitFor();

    await page.goto(`${stack.orch.url}/settings/keys`);
    const form = page.getByTestId('create-key');
    await form.getByLabel('Name').fill('audit-bot');
    const [created] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/keys') && r.request().method() === 'POST'), form.getByRole('button', { name: 'Create key' }).click()]);
    expect(created.status()).toBe(201);
    const requestId = created.headers()['x-request-id'];
    expect(requestId).toBeTruthy();
    const dialog = page.getByTestId('key-secret-dialog');
    keySecret = (await dialog.getByTestId('key-secret').textContent())!.trim();
    expect(keySecret).toMatch(/^ap_/);
    await dialog.getByRole('button', { name: 'I have stored it' }).click();

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.waitForURL(/\/audit$/);
    // Newest first: the latest key creation is the one just made (its summary is checked below).
    const row = page.locator(`[data-testid="audit-entry"][data-action="${CREATE_KEY}"]`).first();
    await row.waitFor();
    expect(await row.getByTestId('audit-actor-kind').textContent()).toBe('person');
    expect(await row.getByTestId('audit-actor-name').textContent()).toBe(PERSON.name);
    expect(await row.getByTestId('audit-request').textContent()).toBe(requestId);
    expect(await row.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    keySeq = Number(await row.getAttribute('data-seq'));
    // Newest first: the key's creation is above every filler template.
    const seqs = await seqsOf(p);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(seqs.length).toBe(50);
    expect(seqs.indexOf(keySeq)).toBeLessThan(3);

    // The before/after summary opens: the key's name and role, never its secret.
    expect(await row.getByTestId('audit-diff').count()).toBe(0);
    await row.getByTestId('audit-change').click();
    const diff = row.getByTestId('audit-diff');
    expect(await diff.getByRole('row', { name: /name/ }).textContent()).toContain('audit-bot');
    expect(await diff.getByRole('row', { name: /role/ }).textContent()).toContain('member');
    expect(await row.textContent()).not.toContain(keySecret);
    await row.getByTestId('audit-change').click();
    expect(await row.getByTestId('audit-diff').count()).toBe(0);
    expect(p.errors).toEqual([]);
  });

  it('loads older entries by cursor, and narrows by action, actor and time, the filters kept in the URL', async () => {
    const { page } = p;
    const first = await seqsOf(p);
    await page.getByTestId('audit-more').click();
    await eventually(async () => (await seqsOf(p)).length > 50, 'the second page to load');
    const all = await seqsOf(p);
    expect(all.slice(0, 50)).toEqual(first);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual([...all].sort((a, b) => b - a));
    expect(all.at(-1)).toBe(0);
    expect(await page.getByTestId('audit-more').count()).toBe(0);

    const filters = page.getByTestId('audit-filters');
    await filters.getByLabel('Action', { exact: true }).fill(CREATE_KEY);
    await filters.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(new RegExp(`action=${CREATE_KEY}`));
    await eventually(async () => {
      const actions = await actionsOf(p);
      return actions.length > 0 && actions.length < all.length && actions.every((a) => a === CREATE_KEY);
    }, 'the table to show only key creations');
    expect(await seqsOf(p)).toContain(keySeq);

    // The URL holds the filter: a reload shows the same narrowed list with the field filled in.
    await page.reload();
    await page.getByTestId('audit-entry').first().waitFor();
    expect(await filters.getByLabel('Action', { exact: true }).inputValue()).toBe(CREATE_KEY);
    expect((await actionsOf(p)).every((a) => a === CREATE_KEY)).toBe(true);

    // By actor kind: only the person's entries (the sign-up, the key), not the owner key's templates.
    await filters.getByLabel('Action', { exact: true }).fill('');
    await filters.getByLabel('Actor', { exact: true }).fill('person');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/actor=person/);
    await eventually(async () => {
      const kinds = await page.getByTestId('audit-entry').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-actor-kind')));
      const actions = await actionsOf(p);
      return kinds.length > 0 && kinds.length < 10 && kinds.every((k) => k === 'person') && actions.includes(CREATE_KEY) ? true : undefined;
    }, 'the table to show only entries by people');

    // A time range with nothing in it leaves nothing; Clear brings everything back.
    await filters.getByLabel('From', { exact: true }).fill('2001-01-01');
    await filters.getByLabel('To', { exact: true }).fill('2001-01-02');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await page.getByTestId('audit-empty').waitFor();
    expect(new URL(page.url()).searchParams.get('to')).toBe('2001-01-02');
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.waitForURL(/\/audit$/);
    await page.locator(`[data-testid="audit-entry"][data-seq="${keySeq}"]`).waitFor();
    expect(p.errors).toEqual([]);
  });

  it('verifies OK, signs a checkpoint, and downloads the chain as NDJSON without the secret', async () => {
    const { page } = p;
    await page.getByRole('button', { name: 'Verify' }).click();
    const result = page.getByTestId('verify-result');
    await result.waitFor();
    expect(await result.getAttribute('data-ok')).toBe('true');
    const server = await createClient({ baseUrl: stack.orch.url, apiKey: stack.key }).audit.verify();
    expect(server.ok).toBe(true);
    const okText = (await result.textContent())!;
    expect(okText).toContain('OK');
    expect(okText).toContain(`${server.checked} entries recomputed`);
    expect(okText).toContain('0 signed checkpoints match');

    expect(await page.getByTestId('audit-checkpoint').count()).toBe(0);
    await page.getByRole('button', { name: 'Checkpoint now' }).click();
    const cp = page.getByTestId('audit-checkpoint').first();
    await cp.waitFor();
    expect(Number(await cp.getAttribute('data-size'))).toBeGreaterThan(keySeq);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('verify-result').filter({ hasText: '1 signed checkpoint matches' }).waitFor();
    await p.shot('keys-audit/audit-verified');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export').click()]);
    const file = path.join(SHOTS, 'audit.ndjson');
    await download.saveAs(file);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'audit.header', firstSeq: 0 });
    expect(lines.slice(1).map((e) => e.seq)).toEqual(Array.from({ length: lines.length - 1 }, (_, i) => i));
    expect(lines.find((e) => e.seq === keySeq)).toMatchObject({ action: CREATE_KEY, actor: { kind: 'person', name: PERSON.name } });
    expect(fs.readFileSync(file, 'utf8')).not.toContain(keySecret);
    expect(p.errors).toEqual([]);
  });

  it('names the edited entry in red after its row is changed in the SQLite file', async () => {
    const { page } = p;
    const workspaceId = (await createClient({ baseUrl: stack.orch.url, apiKey: stack.key }).me()).workspace.id;
    tamper("UPDATE audit_entries SET after_json = json_set(after_json, '$.name', 'someone-else') WHERE workspace_id = ? AND seq = ?", [workspaceId, keySeq]);
    await page.getByRole('button', { name: 'Verify' }).click();
    const bad = page.locator('[data-testid="verify-result"][data-ok="false"]');
    await bad.waitFor();
    expect(await bad.getByTestId('verify-first-bad').textContent()).toBe(`#${keySeq}`);
    expect(await bad.getAttribute('data-reason')).toBe('hash_mismatch');
    expect(await bad.getByTestId('verify-reason').textContent()).toMatch(/changed after it was written/);
    expect(await bad.getByTestId('verify-message').textContent()).toContain(`seq ${keySeq}`);
    expect(await bad.getAttribute('role')).toBe('alert');
    // Clearly red: the border and text are the theme's --bad colour.
    const colours = await bad.evaluate((el) => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--bad)';
      document.body.append(probe);
      const want = getComputedStyle(probe).color;
      probe.remove();
      const s = getComputedStyle(el);
      return { want, border: s.borderTopColor, text: s.color };
    });
    expect(colours.border).toBe(colours.want);
    expect(colours.text).toBe(colours.want);
    // The list shows the edited row as it now stands.
    await page.reload();
    const edited = page.locator(`[data-testid="audit-entry"][data-seq="${keySeq}"]`);
    await edited.getByTestId('audit-change').click();
    expect(await edited.getByTestId('audit-diff').getByRole('row', { name: /^name/ }).textContent()).toContain('someone-else');
    await page.getByRole('button', { name: 'Verify' }).click();
    await bad.waitFor();
    await p.shot('keys-audit/audit-broken');
    expect(p.errors).toEqual([]);

    // At 1440 and 390 px, light and dark: the broken chain's result, without overflow or page error.
    await shotsAt(stack, stack.key, 'keys-audit/audit', '/audit', async (q) => {
      await q.page.getByTestId('audit-entry').first().waitFor();
      await q.page.getByTestId('audit-checkpoint').first().waitFor();
      await q.page.getByRole('button', { name: 'Verify' }).click();
      await q.page.locator('[data-testid="verify-result"][data-ok="false"]').waitFor();
      await q.page.getByTestId('audit-change').first().click();
    });
  });

  it('gives a viewer the API\'s 403 reason instead of the page, and no Audit log entry in the navigation', async () => {
    const root = createClient({ baseUrl: stack.orch.url, apiKey: stack.key });
    const viewer = await root.keys.create({ name: 'audit-viewer', role: 'viewer' });
    const refused = await fetch(`${stack.orch.url}/api/audit`, { headers: { authorization: `Bearer ${viewer.key}` } });
    expect(refused.status).toBe(403);
    const reason = ((await refused.json()) as { error: { message: string } }).error.message;
    expect(reason).toBeTruthy();
    for (const width of [1440, 390]) {
      const v = await openPage(stack, { viewport: { width, height: 900 }, colorScheme: width === 390 ? 'dark' : 'light' });
      await v.expectingErrors(/403/, async () => {
        await loginByApi(v, stack.orch.url, viewer.key, '/audit');
        await v.page.getByTestId('audit-denied').waitFor();
      });
      expect(await v.page.getByTestId('audit-denied').textContent()).toBe(reason);
      expect(await v.page.getByTestId('audit-verify').count()).toBe(0);
      expect(await v.page.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
      expect(await noOverflow(v)).toBe(true);
      await v.shot(`keys-audit/audit-denied-${width}`);
      expect(v.errors).toEqual([]);
      await v.context.close();
    }
  });
});
