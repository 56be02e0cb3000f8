import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built entry point, exactly the file action.yml names. */
export const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js');

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the step wrote to GITHUB_OUTPUT, parsed as the runner does (name<<delimiter ... delimiter). */
  outputs: Record<string, string>;
  /** What the step wrote to GITHUB_STEP_SUMMARY. */
  summary: string;
}

export interface RunOptions {
  /** Inputs by their action.yml names; the runner passes them as INPUT_<NAME> upper-cased, dashes kept. */
  inputs: Record<string, string>;
  /** The event payload GitHub writes to GITHUB_EVENT_PATH, and its name. */
  event?: { name: string; payload: unknown };
  /** More runner variables, over the defaults below. */
  env?: Record<string, string>;
}

/** Parses the GITHUB_OUTPUT file format `name<<DELIM\nvalue\nDELIM\n` (and the plain `name=value` form). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]);
      out[name] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

/**
 * Runs `node dist/index.js` in a child process with the environment a GitHub runner gives a step: INPUT_*,
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, GITHUB_REPOSITORY, GITHUB_EVENT_NAME / GITHUB_EVENT_PATH, RUNNER_TEMP.
 * Nothing of the test's own environment leaks in except PATH.
 */
export async function runAction(o: RunOptions): Promise<ActionRun> {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'action-run-'));
  const outputFile = path.join(temp, 'output');
  const summaryFile = path.join(temp, 'summary');
  const eventFile = path.join(temp, 'event.json');
  fs.writeFileSync(outputFile, '');
  fs.writeFileSync(summaryFile, '');
  fs.writeFileSync(eventFile, JSON.stringify(o.event?.payload ?? {}));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: temp,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_STATE: path.join(temp, 'state'),
    GITHUB_ENV: path.join(temp, 'env'),
    GITHUB_PATH: path.join(temp, 'path'),
    GITHUB_EVENT_NAME: o.event?.name ?? 'workflow_dispatch',
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_REPOSITORY: 'acme-corp/storefront',
    GITHUB_REF_NAME: 'main',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW: 'Jules',
    GITHUB_JOB: 'jules',
    GITHUB_ACTION: '__run',
    RUNNER_TEMP: temp,
    RUNNER_OS: 'Linux',
    ...o.env,
  };
  for (const [name, value] of Object.entries(o.inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;

  const child = spawn(process.execPath, [ENTRY], { env, cwd: temp, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const result = { code, stdout, stderr, outputs: parseOutputFile(fs.readFileSync(outputFile, 'utf8')), summary: fs.readFileSync(summaryFile, 'utf8') };
  fs.rmSync(temp, { recursive: true, force: true });
  return result;
}

/** Lines of stdout that show `secret`, other than the ::add-mask:: command that tells the runner to hide it. */
export const leaks = (stdout: string, secret: string) => stdout.split('\n').filter((l) => l.includes(secret) && l !== `::add-mask::${secret}`);
