import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * Test helpers: the orchestrator as a child process (`node bin/autopilot.mjs serve`), so a test can SIGKILL it
 * mid-run and start it again on the same DATA_DIR; and a small JSON client for its API.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../..');

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process printed (for failure messages). */
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts `autopilot serve` with `env` and resolves once it logs the URL it serves on. */
export function startServe(env: Record<string, string>, timeoutMs = 60_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/autopilot.mjs'), 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in time:\n${out.slice(-4000)}`)), timeoutMs);
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.length > 2_000_000) out = out.slice(-1_000_000);
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*Jules Autopilot is serving/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          child,
          url: m[1],
          output: () => out,
          kill: async (signal) => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            await exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited early (${code}):\n${out.slice(-4000)}`));
    });
  });
}

/** A JSON client for the orchestrator API with one bearer key. */
export function apiClient(base: () => string, key: string) {
  return async function api<T = any>(method: string, p: string, body?: unknown): Promise<T> {
    const r = await fetch(`${base()}${p}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${p} -> ${r.status}: ${text}`);
    return JSON.parse(text) as T;
  };
}

/** Polls `check` until it returns true (the test's own timeout bounds it). */
export async function until(check: () => Promise<boolean> | boolean, what: string, everyMs = 250, maxMs = 120_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > maxMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
