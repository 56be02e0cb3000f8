import { afterEach, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createGitHubSimulator, type GitHubSimulator } from '@autopilot/github-sim';
import { HOUR, REPO, makeClient, repoContext, type Client } from './helpers.ts';

const FULL = 'acme-corp/storefront';
const TOKEN = 'ghp_test';
/** REST reads from the GitHub simulator, as Octokit would make them. */
const gget = (url: string) => fetch(url, { headers: { authorization: `token ${TOKEN}` } });
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/**
 * A GitHub simulator over real HTTP, and a Jules simulator whose PRs go there. With `anyToken` the GitHub
 * simulator checks no token and the bridge is given none (its REST lookup then sends a placeholder).
 */
async function both(repos: string[] = [], anyToken = false): Promise<{ gh: GitHubSimulator; ghUrl: string; c: Client }> {
  const gh = createGitHubSimulator({ manualClock: true, seed: 3, repos, ...(anyToken ? {} : { tokens: [TOKEN] }) });
  const served = await gh.listen(0);
  closers.push(served.close);
  return { gh, ghUrl: served.baseUrl, c: makeClient({ github: { baseUrl: served.baseUrl, ...(anyToken ? {} : { token: TOKEN }) } }) };
}

/** Runs the agents for two sim hours, lets every PR request finish, and reads the session back. */
async function finish(c: Client, id: string): Promise<any> {
  c.advance(2 * HOUR);
  await c.sim.githubIdle();
  return c.get(`/v1alpha/sessions/${id}`);
}

async function openPulls(ghUrl: string, full = FULL): Promise<any[]> {
  const res = await gget(`${ghUrl}/repos/${full}/pulls?state=open&per_page=100`);
  expect(res.status).toBe(200);
  return (await res.json()) as any[];
}

describe('Jules simulator PRs on the GitHub simulator', () => {
  it('an AUTO_CREATE_PR session opens a real PR (creating the repository) and reports its html_url and branch', async () => {
    const { ghUrl, c } = await both();
    expect((await gget(`${ghUrl}/repos/${FULL}`)).status).toBe(404);
    const s = await c.create('Fix the crash in the image uploader [sim:happy]', repoContext());
    const done = await finish(c, s.id);
    expect(done.state).toBe('COMPLETED');
    const out = done.outputs[0].pullRequest;
    const pulls = await openPulls(ghUrl);
    expect(pulls).toHaveLength(1);
    const [pr] = pulls;
    expect(out.url).toBe(pr.html_url);
    expect(out.url.startsWith(ghUrl)).toBe(true);
    expect(pr.head.ref).toBe(done.sourceContext.workingBranch);
    expect(out.headRef).toBe(pr.head.ref);
    expect(pr.head.ref).toMatch(/^jules\/[a-z0-9-]+-\d{6}$/);
    expect(pr.base.ref).toBe('main');
    expect(out.baseRef).toBe('main');
    expect(pr.title).toBe(done.title);
    expect(pr.body).toBe(out.description);
    expect(pr.user.login).toBe('google-labs-jules[bot]');
    const repo = (await (await gget(`${ghUrl}/repos/${FULL}`)).json()) as any;
    expect(repo.default_branch).toBe('main');
    // The PR's head commit holds the first file of the session's change set, with the lines its patch adds.
    const patch: string = (await c.activities(s.id)).flatMap((x: any) => x.artifacts ?? []).filter((x: any) => x.changeSet).at(-1).changeSet.gitPatch.unidiffPatch;
    const path = /^diff --git a\/(\S+)/m.exec(patch)![1];
    const added = patch.split('\n').find((l) => l.startsWith('+') && !l.startsWith('+++') && l.trim().length > 3)!.slice(1);
    const tar = gunzipSync(Buffer.from(await (await gget(`${ghUrl}/repos/${FULL}/tarball/${pr.head.ref}`)).arrayBuffer())).toString('utf8');
    expect(tar).toContain(path);
    expect(tar).toContain(added);
    const log = c.sim.log().filter((e) => e.route === 'github.pull');
    expect(log).toMatchObject([{ method: 'SIM', sessionId: s.id, status: 201 }]);
  });

  it('two sessions on the same repository get two PRs, each linked to its own session', async () => {
    const { gh, ghUrl, c } = await both([FULL]);
    const a = await c.create('Add retries to the payment webhook handler [sim:happy]', repoContext());
    const b = await c.create('Write tests for the cart totals [sim:happy]', repoContext());
    const [da, db] = [await finish(c, a.id), await finish(c, b.id)];
    const pulls = await openPulls(ghUrl);
    expect(pulls).toHaveLength(2);
    const byHead = new Map(pulls.map((p) => [p.head.ref, p]));
    for (const d of [da, db]) {
      expect(d.state).toBe('COMPLETED');
      const pr = byHead.get(d.sourceContext.workingBranch);
      expect(pr).toBeDefined();
      expect(d.outputs[0].pullRequest.url).toBe(pr.html_url);
      expect(gh.pull(FULL, pr.number).html_url).toBe(pr.html_url);
    }
    expect(da.outputs[0].pullRequest.url).not.toBe(db.outputs[0].pullRequest.url);
  });

  it('a stuck session opens its PR too, and a follow-up message on a finished one opens no second PR', async () => {
    const { ghUrl, c } = await both();
    const stuck = await c.create('Refactor the session cache [sim:stuck]', repoContext());
    const happy = await c.create('Update the README install steps [sim:happy]', repoContext());
    const ds = await finish(c, stuck.id);
    expect(ds.state).toBe('IN_PROGRESS');
    const first = await finish(c, happy.id);
    await c.post(`/v1alpha/sessions/${happy.id}:sendMessage`, { prompt: 'Also mention Windows' });
    const again = await finish(c, happy.id);
    expect(again.state).toBe('COMPLETED');
    expect(again.outputs[0].pullRequest.url).toBe(first.outputs[0].pullRequest.url);
    const pulls = await openPulls(ghUrl);
    expect(pulls.map((p) => p.html_url).sort()).toEqual([ds.outputs[0].pullRequest.url, first.outputs[0].pullRequest.url].sort());
  });

  it('a session without AUTO_CREATE_PR opens nothing on GitHub', async () => {
    const { ghUrl, c } = await both([FULL]);
    const s = await c.create('Fix the flaky checkout test [sim:happy]', { sourceContext: { source: REPO, githubRepoContext: { startingBranch: 'main' } } });
    const done = await finish(c, s.id);
    expect(done.outputs[0].changeSet).toBeDefined();
    expect(await openPulls(ghUrl)).toEqual([]);
  });

  it('an unreachable GitHub simulator leaves the simulated URL and a log entry, and the simulator keeps going', async () => {
    const gh = createGitHubSimulator({ manualClock: true });
    const served = await gh.listen(0);
    await served.close(); // nothing listens on that port any more
    const c = makeClient({ github: { baseUrl: served.baseUrl, timeoutMs: 2000 } });
    const s = await c.create('Fix the crash in the image uploader [sim:happy]', repoContext());
    const done = await finish(c, s.id);
    expect(done.state).toBe('COMPLETED');
    expect(done.outputs[0].pullRequest.url).toMatch(/^https:\/\/github\.com\/acme-corp\/storefront\/pull\/\d+$/);
    const log = c.sim.log().filter((e) => e.route === 'github.pull');
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ method: 'SIM', sessionId: s.id, status: 0, reason: 'github-unreachable' });
    expect(log[0].message).toContain(served.baseUrl);
    expect((await c.call('GET', '/v1alpha/sessions')).status).toBe(200);
  });

  it('a session waiting for its PR when the world is saved asks again after a restore', async () => {
    // A GitHub that never answers: the session is still waiting when the snapshot is taken.
    const hung = createServer(() => {});
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', () => r()));
    closers.push(() => new Promise((r) => { hung.closeAllConnections(); hung.close(() => r()); }));
    const c = makeClient({ github: { baseUrl: `http://127.0.0.1:${(hung.address() as AddressInfo).port}`, timeoutMs: 60_000 } });
    const s = await c.create('Fix the crash in the image uploader [sim:happy]', repoContext());
    c.advance(2 * HOUR);
    expect((await c.get(`/v1alpha/sessions/${s.id}`)).state).toBe('IN_PROGRESS');
    const snap = JSON.parse(JSON.stringify(c.sim.snapshot()));
    // Restored next to a GitHub simulator that works: the session opens its PR there and completes.
    const { ghUrl } = await both([FULL]);
    const restored = makeClient({ restore: snap, github: { baseUrl: ghUrl, token: TOKEN } });
    restored.advance(1000, 1);
    await restored.sim.githubIdle();
    const done = await restored.get(`/v1alpha/sessions/${s.id}`);
    expect(done.state).toBe('COMPLETED');
    expect(done.outputs[0].pullRequest.url).toBe((await openPulls(ghUrl))[0].html_url);
  });

  it('is deterministic: after a reset the same seed publishes the same session again and adopts its open PR', async () => {
    const { ghUrl, c } = await both([], true);
    const s = await c.create('Fix the crash in the image uploader [sim:happy]', repoContext());
    const before = await finish(c, s.id);
    c.sim.reset();
    const again = await c.create('Fix the crash in the image uploader [sim:happy]', repoContext());
    expect(again.id).toBe(s.id);
    const after = await finish(c, again.id);
    expect(after.sourceContext.workingBranch).toBe(before.sourceContext.workingBranch);
    expect(after.outputs[0].pullRequest.url).toBe(before.outputs[0].pullRequest.url);
    expect(await openPulls(ghUrl)).toHaveLength(1);
  });
});

describe('--github on the command line', () => {
  const cli = (pkg: string) => fileURLToPath(new URL(`../../${pkg}/src/cli.ts`, import.meta.url));
  async function start(pkg: string, args: string[]) {
    const child = spawn(process.execPath, ['--import', 'tsx', cli(pkg), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    closers.push(async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    });
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    return line;
  }

  it('the two simulators run as processes: a session of the Jules one opens its PR on the GitHub one', async () => {
    const ghUrl = await start('github-sim', ['--port', '0', '--manual-clock', '--token', TOKEN, '--repos', FULL]);
    const base = await start('jules-sim', ['--port', '0', '--manual-clock', '--api-key', 'k', '--github', ghUrl, '--github-token', TOKEN]);
    const headers = { 'x-goog-api-key': 'k', 'content-type': 'application/json' };
    const created = await fetch(`${base}/sessions`, { method: 'POST', headers, body: JSON.stringify({ prompt: 'Fix the crash in the image uploader [sim:happy]', ...repoContext() }) });
    const s = (await created.json()) as any;
    const origin = base.replace(/\/v1alpha$/, '');
    await fetch(`${origin}/_sim/clock`, { method: 'POST', headers, body: JSON.stringify({ advanceMs: 2 * HOUR }) });
    let done: any;
    // The PR request is asynchronous: the session shows COMPLETED once the GitHub simulator has answered.
    for (let i = 0; i < 50 && done?.state !== 'COMPLETED'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      done = await (await fetch(`${base}/sessions/${s.id}`, { headers })).json();
    }
    expect(done.state).toBe('COMPLETED');
    const pulls = (await (await gget(`${ghUrl}/repos/${FULL}/pulls`)).json()) as any[];
    expect(pulls).toHaveLength(1);
    expect(done.outputs[0].pullRequest.url).toBe(pulls[0].html_url);
    expect(pulls[0].head.ref).toBe(done.sourceContext.workingBranch);
  });

  it('a --github value that is not a URL exits with code 2 naming the flag', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli('jules-sim'), '--port', '0', '--github', 'localhost:9'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(err).toContain('--github');
  });
});
