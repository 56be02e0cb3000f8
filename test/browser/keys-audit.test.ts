import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ApiClient } from '../../packages/client/src/index';
import { ARTIFACTS, loginByApi, openPage, shotsAt, startStack, type Stack } from './harness';

/*
 * Issue #16 in chromium: a scoped API key with limits made in the Keys tab, its usage after calls with it, a call
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
