import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../packages/senders-sim/src/index';
import { startOidcStandIn, type OidcStandIn } from '../../packages/server/test/oidc-stand-in';
import { eventually, noOverflow, openPage, startStack, type Stack, type WatchedPage } from './harness';

/*
 * People in chromium against the real server (issue #16): the first person signs up with the owner key, invites a
 * colleague (the invitation is e-mailed to an SMTP sink), the colleague accepts in a second browser context and
 * lands as member; each switcher lists only that person's workspaces; the owner changes the colleague's role; the
 * colleague resets the password through the e-mailed link; the owner signs in with OpenID Connect through a real
 * provider (oidc-provider on 127.0.0.1), following its redirects. Public pages are shot at 1440 and 390 px,
 * light and dark, without horizontal overflow.
 */

const OWNER = { name: 'Olivia Owner', email: 'olivia@example.com', password: 'owner password 0001' };
const COLLEAGUE = { name: 'Colin Colleague', email: 'colin@example.com', password: 'colleague password 01', next: 'colleague new password 02' };
const CLIENT = { clientId: 'autopilot-browser', clientSecret: 'browser-stand-in-secret-0123456789' };

let stack: Stack;
let smtp: SmtpSink;
let idp: OidcStandIn;
let base: string;

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The first link to this server in the newest e-mail to `to` whose text contains `marker`. */
async function mailedLink(to: string, marker: string): Promise<string> {
  return eventually(async () => {
    const m = [...smtp.messages].reverse().find((x) => x.to.includes(to) && x.text.includes(marker));
    return m ? new RegExp(`${base.replace(/[.:/]/g, '\\$&')}\\S+`).exec(m.text.replace(/=\r?\n/g, ''))?.[0] : undefined;
  }, `an e-mail to ${to} with ${marker}`);
}

beforeAll(async () => {
  smtp = await startSmtpSink();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  idp = await startOidcStandIn({ ...CLIENT, redirectUris: [`${base}/auth/oidc/callback`], accounts: [{ sub: 'olivia-at-idp', email: OWNER.email, email_verified: true, name: OWNER.name }] });
  stack = await startStack({ PORT: String(port), JULES_DEMO_SESSIONS: '0', SMTP_URL: smtp.url, SMTP_FROM: 'autopilot@example.com', OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: CLIENT.clientId, OIDC_CLIENT_SECRET: CLIENT.clientSecret, OIDC_NAME: 'Example SSO' });
  expect(stack.orch.url).toBe(base);
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await idp?.close();
  await smtp?.close();
});

async function fill(p: WatchedPage, fields: Record<string, string>) {
  for (const [label, value] of Object.entries(fields)) await p.page.getByLabel(label, { exact: true }).fill(value);
}

async function switcherOptions(p: WatchedPage): Promise<string[]> {
  await p.page.getByTestId('workspace-switcher').click();
  const names = await p.page.getByTestId('workspace-option').locator('.ws-item-name').allTextContents();
  await p.page.getByTestId('workspace-switcher').click();
  return names;
}

describe('people in the browser', () => {
  let owner: WatchedPage;
  let colleague: WatchedPage;

  it('the first person signs up with the owner key and lands in the default workspace as owner', async () => {
    owner = await openPage(stack, { viewport: { width: 1440, height: 900 } });
    await owner.page.goto(`${base}/signup`);
    await fill(owner, { Name: OWNER.name, 'E-mail': OWNER.email, Password: OWNER.password, 'Owner key': stack.key });
    await owner.page.getByRole('button', { name: 'Create account' }).click();
    await owner.page.getByTestId('workspace').waitFor();
    expect(await owner.page.getByTestId('workspace').textContent()).toBe('default');
    const me = (await (await owner.context.request.get(`${base}/api/me`)).json()) as { person: { email: string; workspaces: Array<{ role: string }> } };
    expect(me.person.email).toBe(OWNER.email);
    expect(me.person.workspaces.map((w) => w.role)).toEqual(['owner']);
    expect(owner.errors).toEqual([]);
  });

  it('the owner invites a colleague, who accepts in a second browser context and lands as member', async () => {
    await owner.page.goto(`${base}/settings/members`);
    await owner.page.getByLabel('E-mail', { exact: true }).fill(COLLEAGUE.email);
    await owner.page.getByLabel('Role', { exact: true }).selectOption('member');
    await owner.page.getByRole('button', { name: 'Invite', exact: true }).click();
    await owner.page.getByTestId('invite-emailed').waitFor();
    const link = await mailedLink(COLLEAGUE.email, '/invite/');
    expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]+$/);

    colleague = await openPage(stack, { viewport: { width: 390, height: 844 } });
    await colleague.page.goto(link);
    await colleague.page.getByTestId('invite-workspace').waitFor();
    expect(await colleague.page.getByTestId('invite-role').textContent()).toBe('member');
    await colleague.page.getByRole('link', { name: 'Create an account and join' }).click();
    await colleague.page.getByTestId('signup-invite').waitFor();
    expect(await colleague.page.getByLabel('E-mail', { exact: true }).inputValue()).toBe(COLLEAGUE.email);
    await fill(colleague, { Name: COLLEAGUE.name, Password: COLLEAGUE.password });
    await colleague.page.getByRole('button', { name: /Create account and join/ }).click();
    await colleague.page.getByTestId('workspace').waitFor();
    expect(await colleague.page.getByTestId('workspace').textContent()).toBe('default');
    const me = (await (await colleague.context.request.get(`${base}/api/me`)).json()) as { key: { role: string }; person: { email: string } };
    expect(me.person.email).toBe(COLLEAGUE.email);
    expect(me.key.role).toBe('member');
    expect(colleague.errors).toEqual([]);
  });

  it('each switcher lists only that person\'s workspaces', async () => {
    await owner.page.getByTestId('workspace-switcher').click();
    await owner.page.getByRole('menuitem', { name: /Create workspace/ }).click();
    await owner.page.getByLabel('Name', { exact: true }).fill('Olivia private');
    await owner.page.getByTestId('workspace-create-dialog').getByRole('button', { name: /Create/ }).click();
    await eventually(async () => (await owner.page.getByTestId('workspace').textContent()) === 'Olivia private', 'the owner to be in the new workspace');
    expect((await switcherOptions(owner)).sort()).toEqual(['Olivia private', 'default']);
    await colleague.page.reload();
    await colleague.page.getByTestId('workspace').waitFor();
    expect(await switcherOptions(colleague)).toEqual(['default']);
    // Back to default for the next step (the switcher offers it).
    await owner.page.getByTestId('workspace-switcher').click();
    await owner.page.getByTestId('workspace-option').filter({ hasText: 'default' }).click();
    await eventually(async () => (await owner.page.getByTestId('workspace').textContent()) === 'default', 'the owner to be back in default');
  });

  it('the owner changes the colleague\'s role', async () => {
    await owner.page.goto(`${base}/settings/members`);
    const row = owner.page.getByTestId('member-row').and(owner.page.locator(`[data-email="${COLLEAGUE.email}"]`));
    await row.getByTestId('member-role-select').selectOption('viewer');
    await eventually(async () => {
      const me = (await (await colleague.context.request.get(`${base}/api/me`)).json()) as { key: { role: string } };
      return me.key.role === 'viewer';
    }, 'the colleague to be a viewer');
    expect(owner.errors).toEqual([]);
  });

  it('the colleague resets the password through the e-mailed link and signs in with the new one', async () => {
    const p = await openPage(stack, { viewport: { width: 390, height: 844 } });
    await p.page.goto(`${base}/forgot`);
    await p.page.getByLabel('E-mail', { exact: true }).fill(COLLEAGUE.email);
    await p.page.getByRole('button', { name: /reset|send/i }).click();
    await p.page.getByTestId('reset-sent').waitFor();
    const link = await mailedLink(COLLEAGUE.email, '/reset?token=');
    await p.page.goto(link);
    await fill(p, { 'New password': COLLEAGUE.next, 'New password again': COLLEAGUE.next });
    await p.page.getByRole('button', { name: /password/i }).click();
    await p.page.getByTestId('reset-done').waitFor();
    // Every session of the colleague ended with the reset.
    expect((await colleague.context.request.get(`${base}/api/me`)).status()).toBe(401);
    await p.page.goto(`${base}/signin`);
    await fill(p, { 'E-mail': COLLEAGUE.email, Password: COLLEAGUE.next });
    await p.page.getByRole('button', { name: 'Continue', exact: true }).click();
    await p.page.getByTestId('workspace').waitFor();
    expect(p.errors).toEqual([]);
    await p.context.close();
  });

  it('the owner signs in with OpenID Connect through the provider and is back signed in', async () => {
    const p = await openPage(stack, { viewport: { width: 1440, height: 900 } });
    await p.page.goto(`${base}/signin?next=${encodeURIComponent('/settings/members')}`);
    const button = p.page.getByTestId('oidc-start');
    expect(await button.textContent()).toBe('Continue with Example SSO');
    const visited: string[] = [];
    p.page.on('request', (r) => {
      if (r.isNavigationRequest()) visited.push(new URL(r.url()).origin + new URL(r.url()).pathname);
    });
    await button.click();
    await p.page.getByTestId('workspace').waitFor();
    expect(new URL(p.page.url()).pathname).toBe('/settings/members');
    expect(visited.some((u) => u.startsWith(`${idp.issuer}/`)), 'went through the provider').toBe(true);
    expect(visited).toContain(`${base}/auth/oidc/callback`);
    const me = (await (await p.context.request.get(`${base}/api/me`)).json()) as { person: { email: string } };
    expect(me.person.email).toBe(OWNER.email);
    expect(p.errors).toEqual([]);
    await p.context.close();
  });

  it('the public pages fit at 1440 and 390 px, light and dark', async () => {
    for (const [name, pathname, ready] of [
      ['people-signin', '/signin', 'signin'],
      ['people-signup', '/signup', 'signup'],
      ['people-forgot', '/forgot', 'forgot'],
    ] as const)
      for (const colorScheme of ['light', 'dark'] as const)
        for (const width of [1440, 390]) {
          const p = await openPage(stack, { viewport: { width, height: 900 }, colorScheme });
          await p.page.goto(base + pathname);
          if (ready === 'forgot') await p.page.getByLabel('E-mail', { exact: true }).waitFor();
          else await p.page.getByTestId(ready).waitFor();
          if (ready === 'signin') await p.page.getByTestId('oidc-start').waitFor();
          expect(await noOverflow(p), `${name} at ${width} px ${colorScheme}`).toBe(true);
          await p.shot(`${name}-${width}-${colorScheme}`);
          expect(p.errors).toEqual([]);
          await p.context.close();
        }
    await owner.page.setViewportSize({ width: 390, height: 844 });
    await owner.page.goto(`${base}/settings/members`);
    await owner.page.getByTestId('members').waitFor();
    expect(await noOverflow(owner)).toBe(true);
    await owner.shot('people-members-390-light');
  });

  afterAll(async () => {
    await owner?.context.close();
    await colleague?.context.close();
  });
});
