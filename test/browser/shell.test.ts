import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, openPage, startFlakyProxy, startStack, type FlakyProxy, type Stack, type WatchedPage } from './harness';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.close();
});

describe('dashboard shell in chromium', () => {
  it('refuses a bad key, logs in with a good one and shows workspace, role, simulator banner, live state and health', async () => {
    const p = await openPage(stack);
    const { page } = p;
    await page.goto(stack.orch.url);
    await page.getByLabel('API key').waitFor();
    await p.shot('shell-login');

    // Chromium logs the deliberate 401 as a console error; only that one is expected here.
    await p.expectingErrors(/status of 401/, async () => {
      await page.getByLabel('API key').fill('definitely-not-a-valid-key');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
    });
    expect(await page.getByRole('alert').textContent()).toContain('not accepted');
    await p.shot('shell-login-bad-key');

    await page.getByLabel('API key').fill(stack.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('workspace').waitFor();
    expect(await page.getByTestId('workspace').textContent()).toBe('default');
    expect(await page.getByTestId('role').textContent()).toBe('owner');
    expect(await page.getByTestId('simulated-banner').textContent()).toContain('Sessions are simulated by the built-in Jules simulator');
    await page.locator('[data-testid=connection][data-state=connected]').waitFor();
    // The key is exchanged for an HttpOnly cookie: the page keeps no copy of it.
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + document.cookie)).not.toContain(stack.key);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'System' }).click();
    await page.getByTestId('components').waitFor();
    expect(page.url()).toBe(`${stack.orch.url}/system`);
    const rows = await page.getByTestId('components').locator('tbody tr').allTextContents();
    expect(rows.some((r) => r.startsWith('database') && r.includes('ok'))).toBe(true);
    expect(rows.some((r) => r.startsWith('queue'))).toBe(true);
    expect(await page.getByTestId('health').textContent()).toContain('sqlite');
    expect(await page.getByRole('link', { name: 'System' }).getAttribute('aria-current')).toBe('page');
    await page.getByTestId('jules-accounts').getByText('simulator', { exact: true }).waitFor();
    await p.shot('shell-system-light');

    // A reload keeps the session (the cookie) and the deep link.
    await page.reload();
    await page.getByTestId('components').waitFor();
    expect(await page.getByTestId('workspace').textContent()).toBe('default');

    // The theme toggle switches to dark explicitly.
    await page.getByRole('button', { name: /Theme: system/ }).click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(15, 18, 22)');
    await p.shot('shell-system-dark');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect((await p.context.cookies()).map((c) => c.name)).not.toContain('autopilot_session');
    await page.reload();
    await page.getByLabel('API key').waitFor();
    expect(p.errors).toEqual([]);
    await p.context.close();
  });

  it('follows prefers-color-scheme, is keyboard navigable and fits a phone screen', async () => {
    const p = await openPage(stack, { viewport: { width: 390, height: 800 }, colorScheme: 'dark' });
    const { page } = p;
    await login(p, stack.orch.url, stack.key, '/system');
    await page.getByTestId('components').waitFor();
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(15, 18, 22)');

    // First Tab reaches the skip link; following it moves focus to the page content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');

    // Keyboard-only navigation through the nav links.
    await page.getByRole('link', { name: 'Keeper' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Keeper' }).waitFor();
    expect(page.url()).toBe(`${stack.orch.url}/keeper`);

    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await p.shot('shell-phone-dark');

    expect(p.errors).toEqual([]);
    await p.context.close();
  });

  /** A fresh page logged in through a proxy the test can cut, on the System page with its code loaded. */
  async function behindFlakyProxy(fn: (p: WatchedPage, proxy: FlakyProxy) => Promise<void>): Promise<void> {
    const proxy = await startFlakyProxy(stack.orch.url);
    const p = await openPage(stack);
    try {
      await login(p, proxy.url, stack.key, '/system');
      // The page's own code arrives on demand: cut only once it has (the chunk failure is a test of its own).
      await p.page.getByRole('heading', { name: 'System' }).waitFor();
      await fn(p, proxy);
    } finally {
      await p.context.close();
      await proxy.close();
    }
  }

  it('shows the live connection state: reconnecting while the network is down, live again after', () =>
    behindFlakyProxy(async (p, proxy) => {
      const { page } = p;
      await page.locator('[data-testid=connection][data-state=connected]').waitFor();
      // While the network is down the browser logs failed requests; those are the point of this test.
      await p.expectingErrors(/Failed to load resource|net::ERR_/, async () => {
        proxy.cut();
        await page.locator('[data-testid=connection][data-state=reconnecting]').waitFor();
        expect(await page.getByTestId('connection').textContent()).toBe('Reconnecting…');
        await p.shot('shell-reconnecting');
        proxy.restore();
        await page.locator('[data-testid=connection][data-state=connected]').waitFor({ timeout: 30_000 });
      });
      expect(await page.getByTestId('connection').textContent()).toBe('Live');
      expect(p.errors).toEqual([]);
    }));

  it("keeps the shell when a page's code cannot be fetched, and offers a reload that brings the page back", () =>
    behindFlakyProxy(async (p, proxy) => {
      const { page } = p;
      await p.expectingErrors(/Failed to load resource|net::ERR_|dynamically imported module|Unable to preload CSS|page failed/, async () => {
        proxy.cut();
        // The Keeper page has not been visited in this page yet, so its chunk must be fetched now, and cannot be.
        await page.getByRole('link', { name: 'Keeper' }).click();
        await page.getByTestId('page-error').waitFor();
        expect(await page.getByTestId('page-error').textContent()).toContain('This page could not be loaded.');
        // The shell survives: navigation and the connection state are still on screen.
        expect(await page.getByRole('link', { name: 'Sessions' }).isVisible()).toBe(true);
        expect(await page.getByTestId('connection').isVisible()).toBe(true);
        await p.shot('shell-page-chunk-failed');
        proxy.restore();
        await page.getByRole('button', { name: 'Reload' }).click();
        await page.getByRole('heading', { name: 'Keeper' }).waitFor({ timeout: 30_000 });
      });
      expect(await page.getByTestId('page-error').count()).toBe(0);
      expect(p.errors).toEqual([]);
    }));
});
