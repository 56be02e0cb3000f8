import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../src/cli/index';

/* What the CLI suites share: the `autopilot` command as a child process, and a few waiting helpers. */

export const root = path.resolve(__dirname, '../../..');
export const bin = path.join(root, 'bin/autopilot.mjs');

export const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `autopilot ...args` as a child process; env is only what is given (plus PATH), so nothing leaks in from the runner. */
export function cli(args: string[], opts: { env?: Record<string, string>; cwd?: string; nodeArgs?: string[] } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), bin, ...args], {
      cwd: opts.cwd ?? root,
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs tasks at most `n` at a time (child processes of tsx cost about a second of CPU each; two cores). */
export async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

export async function eventually<T>(fn: () => Promise<T | undefined | false>, ms = 20_000, what: () => string = () => ''): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`condition not met in time ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every command path of the program (`['sessions', 'ls']`, ...), from commander itself: a new command is covered. */
export function commandPaths(): string[][] {
  const out: string[][] = [];
  const walk = (c: Command, prefix: string[]) => {
    for (const sub of c.commands) {
      const p = [...prefix, sub.name()];
      out.push(p);
      walk(sub, p);
    }
  };
  walk(buildProgram(), []);
  return out;
}

export const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

/** A key in clear: anything that looks like a minted key. */
export const KEY_RE = /ap_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/;
