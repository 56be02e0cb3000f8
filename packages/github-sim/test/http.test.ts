import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NAME, OWNER, REPO, TOKEN, startSim, statusOf, type Harness } from './helpers.ts';

let h: Harness;
beforeEach(async () => {
  h = await startSim({ rateLimit: 10 });
});
afterEach(() => h.close());

const repo = { owner: OWNER, repo: NAME };

describe('rate limits, conditional requests, tarballs and the control API', () => {
  it('an If-None-Match hit is a 304 (a RequestError for Octokit) that costs no rate limit, logged as such', async () => {
    h.sim.openPull(REPO, { branch: 'a', files: { a: '1' } });
    const first = await h.gh.pulls.list(repo);
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
    expect(first.headers['x-ratelimit-remaining']).toBe('9');
    for (let k = 0; k < 3; k++) {
      const nm = await statusOf(h.gh.pulls.list({ ...repo, headers: { 'if-none-match': etag } }));
      expect(nm.status).toBe(304);
      expect(nm.headers['x-ratelimit-remaining']).toBe('9');
    }
    h.sim.openPull(REPO, { branch: 'b', files: { b: '1' } });
    const changed = await h.gh.pulls.list({ ...repo, headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.data).toHaveLength(2);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.headers['x-ratelimit-remaining']).toBe('8');
    const log = h.sim.log({ route: 'GET /repos/:owner/:repo/pulls' });
    expect(log.map((e) => [e.status, e.notModified, e.counted])).toEqual([[200, false, true], [304, true, false], [304, true, false], [304, true, false], [200, false, true]]);
    expect(log[0].token).toBe(TOKEN.slice(-4));
  });

  it('every answer has the rate-limit headers; remaining 0 is a 403 "API rate limit exceeded" until the reset', async () => {
    const r = await h.gh.repos.get(repo);
    for (const k of ['limit', 'remaining', 'used', 'reset', 'resource']) expect(r.headers[`x-ratelimit-${k}`]).toBeDefined();
    expect(r.headers['x-ratelimit-resource']).toBe('core');
    const reset = Number(r.headers['x-ratelimit-reset']);
    expect(reset * 1000).toBeGreaterThan(h.sim.clock.now());
    h.sim.setRateLimit({ token: TOKEN, remaining: 0 });
    const limited = await statusOf(h.gh.repos.get(repo));
    expect(limited.status).toBe(403);
    expect(limited.message).toContain('API rate limit exceeded');
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(limited.headers['x-ratelimit-reset'])).toBe(reset);
    h.sim.advance(reset - Math.ceil(h.sim.clock.now() / 1000) - 5);
    expect((await statusOf(h.gh.repos.get(repo))).status).toBe(403);
    h.sim.advance(10);
    const back = await h.gh.repos.get(repo);
    expect(back.status).toBe(200);
    expect(back.headers['x-ratelimit-remaining']).toBe('9');
    // Running the budget down by requests ends the same way.
    for (let k = 0; k < 9; k++) await h.gh.repos.get(repo);
    expect((await statusOf(h.gh.repos.get(repo))).message).toContain('API rate limit exceeded');
  });

  it('a tarball is a real gzip tar of the ref\'s files under owner-repo-sha7/', async () => {
    const pr = h.sim.openPull(REPO, { branch: 'tar', files: { 'src/deep/dir/a.ts': 'export const a = 1;\n', 'README.md': '# shop ünïcode\n', [`${'long/'.repeat(25)}x.txt`]: 'long path' } });
    const res = await h.gh.repos.downloadTarballArchive({ ...repo, ref: 'tar' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-gzip');
    const dir = mkdtempSync(join(tmpdir(), 'ghsim-tar-'));
    try {
      writeFileSync(join(dir, 'repo.tar.gz'), Buffer.from(res.data as ArrayBuffer));
      execFileSync('tar', ['-xzf', 'repo.tar.gz'], { cwd: dir });
      const root = readdirSync(dir).find((f) => f !== 'repo.tar.gz')!;
      expect(root).toBe(`${OWNER}-${NAME}-${pr.head.sha.slice(0, 7)}`);
      expect(readFileSync(join(dir, root, 'src/deep/dir/a.ts'), 'utf8')).toBe('export const a = 1;\n');
      expect(readFileSync(join(dir, root, 'README.md'), 'utf8')).toBe('# shop ünïcode\n');
      expect(readFileSync(join(dir, root, `${'long/'.repeat(25)}x.txt`), 'utf8')).toBe('long path');
      const listed = execFileSync('tar', ['-tzf', 'repo.tar.gz'], { cwd: dir, encoding: 'utf8' }).split('\n').filter((l) => !l.endsWith('/') && l);
      expect(listed).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const main = await h.gh.repos.downloadTarballArchive({ ...repo, ref: 'main' });
    expect(Buffer.from(main.data as ArrayBuffer).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(await statusOf(h.gh.repos.downloadTarballArchive({ ...repo, ref: 'no-such-branch' }))).toMatchObject({ status: 422 });
  });

  it('the control API answers JSON; a bad body is a 400 naming the field; reset rebuilds the start world', async () => {
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${h.baseUrl}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      return { status: r.status, body: await r.json() };
    };
    expect(await call('POST', '/_sim/repos', { owner: 'acme', name: 'api', protection: { required_checks: ['build'], required_approving_reviews: 'one' } }))
      .toMatchObject({ status: 400, body: { field: 'protection.required_approving_reviews' } });
    expect((await call('POST', '/_sim/repos', { owner: 'acme', name: 'api' })).status).toBe(200);
    const opened = await call('POST', '/_sim/repos/acme/api/pulls', { branch: 'x', files: { 'a.txt': 'a' }, title: 'X' });
    expect(opened).toMatchObject({ status: 200, body: { number: 1, title: 'X' } });
    expect(await call('PUT', '/_sim/repos/acme/api/pulls/1/ci', { conclusion: 'flaky' })).toMatchObject({ status: 400, body: { field: 'conclusion' } });
    expect((await call('PUT', '/_sim/repos/acme/api/pulls/1/ci', { conclusion: 'failure', delay_seconds: 5 })).status).toBe(200);
    expect((await call('POST', '/_sim/repos/acme/api/pulls/1/commits', { files: { 'a.txt': 'b' } })).body.sha).toMatch(/^[0-9a-f]{40}$/);
    expect((await call('POST', '/_sim/clock', { advance_seconds: 5 })).status).toBe(200);
    expect((await call('GET', '/_sim/repos/acme/api/pulls/1')).body.mergeable_state).toBe('unstable');
    expect(await call('POST', '/_sim/repos/acme/api/pulls/7/close')).toMatchObject({ status: 404 });
    expect((await call('PUT', '/_sim/rate-limit', { token: TOKEN, remaining: 3 })).body.buckets[0]).toMatchObject({ limit: 10, used: 7 });
    await h.gh.repos.get(repo);
    expect((await call('GET', '/_sim/log')).body.entries.at(-1)).toMatchObject({ route: 'GET /repos/:owner/:repo', status: 200, rateRemaining: 2 });
    expect((await call('POST', '/_sim/reset')).status).toBe(200);
    expect((await call('GET', '/_sim/log')).body.entries).toEqual([]);
    expect(await statusOf(h.gh.repos.get({ owner: 'acme', repo: 'api' }))).toMatchObject({ status: 404 });
    // A fresh budget: the 404 above used one (errors count, as on GitHub), this request another.
    expect((await h.gh.repos.get(repo)).headers['x-ratelimit-remaining']).toBe('8');
  });
});
