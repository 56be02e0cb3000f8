import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import { login, openPage, startStack, type Stack, type WatchedPage } from '../browser/harness';
import { until } from '../../packages/server/src/features/keeper/test/process';
import { payload, startHostileJules, type HostileJules } from './hostile-jules';
import { allowEntry } from './retry-log';

/*
 * Hostile text reaches the dashboard from Jules (titles, plan steps, agent messages, progress, failure reasons, PR
 * titles and urls, through a lying proxy in front of the simulator) and from users (titles, prompts, messages).
 * Every payload would call alert() and set window.__pwned if it ran. The traps are installed before the first
 * navigation and read after every page (board, table, each session, keeper), because a navigation wipes the page.
 */

const JULES_KEY = 'sim-key-injection-0123456789';
const SESSIONS = [
  { behaviour: 'happy', requirePlanApproval: true },
  { behaviour: 'happy', requirePlanApproval: false },
  { behaviour: 'question', requirePlanApproval: false },
  { behaviour: 'question', requirePlanApproval: false },
  { behaviour: 'fail', requirePlanApproval: false },
  { behaviour: 'happy', requirePlanApproval: true },
] as const;

/** Scans the live DOM for anything a payload would have become had it been parsed as markup. */
function markupFromPayloads(): string[] {
  const TEXT_ONLY_ATTRIBUTE = /^(title|aria-label|aria-description|alt|placeholder|value|data-[\w-]+)$/i;
  const found: string[] = [];
  const bait = /alert\(|__pwned/;
  for (const el of Array.from(document.querySelectorAll('*'))) {
    for (const name of el.getAttributeNames()) {
      const value = el.getAttribute(name) ?? '';
      if (/^on/i.test(name)) found.push(`<${el.tagName.toLowerCase()} ${name}="${value.slice(0, 60)}">`);
      // Attributes that only ever hold text (a tooltip, an accessible name, a data value) may carry the payload as
      // text: the browser never runs or loads them. Anywhere else (href, src, style, srcdoc, ...) it is markup.
      else if (bait.test(value) && !TEXT_ONLY_ATTRIBUTE.test(name)) found.push(`<${el.tagName.toLowerCase()} ${name}="${value.slice(0, 60)}">`);
    }
  }
  for (const el of Array.from(document.querySelectorAll('script:not([src]), iframe, img[src="x"]'))) {
    if (el.tagName !== 'SCRIPT' || bait.test(el.textContent ?? '')) found.push(el.outerHTML.slice(0, 80));
  }
  return found;
}

describe('the dashboard renders hostile text as text', () => {
  let stack: Stack;
  let served: ListeningSimulator;
  let proxy: HostileJules;
  const ids: string[] = [];
  /** Every alert/confirm/prompt dialog and every write to window.__pwned, from any page, across navigations. */
  const hits: string[] = [];

  beforeAll(async () => {
    const sim = createJulesSimulator({ apiKeys: [JULES_KEY], sessions: 0, speed: 40, seed: 'injection' });
    served = await sim.listen(0, '127.0.0.1');
    proxy = await startHostileJules(served.origin);
    stack = await startStack({
      JULES_API_KEY: JULES_KEY, JULES_API_BASE_URL: `${proxy.url}/v1alpha`, AUTOPILOT_OUTBOUND_ALLOW: allowEntry(proxy.url),
      JULES_POLL_INTERVAL_MS: '500',
    });
    const headers = { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' };
    const call = (p: string, method: string, body?: unknown) => stack.orch.app.request(p, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
    expect((await call('/api/keeper/settings', 'PUT', { enabled: true, intervals: { tickMs: 200, activeMs: 300, waitingMs: 300, terminalMs: 5_000 } })).status).toBe(200);
    for (const [i, s] of SESSIONS.entries()) {
      const res = await call('/api/sessions', 'POST', {
        title: payload(i, `user-title-${i}`), prompt: `${payload(i + 3, `user-prompt-${i}`)} [sim:${s.behaviour}]`,
        source: 'sources/github/acme-corp/storefront', startingBranch: 'main', requirePlanApproval: s.requirePlanApproval,
      });
      expect(res.status, await res.clone().text()).toBe(201);
      const id = ((await res.json()) as { id: string }).id;
      ids.push(id);
      expect((await call(`/api/sessions/${id}/messages`, 'POST', { message: payload(i + 6, `user-message-${i}`) })).status).toBeLessThan(300);
    }
    // Each session page must have something hostile from Jules to show: a plan, a message or a failure.
    await until(async () => {
      for (const id of ids) {
        const acts = ((await (await call(`/api/sessions/${id}/activities?limit=100`, 'GET')).json()) as { items: Array<{ kind: string }> }).items;
        if (!acts.some((a) => a.kind === 'planGenerated' || a.kind === 'agentMessaged' || a.kind === 'sessionFailed')) return false;
      }
      return true;
    }, 'every session to have plans or messages', 250, 60_000);
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
    await proxy?.close();
    await served?.close();
  });

  /** Waits for the page's own content, then asserts nothing ran, nothing became markup, and the text is shown. */
  async function checkPage(p: WatchedPage, what: string, ready: string): Promise<void> {
    await p.page.getByTestId(ready).first().waitFor();
    // The hostile text itself, shown as text: the page has rendered what it was fed (the live stream never idles).
    await p.page.getByText("alert('", { exact: false }).first().waitFor();
    // Markup is checked in the DOM (whatever a CSP or timing would do to it); execution by the traps.
    expect(await p.page.evaluate(markupFromPayloads), `markup from payloads on ${what}`).toEqual([]);
    expect(hits, `scripts that ran on ${what}`).toEqual([]);
    expect(p.errors, `console and page errors on ${what}`).toEqual([]);
  }

  it('on the board, the table, every session page, the keeper page and the notification centre, nothing executes', async () => {
    const p = await openPage(stack);
    // Before the first navigation: a trap on window.__pwned and on the dialog functions, reporting to the test.
    await p.context.exposeBinding('__reportPwned', (_src, what: string) => void hits.push(what));
    await p.context.addInitScript(() => {
      const report = (what: string) => (window as unknown as { __reportPwned?: (w: string) => void }).__reportPwned?.(what);
      Object.defineProperty(window, '__pwned', { configurable: false, get: () => undefined, set: (v: unknown) => report(`__pwned=${String(v)}`) });
    });
    const onDialog = (d: { message(): string; type(): string; dismiss(): Promise<void> }) => {
      hits.push(`${d.type()}(${d.message()})`);
      void d.dismiss();
    };
    p.page.on('dialog', onDialog);
    p.context.on('page', (popup) => {
      popup.on('dialog', onDialog);
      hits.push(`popup opened: ${popup.url()}`);
    });

    await login(p, stack.orch.url, stack.key, '/sessions');
    await checkPage(p, 'the board', 'board');
    await p.page.goto(`${stack.orch.url}/sessions?view=table`);
    await checkPage(p, 'the table', 'session-table');
    for (const id of ids) {
      await p.page.goto(`${stack.orch.url}/sessions/${id}`);
      await checkPage(p, `session ${id}`, 'timeline');
      // A javascript: PR url must not survive as a link target (it would run on click).
      const href = await p.page.getByTestId('pr-link').getAttribute('href');
      expect(href ?? '', `PR link of ${id}`).not.toContain('alert(');
    }
    await p.page.goto(`${stack.orch.url}/keeper`);
    await p.page.getByTestId('keeper-log').locator('li').first().waitFor();
    await checkPage(p, 'the keeper page', 'keeper-log');
    await p.shot('reliability-injection');
    // The notification centre in the top bar lists the same hostile titles.
    await p.page.getByTestId('bell').click();
    await checkPage(p, 'the notification centre', 'notifications-panel');
  }, 180_000);
});
