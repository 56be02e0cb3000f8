/**
 * Dashboard benchmark (not a test): the sessions board with 10,000 mirrored sessions in headless Chromium.
 * - time to first rendered rows (and to the whole list loaded), against the shell alone as baseline;
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

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dashboard = path.join(root, 'packages/dashboard');
const vite = path.join(root, 'node_modules/vite/bin/vite.js');

const gz = (file: string) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
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

export async function run({ quick }: { quick: boolean }) {
  const sessions = quick ? 2_000 : 10_000;
  const dist = buildDashboard();
  const bundle = jsGzip(dist);
  const floor = buildReactFloor();
  const pair = await startMirroredPair(sessions);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    // Logged in once: the session cookie lands in this context's cookie jar (the dashboard keeps no key).
    const login = await context.request.post(`${pair.url}/api/auth/session`, { data: { apiKey: BENCH_ADMIN_KEY } });
    if (login.status() !== 201) throw new Error(`bench login failed: ${login.status()}`);
    await context.addInitScript(() => {
      // Timestamps (ms since navigation start) of the first card and of the shell, taken as the DOM changes.
      const marks: Record<string, number> = {};
      (window as any).__marks = marks;
      new MutationObserver(() => {
        if (!marks.shell && document.querySelector('[data-testid=workspace]')) marks.shell = performance.now();
        if (!marks.firstRows && document.querySelector('[data-testid=session-card]')) marks.firstRows = performance.now();
        const total = document.querySelector('[data-testid=session-total]')?.textContent ?? '';
        if (!marks.allLoaded && /^\d+ of \d+$/.test(total)) marks.allLoaded = performance.now();
      }).observe(document, { childList: true, subtree: true, characterData: true });
    });
    const page = await context.newPage();
    const runs = quick ? 2 : 5;
    const first: number[] = [];
    const shell: number[] = [];
    const all: number[] = [];
    for (let i = 0; i < runs; i++) {
      await page.goto(`${pair.url}/sessions`);
      await page.waitForFunction(() => (window as any).__marks.allLoaded, null, { timeout: 120_000 });
      const m = await page.evaluate(() => (window as any).__marks as Record<string, number>);
      first.push(m.firstRows);
      shell.push(m.shell);
      all.push(m.allLoaded);
    }
    const total = await page.getByTestId('session-total').textContent();

    // The fullest column: its scroll container holds the tallest virtual list.
    const fullest = await page.evaluate(() => {
      const cols = [...document.querySelectorAll('[data-testid^=count-]')].map((e) => [e.getAttribute('data-testid')!.slice(6), Number(e.textContent)] as const);
      return cols.sort((a, b) => b[1] - a[1])[0];
    });
    const colSel = `[data-testid=column-${fullest[0]}] .board-col-scroll`;
    const frames = quick ? 120 : 300;
    const big = await scrollFrames(page, colSel, frames, 240);
    await page.goto(`${pair.url}/sessions?view=table`);
    await page.getByTestId('session-table').waitFor();
    await page.waitForFunction(() => (window as any).__marks.allLoaded, null, { timeout: 120_000 });
    const table = await scrollFrames(page, '.stable-scroll', frames, 400);
    await page.goto(`${pair.url}/sessions?q=${encodeURIComponent('zz-no-match-zz')}`);
    await page.waitForFunction(() => (window as any).__marks.allLoaded, null, { timeout: 120_000 });
    const empty = await scrollFrames(page, colSel, frames, 240);

    const med = (xs: number[]) => round(percentile(xs, 50), 1);
    return [
      { name: `time to first rendered rows (${total})`, value: med(first), unit: 'ms', baseline: med(shell), note: 'baseline = shell rendered (no session rows); median of runs' },
      { name: `time to the whole list loaded (${sessions} sessions)`, value: med(all), unit: 'ms', baseline: med(first), note: 'baseline = first rows' },
      { name: `board column scroll frame time p50 (${fullest[1]} cards)`, value: med(big), unit: 'ms', baseline: med(empty), note: 'baseline = same board filtered to no cards' },
      { name: `board column scroll frame time p95 (${fullest[1]} cards)`, value: round(percentile(big, 95), 1), unit: 'ms', baseline: round(percentile(empty, 95), 1) },
      { name: `table scroll frame time p95 (${sessions} rows)`, value: round(percentile(table, 95), 1), unit: 'ms', baseline: round(percentile(empty, 95), 1) },
      { name: 'dashboard JS bundle (gzip)', value: round(bundle / 1024, 1), unit: 'KiB', baseline: round(floor / 1024, 1), note: 'baseline = bare React 19 + ReactDOM render' },
    ];
  } finally {
    await browser.close();
    await pair.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run({ quick: process.argv.includes('--quick') }));
