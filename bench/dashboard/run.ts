/**
 * Dashboard benchmark (not a test): the sessions board with 10,000 and 100,000 mirrored sessions in headless
 * Chromium (issue #22: the board reads counts and column pages from the server).
 * - time to first rendered rows (and to every column's count shown), against the shell alone as baseline;
 * - the page's JS heap after load and scrolling (CDP Runtime.getHeapUsage), against the shell page (/system);
 * - scroll frame time of the fullest board column and of the table, against the same board filtered to no cards
 *   (the browser's idle frame: virtualization should make thousands of cards cost about the same);
 * - gzip size of the JS bundle, against a bare React + ReactDOM bundle built the same way (the framework floor).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { percentile, round } from '../lib/stats';
import { BENCH_ADMIN_KEY, startMirroredPair } from '../lib/processes';
import { spawn } from 'node:child_process';
import os from 'node:os';
import { openDatabase } from '../../packages/server/src/platform/db';
import { seedSessions, seedWorkspace } from '../../packages/server/src/features/sessions/board.testing';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dashboard = path.join(root, 'packages/dashboard');
const vite = path.join(root, 'node_modules/vite/bin/vite.js');

const gz = (file: string) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
/** Gzip size of what a first visit loads: the entry script of index.html and its static imports (not lazy pages). */
function initialJsGzip(dist: string): number {
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  const todo = [...html.matchAll(/src="\/assets\/([^"]+\.js)"/g)].map((m) => m[1]);
  const seen = new Set<string>();
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    const code = fs.readFileSync(path.join(dist, 'assets', f), 'utf8');
    // Static imports only: `import(...)` (dynamic) is a lazy page.
    for (const m of code.matchAll(/(?:from|import)\s*["']\.\/([^"']+\.js)["']/g)) todo.push(m[1]);
  }
  return [...seen].reduce((n, f) => n + gz(path.join(dist, 'assets', f)), 0);
}

const jsGzip = (dist: string) =>
  fs
    .readdirSync(path.join(dist, 'assets'))
    .filter((f) => f.endsWith('.js'))
    .reduce((n, f) => n + gz(path.join(dist, 'assets', f)), 0);

/** Builds the dashboard into its dist (what `npm install` does), so the served build is the current code. */
function buildDashboard(): string {
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'error'], { cwd: dashboard, stdio: 'inherit' });
  return path.join(dashboard, 'dist');
}

/** The floor: a bundle that only renders one element with React 19, built by the same Vite. */
function buildReactFloor(): number {
  const dir = path.join(root, '.tmp', 'bench-react-floor');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="./main.tsx"></script>');
  fs.writeFileSync(path.join(dir, 'main.tsx'), "import { createRoot } from 'react-dom/client';\ncreateRoot(document.getElementById('root')!).render(<h1>hello</h1>);\n");
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'error', '--config', path.join(dashboard, 'vite.config.ts'), '--outDir', path.join(dir, 'dist'), dir], { cwd: dashboard, stdio: 'inherit' });
  const size = jsGzip(path.join(dir, 'dist'));
  fs.rmSync(dir, { recursive: true, force: true });
  return size;
}

/** Scrolls `selector` by `step` px per animation frame and returns each frame's duration in ms. */
async function scrollFrames(page: Page, selector: string, frames: number, step: number): Promise<number[]> {
  return page.evaluate(
    async ({ selector, frames, step }) => {
      const el = document.querySelector(selector) as HTMLElement;
      el.scrollTop = 0;
      const times: number[] = [];
      let last = await new Promise<number>((r) => requestAnimationFrame(r));
      for (let i = 0; i < frames; i++) {
        el.scrollTop += step;
        const now = await new Promise<number>((r) => requestAnimationFrame(r));
        times.push(now - last);
        last = now;
      }
      return times;
    },
    { selector, frames, step },
  );
}

/**
 * A server whose database holds `n` sessions written directly (BENCH_DASHBOARD_SEED=1): the first mirror of 100,000
 * sessions through the simulator takes many minutes on a shared machine, and the board only reads the table.
 */
async function startSeeded(n: number): Promise<{ url: string; close(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-board-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const env = { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', AUTOPILOT_ADMIN_KEY: BENCH_ADMIN_KEY, JULES_DEMO_SESSIONS: '0', JULES_DEMO_NEW_SESSION_MS: '0' };
  const serve = spawn(process.execPath, [path.join(root, 'bin/autopilot.mjs'), 'serve'], { stdio: 'ignore', env });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; !(await fetch(`${url}/healthz`).then((r) => r.ok, () => false)); i++) {
    if (serve.exitCode !== null || i > 600) throw new Error('autopilot serve did not become healthy');
    await new Promise((r) => setTimeout(r, 100));
  }
  const me = (await (await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}` } })).json()) as { workspace: { id: string } };
  const db = await openDatabase({ kind: 'sqlite', file: path.join(dataDir, 'autopilot.db') });
  await seedSessions(db, me.workspace.id, await seedWorkspace(db, me.workspace.id, 'bench-seed'), n);
  await db.close();
  return {
    url,
    close: async () => {
      serve.kill('SIGTERM');
      await new Promise((r) => serve.once('exit', r));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One board size: first rows, counts shown, heap, scroll frames of the fullest column and of the table. */
async function measure(browserSessions: number, quick: boolean) {
  const pair = process.env.BENCH_DASHBOARD_SEED === '1' ? await startSeeded(browserSessions) : await startMirroredPair(browserSessions);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--enable-precise-memory-info'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    // Logged in once: the session cookie lands in this context's cookie jar (the dashboard keeps no key).
    const login = await context.request.post(`${pair.url}/api/auth/session`, { data: { apiKey: BENCH_ADMIN_KEY } });
    if (login.status() !== 201) throw new Error(`bench login failed: ${login.status()}`);
    await context.addInitScript(() => {
      // Timestamps (ms since navigation start) of the first card, of the shell and of every count shown.
      const marks: Record<string, number> = {};
      (window as any).__marks = marks;
      new MutationObserver(() => {
        if (!marks.shell && document.querySelector('[data-testid=workspace]')) marks.shell = performance.now();
        if (!marks.firstRows && document.querySelector('[data-testid=session-card]')) marks.firstRows = performance.now();
        const counts = [...document.querySelectorAll('[data-testid^=count-]')];
        if (!marks.counts && counts.length && counts.every((e) => /^\d+$/.test(e.textContent ?? ''))) marks.counts = performance.now();
        if (!marks.empty && document.querySelector('.board-col-scroll .empty') && /^0 of/.test(document.querySelector('[data-testid=session-total]')?.textContent ?? '')) marks.empty = performance.now();
      }).observe(document, { childList: true, subtree: true, characterData: true });
    });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const heapMiB = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return round((await cdp.send('Runtime.getHeapUsage')).usedSize / 2 ** 20, 1);
    };
    await page.goto(`${pair.url}/system`);
    await page.waitForFunction(() => (window as any).__marks.shell, null, { timeout: 60_000 });
    await page.waitForTimeout(500);
    const shellHeap = await heapMiB();
    const runs = quick ? 2 : 5;
    const first: number[] = [];
    const shell: number[] = [];
    const counted: number[] = [];
    for (let i = 0; i < runs; i++) {
      await page.goto(`${pair.url}/sessions`);
      await page.waitForFunction(() => (window as any).__marks.counts && (window as any).__marks.firstRows, null, { timeout: 120_000 });
      const m = await page.evaluate(() => (window as any).__marks as Record<string, number>);
      first.push(m.firstRows);
      shell.push(m.shell);
      counted.push(m.counts);
    }
    const total = await page.getByTestId('session-total').textContent();

    // The fullest column: the one whose server count is highest.
    const fullest = await page.evaluate(() => {
      const cols = [...document.querySelectorAll('[data-testid^=count-]')].map((e) => [e.getAttribute('data-testid')!.slice(6), Number(e.textContent)] as const);
      return cols.sort((a, b) => b[1] - a[1])[0];
    });
    const colSel = `[data-testid=column-${fullest[0]}] .board-col-scroll`;
    const frames = quick ? 120 : 300;
    const big = await scrollFrames(page, colSel, frames, 240);
    const loaded = await page.locator(colSel).getAttribute('data-loaded');
    const boardHeap = await heapMiB();
    await page.goto(`${pair.url}/sessions?view=table`);
    await page.getByTestId('session-table').locator('[role=row][data-session-id]').first().waitFor({ timeout: 120_000 });
    const table = await scrollFrames(page, '.stable-scroll', frames, 400);
    await page.goto(`${pair.url}/sessions?q=${encodeURIComponent('zz-no-match-zz')}`);
    await page.waitForFunction(() => (window as any).__marks.empty, null, { timeout: 120_000 });
    const empty = await scrollFrames(page, colSel, frames, 240);

    const med = (xs: number[]) => round(percentile(xs, 50), 1);
    const n = browserSessions.toLocaleString('en');
    return [
      { name: `${n}: time to first rendered rows (${total})`, value: med(first), unit: 'ms', baseline: med(shell), note: 'baseline = shell rendered (no session rows); median of runs' },
      { name: `${n}: time to every column count shown`, value: med(counted), unit: 'ms', baseline: med(first), note: 'baseline = first rows' },
      { name: `${n}: JS heap after load and a column scroll`, value: boardHeap, unit: 'MiB', baseline: shellHeap, note: 'CDP Runtime.getHeapUsage after GC; baseline = /system page' },
      { name: `${n}: board column scroll frame time p50 (${fullest[1]} cards, ${loaded} loaded by the scroll)`, value: med(big), unit: 'ms', baseline: med(empty), note: 'baseline = same board filtered to no cards' },
      { name: `${n}: board column scroll frame time p95`, value: round(percentile(big, 95), 1), unit: 'ms', baseline: round(percentile(empty, 95), 1) },
      { name: `${n}: table scroll frame time p95`, value: round(percentile(table, 95), 1), unit: 'ms', baseline: round(percentile(empty, 95), 1) },
    ];
  } finally {
    await browser.close();
    await pair.close();
  }
}

export async function run({ quick }: { quick: boolean }) {
  const dist = buildDashboard();
  const initial = initialJsGzip(dist);
  const bundle = jsGzip(dist);
  const floor = buildReactFloor();
  const sizes = process.env.BENCH_DASHBOARD_SIZES ? process.env.BENCH_DASHBOARD_SIZES.split(',').map(Number) : quick ? [2_000, 100_000] : [10_000, 100_000];
  const rows = [];
  for (const n of sizes) rows.push(...(await measure(n, quick)));
  return [
    ...rows,
    { name: 'dashboard JS loaded by a first visit (gzip)', value: round(initial / 1024, 1), unit: 'KiB', baseline: round(floor / 1024, 1), note: 'entry + static imports; baseline = bare React 19 + ReactDOM render' },
    { name: 'dashboard JS bundle, every chunk (gzip)', value: round(bundle / 1024, 1), unit: 'KiB', baseline: round(floor / 1024, 1), note: 'lazy pages included' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run({ quick: process.argv.includes('--quick') }));
