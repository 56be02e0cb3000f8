import { execFileSync } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startOrchestrator, type Orchestrator } from '../../packages/server/src/main';
import { loadConfig } from '../../packages/server/src/platform/config';

/*
 * Shared setup for browser tests: a built dashboard, an in-process orchestrator (demo mode: simulator, SQLite in a
 * temp dir), Debian's chromium through playwright-core, and a page that fails the test on any console or page error.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DASHBOARD = path.join(ROOT, 'packages/dashboard');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');
import { CHROMIUM_PATH } from '../setup/services';

export const CHROMIUM = CHROMIUM_PATH;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The dashboard build to serve. The `npm install` build is used when it is newer than every source file; otherwise
 * one build per source state goes to .tmp/dashboard-<mtime>, made once even when several browser test files start
 * in parallel (a lock directory), and never touching the shared dist under another process.
 */
export function dashboardDist(): string {
  const dist = path.join(DASHBOARD, 'dist');
  const index = path.join(dist, 'index.html');
  const sources = Math.max(newestMtime(path.join(DASHBOARD, 'src')), fs.statSync(path.join(DASHBOARD, 'vite.config.ts')).mtimeMs, newestMtime(path.join(ROOT, 'packages/client/src')), newestMtime(path.join(ROOT, 'packages/contracts/src')));
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs > sources) return dist;
  const out = path.join(ROOT, '.tmp', `dashboard-${Math.floor(sources)}`);
  const lock = `${out}.lock`;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  for (const started = Date.now(); !fs.existsSync(path.join(out, 'index.html')); ) {
    let mine = false;
    try {
      fs.mkdirSync(lock);
      mine = true;
    } catch {
      // Another test file is building; a lock left by a crashed run is taken over after two minutes.
      const held = fs.statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 120_000) fs.rmSync(lock, { recursive: true, force: true });
    }
    if (mine) {
      try {
        execFileSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', out, '--emptyOutDir', '--logLevel', 'error'], { cwd: DASHBOARD, stdio: 'inherit' });
      } finally {
        fs.rmSync(lock, { recursive: true, force: true });
      }
    } else {
      if (Date.now() - started > 180_000) throw new Error('timed out waiting for another process to build the dashboard');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  return out;
}

export interface Stack {
  orch: Orchestrator;
  key: string;
  browser: Browser;
  close(): Promise<void>;
}

/** Starts the orchestrator on a free port with a known owner key, and chromium. */
export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-browser-'));
  const key = 'browser-test-owner-key-0123456789';
  const orch = await startOrchestrator(loadConfig({ DATA_DIR: dataDir, PORT: '0', AUTOPILOT_ADMIN_KEY: key, LOG_LEVEL: 'silent', ...env }), { dashboardDir: dashboardDist() });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return {
    orch,
    key,
    browser,
    close: async () => {
      await browser.close().catch(() => {});
      await orch.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and page errors seen so far (except the ones explicitly expected). */
  errors: string[];
  /** Runs `fn` while console errors matching `pattern` are expected (e.g. the browser logging a deliberate 401). */
  expectingErrors<T>(pattern: RegExp, fn: () => Promise<T>): Promise<T>;
  shot(name: string): Promise<string>;
}

/** A fresh page (own storage) that records every console error and uncaught page error. */
export async function openPage(stack: Stack, opts: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {}): Promise<WatchedPage> {
  const context = await stack.browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 800 }, colorScheme: opts.colorScheme ?? 'light' });
  // Every Content-Security-Policy violation becomes a console error, so a page the policy breaks fails the test
  // even where the browser itself would only warn (e.g. report-only or a blocked style).
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`));
  });
  const page = await context.newPage();
  const errors: string[] = [];
  let allowed: RegExp | null = null;
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (allowed?.test(m.text())) return;
    errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return {
    page,
    context,
    errors,
    async expectingErrors(pattern, fn) {
      allowed = pattern;
      try {
        return await fn();
      } finally {
        allowed = null;
      }
    },
    async shot(name) {
      const file = path.join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
  };
}

/** Logs in through the form with `key` and waits for the shell. */
export async function login(p: WatchedPage, baseUrl: string, key: string, path = '/'): Promise<void> {
  await p.page.goto(baseUrl + path);
  await p.page.getByLabel('API key').fill(key);
  await p.page.getByRole('button', { name: 'Sign in' }).click();
  await p.page.getByTestId('workspace').waitFor();
}

export interface FlakyProxy {
  url: string;
  /** Drops every open connection and refuses new ones until restore(): the network is down. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** A TCP proxy in front of the orchestrator, so a test can drop the browser's connections like a real network fault. */
export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) return void client.destroy();
    const upstream = net.connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Polls `fn` every 200 ms until it returns a truthy value (returned), or fails naming `what` after `timeoutMs`. */
/**
 * Waits until the header bell shows what the server counts as unread (the notification center's counts): other
 * notices may arrive meanwhile on a live stack, so the bell is compared with the server's count of the moment.
 */
export async function bellFollowsServer(page: Page, unread: () => Promise<number>): Promise<void> {
  await eventually(async () => {
    const badge = page.getByTestId('bell-count');
    const shown = (await badge.count()) ? Number((await badge.textContent())?.replace('+', '')) : 0;
    const want = await unread();
    return shown === Math.min(want, 99) || (want > 99 && shown === 99);
  }, 'the bell to show the server\'s unread count');
}

export async function eventually<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Signs in with `key` through the API (the cookies land in the page's context), then opens `pathname` in the shell. */
export async function loginByApi(p: WatchedPage, baseUrl: string, key: string, pathname: string): Promise<void> {
  const res = await p.context.request.post(`${baseUrl}/api/auth/session`, { data: { apiKey: key } });
  if (!res.ok()) throw new Error(`log-in answered ${res.status()}`);
  await p.page.goto(baseUrl + pathname);
  await p.page.getByTestId('workspace').waitFor();
}

/** Whether the page is no wider than its viewport (a 390 px page must not scroll sideways). */
export const noOverflow = (p: WatchedPage): Promise<boolean> => p.page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

/**
 * Screenshots of `pathname` signed in with `key`, at 1440 and 390 px, light and dark, as `<name>-<width>-<scheme>.png`
 * under ARTIFACTS: each must have no horizontal overflow and no page error (throws naming which did).
 */
export async function shotsAt(stack: Stack, key: string, name: string, pathname: string, ready: (p: WatchedPage) => Promise<unknown>): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const)
    for (const width of [1440, 390]) {
      const p = await openPage(stack, { viewport: { width, height: 900 }, colorScheme });
      await loginByApi(p, stack.orch.url, key, pathname);
      await ready(p);
      if (!(await noOverflow(p))) throw new Error(`${name} at ${width} px ${colorScheme} overflows`);
      await p.shot(`${name}-${width}-${colorScheme}`);
      if (p.errors.length) throw new Error(`${name} at ${width} px ${colorScheme}: ${p.errors.join('; ')}`);
      await p.context.close();
    }
}
