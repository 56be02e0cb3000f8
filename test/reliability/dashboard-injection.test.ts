import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, openPage, startStack, type Stack } from '../browser/harness';

/*
 * Hostile text reaches the dashboard from Jules itself (titles, prompts, agent messages) and from users: every
 * piece must render as text. A script that ran would set window.__pwned or open a dialog.
 */
const PAYLOADS = [
  '<script>window.__pwned = "script"</script>',
  '<img src=x onerror="window.__pwned = \'img\'">',
  '<svg onload="window.__pwned = \'svg\'"></svg>',
  '"><iframe srcdoc="<script>parent.__pwned=1</script>">',
  'javascript:window.__pwned=1',
];

describe('the dashboard renders hostile text as text', () => {
  let stack: Stack;
  const ids: string[] = [];

  beforeAll(async () => {
    stack = await startStack({ JULES_DEMO_SESSIONS: '0', JULES_DEMO_NEW_SESSION_MS: '3600000' });
    const headers = { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' };
    await stack.orch.app.request('/api/keeper/settings', { method: 'PUT', headers, body: JSON.stringify({ enabled: false }) });
    for (const [i, payload] of PAYLOADS.entries()) {
      const res = await stack.orch.app.request('/api/sessions', { method: 'POST', headers, body: JSON.stringify({ title: payload, prompt: `${payload} [sim:question] #${i}` }) });
      expect(res.status).toBe(201);
      const s = (await res.json()) as { id: string };
      ids.push(s.id);
      const msg = await stack.orch.app.request(`/api/sessions/${s.id}/messages`, { method: 'POST', headers, body: JSON.stringify({ message: payload }) });
      expect(msg.status).toBeLessThan(500);
    }
  }, 120_000);
  afterAll(async () => stack?.close());

  it('on the board and on every session page, nothing executes and the text shows literally', async () => {
    const p = await openPage(stack);
    let dialogs = 0;
    p.page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await login(p, stack.orch.url, stack.key, '/sessions');
    await p.page.getByTestId('board').waitFor();
    await p.page.getByText(PAYLOADS[0], { exact: false }).first().waitFor();
    for (const id of ids) {
      await p.page.goto(`${stack.orch.url}/sessions/${id}`);
      await p.page.getByTestId('session-detail').waitFor();
      await p.page.getByTestId('timeline').waitFor();
    }
    await p.shot('reliability-injection');
    expect(await p.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await p.page.locator('iframe').count()).toBe(0);
    expect(dialogs).toBe(0);
    expect(p.errors).toEqual([]);
  }, 120_000);
});
