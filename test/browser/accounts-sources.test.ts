import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import { createClient, type ApiClient } from '../../packages/client/src/index';
import { eventually, login, openPage, startStack, type Stack, type WatchedPage } from './harness';

/*
 * Settings → Jules accounts and the new-session repository picker in chromium against the real server (issue #12):
 * connect a second Jules account (a second simulator with its own key and repositories), its key checked live,
 * see its repositories, then start a session on one of them by typing owner/repo, the branch prefilled.
 */

const SECOND_KEY = 'AQ.browser-second-account-7311';
let stack: Stack;
let second: JulesSimulator;
let srv: ListeningSimulator;
let api: ApiClient;

beforeAll(async () => {
  second = createJulesSimulator({
    apiKeys: [SECOND_KEY], seed: 5,
    sources: ['team-a/alpha', { owner: 'team-a', repo: 'beta-service-with-a-rather-long-repository-name', defaultBranch: 'trunk', branches: ['trunk', 'dev', 'release/1.0'], isPrivate: true }],
  });
  srv = await second.listen(0, '127.0.0.1');
  stack = await startStack({ JULES_DEMO_SESSIONS: '3', JULES_DEMO_NEW_SESSION_MS: '0', AUTOPILOT_OUTBOUND_ALLOW: `127.0.0.1:${srv.port}` });
  api = createClient({ baseUrl: stack.orch.url, apiKey: stack.key });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await srv?.close();
});

const noOverflow = (p: WatchedPage) => p.page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
const LONG = 'team-a/beta-service-with-a-rather-long-repository-name';

describe('Jules accounts and the source picker in chromium', () => {
  it('connects a second account (key checked live), lists its repositories, and starts a session from the picker by typing owner/repo', async () => {
    const p = await openPage(stack, { viewport: { width: 1440, height: 900 } });
    const { page } = p;
    await login(p, stack.orch.url, stack.key, '/settings/accounts');

    // The demo account comes from configuration: shown with its masked key, its actions disabled with the reason.
    const demo = page.locator('[data-account-name="Simulator (demo)"]');
    await demo.waitFor();
    expect(await demo.getByTestId('account-key').textContent()).toBe('••••-key');
    expect(await demo.getByRole('button', { name: 'Remove' }).isDisabled()).toBe(true);
    expect(await demo.textContent()).toContain('comes from the server’s configuration');
    await eventually(async () => (await demo.getByTestId('account-session-count').textContent()) === '3', 'the demo account’s session count');

    const form = page.getByTestId('add-account');
    await form.getByLabel('Name').fill('second');
    await form.getByLabel('API key').fill('AQ.a-key-jules-does-not-know');
    await form.getByText('Advanced').click();
    await form.getByLabel('Base URL').fill(srv.baseUrl);
    // Jules (the second simulator) refuses the key: said next to the key field, nothing saved.
    await p.expectingErrors(/status of 400/, async () => {
      await form.getByRole('button', { name: 'Check and connect' }).click();
      await form.locator('#account-key-error').filter({ hasText: 'Jules refused this key' }).waitFor();
    });
    expect((await api.sessions.accounts.list()).items.map((a) => a.name)).toEqual(['Simulator (demo)']);
    expect(second.log().some((e) => e.route === 'sources.list' && e.status === 401)).toBe(true);

    await form.getByLabel('API key').fill(SECOND_KEY);
    await form.getByRole('button', { name: 'Check and connect' }).click();
    await page.getByTestId('account-added').waitFor();
    expect(await page.getByTestId('account-added').textContent()).toContain('Jules accepted the key (••••7311)');
    expect(await form.getByLabel('API key').inputValue()).toBe('');
    const item = page.locator('[data-account-name="second"]');
    await item.waitFor();
    expect(await item.getByTestId('account-key').textContent()).toBe('••••7311');
    expect(await page.content()).not.toContain(SECOND_KEY);
    await item.getByText('Repositories').click();
    const repos = item.getByTestId('account-sources');
    await repos.getByText(LONG).waitFor();
    expect(await repos.textContent()).toContain('team-a/alpha');
    expect(await repos.textContent()).toContain('default trunk, 3 branches');
    expect(await noOverflow(p)).toBe(true);
    await p.shot('settings-accounts-1440');

    // The board: a new session on the second account's repository, typed as owner/repo.
    await page.goto(`${stack.orch.url}/sessions`);
    await page.getByTestId('board').waitFor();
    await page.getByRole('button', { name: 'New session' }).click();
    const dialog = page.getByTestId('create-dialog');
    await dialog.getByLabel('Prompt').fill('Add a status page to the beta service');
    const combo = dialog.getByRole('combobox', { name: 'Repository' });
    expect(await combo.getAttribute('aria-autocomplete')).toBe('list');
    await combo.fill('team-a/');
    const listbox = dialog.getByRole('listbox');
    await listbox.waitFor();
    expect(await combo.getAttribute('aria-expanded')).toBe('true');
    expect(await combo.getAttribute('aria-controls')).toBe(await listbox.getAttribute('id'));
    expect(await listbox.getByRole('option').allTextContents()).toEqual([expect.stringContaining('team-a/alpha'), expect.stringContaining(LONG)]);
    // Keyboard: Down, Down, Up, Enter picks the first; the branch follows the pick.
    await combo.press('ArrowDown');
    await combo.press('ArrowDown');
    expect(await combo.getAttribute('aria-activedescendant')).toBe(await listbox.getByRole('option').nth(1).getAttribute('id'));
    expect(await listbox.getByRole('option').nth(1).getAttribute('aria-selected')).toBe('true');
    await combo.press('ArrowUp');
    await combo.press('Enter');
    expect(await combo.inputValue()).toBe('team-a/alpha');
    await eventually(async () => (await dialog.getByLabel('Starting branch').inputValue()) === 'main', 'the picked repository’s default branch');
    // Escape closes the list, not the dialog.
    await combo.fill('team-a');
    await listbox.waitFor();
    await combo.press('Escape');
    await listbox.waitFor({ state: 'hidden' });
    expect(await dialog.isVisible()).toBe(true);

    // A repository no account lists is named before anything is sent.
    await combo.fill('team-a/gamma');
    await dialog.getByRole('button', { name: 'Create session' }).click();
    await dialog.getByText("Jules has no access to team-a/gamma on any of your accounts (Simulator (demo), second): connect it in Jules' GitHub settings").waitFor();

    // Typed in full: the branch is prefilled with the repository's default branch, the account is the one that lists it.
    await combo.fill(LONG);
    await eventually(async () => (await dialog.getByLabel('Starting branch').inputValue()) === 'trunk', 'the default branch prefilled');
    expect(await dialog.locator('#new-branch-options option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['trunk', 'dev', 'release/1.0']);
    await p.shot('session-create-picker-1440');
    await dialog.getByRole('button', { name: 'Create session' }).click();
    await page.getByTestId('session-detail').waitFor();
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const created = await api.sessions.get(id);
    const secondId = (await api.sessions.accounts.list()).items.find((a) => a.name === 'second')!.id;
    expect(created).toMatchObject({ source: `sources/github/${LONG}`, startingBranch: 'trunk', accountId: secondId });
    expect(second.sessions().map((s) => s.id)).toContain(created.julesId);

    // On the board.
    await page.goto(`${stack.orch.url}/sessions`);
    await page.locator(`[data-testid=session-card][data-session-id="${id}"]`).waitFor();
    expect(p.errors).toEqual([]);
    await p.context.close();
  });

  it('works at 390 px in dark mode without horizontal overflow', async () => {
    const p = await openPage(stack, { viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    const { page } = p;
    await login(p, stack.orch.url, stack.key, '/settings/accounts');
    const item = page.locator('[data-account-name="second"]');
    await item.waitFor();
    await item.getByText('Repositories').click();
    await item.getByTestId('account-sources').getByText(LONG).waitFor();
    expect(await page.evaluate(() => getComputedStyle(document.body).colorScheme)).toContain('dark');
    expect(await noOverflow(p)).toBe(true);
    await p.shot('settings-accounts-390-dark');

    // The remove confirmation says how many mirrored sessions go with the account.
    await item.getByRole('button', { name: 'Remove' }).click();
    const confirm = page.getByTestId('account-dialog');
    await confirm.getByTestId('remove-account-consequence').filter({ hasText: 'Its 1 mirrored session goes with it' }).waitFor();
    expect(await noOverflow(p)).toBe(true);
    await p.shot('settings-accounts-remove-390-dark');
    await confirm.getByRole('button', { name: 'Keep it' }).click();
    await confirm.waitFor({ state: 'hidden' });

    await page.goto(`${stack.orch.url}/sessions`);
    await page.getByTestId('board').waitFor();
    await page.getByRole('button', { name: 'New session' }).click();
    const dialog = page.getByTestId('create-dialog');
    await dialog.getByLabel('Jules account').selectOption({ label: 'second' });
    const combo = dialog.getByRole('combobox', { name: 'Repository' });
    await combo.fill('beta');
    await dialog.getByRole('listbox').getByRole('option').first().waitFor();
    expect(await dialog.getByRole('listbox').getByRole('option').count()).toBe(1);
    expect(await noOverflow(p)).toBe(true);
    await p.shot('session-create-picker-390-dark');
    expect(p.errors).toEqual([]);
    await p.context.close();
  });

  it('a member sees the accounts and why it cannot change them; a failing sync is explained in plain words', async () => {
    // The second account's key stops working upstream: the next sync records the error.
    second.setFaults({ rules: [{ op: 'sessions.list', kind: '401', count: 20 }] });
    await stack.orch.sessions.sessions.syncAll().catch(() => undefined);
    const failing = (await api.sessions.accounts.list()).items.find((a) => a.name === 'second')!;
    expect(failing.lastError).toMatch(/401/);
    const member = await api.keys.create({ name: 'member-browser', role: 'member' });

    const p = await openPage(stack, { viewport: { width: 390, height: 844 } });
    const { page } = p;
    await login(p, stack.orch.url, member.key, '/settings/accounts');
    const item = page.locator('[data-account-name="second"]');
    await item.waitFor();
    await item.getByText('Last sync failed:').waitFor();
    expect(await item.textContent()).toContain('Jules refused the key: it may have been revoked. Rotate it with a current key.');
    for (const name of ['Rename', 'Rotate key', 'Remove']) expect(await item.getByRole('button', { name }).isDisabled()).toBe(true);
    expect(await item.textContent()).toContain('Only admins and owners manage Jules accounts.');
    expect(await page.getByTestId('add-account').count()).toBe(0);
    await page.getByText('Your key is a member key.').waitFor();
    expect(await noOverflow(p)).toBe(true);
    await p.shot('settings-accounts-member-390');
    expect(p.errors).toEqual([]);
    await p.context.close();
    second.setFaults({});
  });

  it('renames, refuses a rotated key Jules does not accept, and removes the account with its sessions', async () => {
    const p = await openPage(stack, { viewport: { width: 1440, height: 900 } });
    const { page } = p;
    await login(p, stack.orch.url, stack.key, '/settings/accounts');
    const item = page.locator('[data-account-name="second"]');
    await item.waitFor();
    const dialog = page.getByTestId('account-dialog');

    await item.getByRole('button', { name: 'Rename' }).click();
    await dialog.getByLabel('New name').fill('second team');
    await dialog.getByRole('button', { name: 'Rename' }).click();
    const renamed = page.locator('[data-account-name="second team"]');
    await renamed.waitFor();

    await renamed.getByRole('button', { name: 'Rotate key' }).click();
    await dialog.getByLabel('New API key').fill('AQ.rotated-wrong-key-0000');
    await p.expectingErrors(/status of 400/, async () => {
      await dialog.getByRole('button', { name: 'Check and rotate' }).click();
      await dialog.locator('#edit-account-key-error').filter({ hasText: 'Jules refused this key' }).waitFor();
    });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await renamed.getByTestId('account-key').textContent()).toBe('••••7311');

    const account = (await api.sessions.accounts.list()).items.find((a) => a.name === 'second team')!;
    const mirrored = (await api.sessions.listAll({ accountId: account.id, archived: 'all' })).map((s) => s.id);
    expect(mirrored).toHaveLength(1);
    await renamed.getByRole('button', { name: 'Remove' }).click();
    await dialog.getByText('Its 1 mirrored session goes with it').waitFor();
    await dialog.getByRole('button', { name: 'Remove account' }).click();
    await renamed.waitFor({ state: 'detached' });
    expect((await api.sessions.accounts.list()).items.map((a) => a.name)).toEqual(['Simulator (demo)']);
    // Its mirrored session went with it.
    await expect(api.sessions.get(mirrored[0])).rejects.toMatchObject({ status: 404 });
    expect(p.errors).toEqual([]);
    await p.context.close();
  });
});
