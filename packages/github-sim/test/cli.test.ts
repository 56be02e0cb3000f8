import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Octokit } from '@octokit/rest';
import { describe, expect, it } from 'vitest';
import { GitHubSimUsageError, parseGitHubSimArgs } from '../src/cli.ts';
import { startReceiver } from './helpers.ts';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

describe('github-sim command line', () => {
  it('prints the base URL, serves Octokit, completes CI on a scaled clock with a signed webhook, stops on SIGINT', async () => {
    const rx = await startReceiver();
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '0', '--token', 't1', '--token', 't2', '--repos', 'me/app,me/lib',
      '--speed', '120', '--seed', '9', '--webhook', rx.url, '--webhook-secret', 's3cret'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      expect(line).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const gh = new Octokit({ auth: 't2', baseUrl: line });
      expect((await gh.repos.get({ owner: 'me', repo: 'lib' })).data.full_name).toBe('me/lib');
      expect((await fetch(`${line}/user`, { headers: { authorization: 'token t3' } })).status).toBe(401);
      const opened = await fetch(`${line}/_sim/repos/me/app/pulls`, { method: 'POST', body: JSON.stringify({ branch: 'b', files: { a: '1' } }) });
      const sha = ((await opened.json()) as { head: { sha: string } }).head.sha;
      // 30 sim seconds of CI at speed 120: a quarter of a real second.
      const deadline = Date.now() + 10_000;
      while (!rx.received.some((r) => r.headers['x-github-event'] === 'workflow_run') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect((await gh.checks.listForRef({ owner: 'me', repo: 'app', ref: sha })).data.check_runs.map((r) => r.conclusion)).toEqual(['success', 'success']);
      expect(rx.received.map((r) => r.headers['x-github-event'])).toContain('workflow_run');
    } finally {
      child.kill('SIGINT');
      await rx.close();
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('names the bad flag', () => {
    expect(() => parseGitHubSimArgs(['--speed', 'fast'])).toThrow('--speed');
    expect(() => parseGitHubSimArgs(['--nope'])).toThrow(GitHubSimUsageError);
    expect(() => parseGitHubSimArgs(['--repos', 'nope'])).toThrow('--repos');
    expect(() => parseGitHubSimArgs(['--webhook', 'http://127.0.0.1:1/h'])).toThrow('--webhook-secret');
    expect(parseGitHubSimArgs(['--port', '7000', '--seed', '5']).opts).toMatchObject({ seed: 5, repos: ['acme/shop'] });
  });
});
