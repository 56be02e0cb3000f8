import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

/*
 * The first-hour walk's plumbing: `autopilot serve` as a real child process (the way a person starts it), its
 * start-up banner read from stderr, and a check that a page has no horizontal overflow.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Served {
  child: ChildProcess;
  url: string;
  /** Only on the first start with a fresh DATA_DIR. */
  ownerKey?: string;
  loginLink?: string;
  banner: string;
  stderr: () => string;
  stdout: () => string;
  stop(): Promise<number | null>;
}

/** Starts `node bin/autopilot.mjs serve` and resolves once its banner is on stderr. */
export function serve(env: Record<string, string>, timeoutMs = 60_000): Promise<Served> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/autopilot.mjs'), 'serve', '--port', '0'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: env.HOME ?? process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise<Served>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no banner within ${timeoutMs} ms; stderr:\n${err}\nstdout:\n${out.slice(-4000)}`));
    }, timeoutMs);
    const early = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before its banner; stderr:\n${err}\nstdout:\n${out.slice(-4000)}`));
    };
    child.once('exit', early);
    child.stderr!.on('data', (d) => {
      err += String(d);
      const box = /^\+-+\+\n(?:\|.*\|\n)+\+-+\+$/m.exec(err);
      if (!box) return;
      clearTimeout(timer);
      child.off('exit', early);
      const field = (label: string) => new RegExp(`^\\| +${label}: +(\\S+)`, 'm').exec(box[0])?.[1];
      resolve({
        child,
        url: field('URL')!,
        ownerKey: field('Owner key'),
        loginLink: field('Log in'),
        banner: box[0],
        stderr: () => err,
        stdout: () => out,
        stop: async () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
  });
}

/** The page's widest overflow: how many CSS pixels the document is wider than the viewport (0 = none). */
export async function horizontalOverflow(page: Page): Promise<{ overflow: number; culprit: string | null }> {
  return page.evaluate(() => {
    const doc = document.documentElement;
    const overflow = doc.scrollWidth - doc.clientWidth;
    let culprit: string | null = null;
    if (overflow > 0) {
      for (const el of Array.from(document.querySelectorAll<HTMLElement>('body *'))) {
        const r = el.getBoundingClientRect();
        if (r.right > doc.clientWidth + 1 && r.width > 0) {
          culprit = `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''} (${Math.round(r.right)} px)`;
          break;
        }
      }
    }
    return { overflow, culprit };
  });
}
