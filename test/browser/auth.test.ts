import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, openPage, startStack, type Stack } from './harness';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.close();
});

describe('log-in cookie and content security policy in chromium', () => {
  it('logs in through the form into an HttpOnly cookie: no key in storage, live events over the cookie', async () => {
    const p = await openPage(stack);
    const { page } = p;
    const first = await page.goto(stack.orch.url);
    expect(first?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    expect(first?.headers()['x-frame-options']).toBe('DENY');
    await login(p, stack.orch.url, stack.key, '/system');
    await page.locator('[data-testid=connection][data-state=connected]').waitFor();
    const stored = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie }));
    expect(stored).not.toContain(stack.key);
    const cookies = await p.context.cookies();
    const session = cookies.find((c) => c.name === 'autopilot_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    // Scripts on the page cannot read the session token.
    expect(await page.evaluate(() => document.cookie)).not.toContain(session!.value);
    // A write from the page (cookie + CSRF header) works: the keeper settings page saves through it.
    const status = await page.evaluate(async () => {
      const csrf = document.cookie.split('; ').find((c) => c.startsWith('autopilot_csrf='))?.split('=')[1] ?? '';
      const res = await fetch('/api/keys', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ name: 'from-page', role: 'viewer' }) });
      return res.status;
    });
    expect(status).toBe(201);
    expect(p.errors).toEqual([]);
    await p.context.close();
  });

  it('enforces the CSP: an injected inline script does not run, and the app itself triggers no violation', async () => {
    const p = await openPage(stack);
    const { page } = p;
    await login(p, stack.orch.url, stack.key, '/sessions');
    await page.getByTestId('session-card').first().waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'System' }).click();
    await page.getByTestId('components').waitFor();
    expect(p.errors).toEqual([]);
    const violations = await p.expectingErrors(/CSP violation|Content Security Policy|Refused to execute/, async () => {
      const seen = page.evaluate(
        () =>
          new Promise<string>((resolve) => {
            document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true });
            const s = document.createElement('script');
            s.textContent = 'window.__injected = true';
            document.body.appendChild(s);
          }),
      );
      return seen;
    });
    expect(violations).toMatch(/script-src/);
    expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
    expect(p.errors).toEqual([]);
    await p.context.close();
  });
});
