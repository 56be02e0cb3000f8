import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { Octokit } from '@octokit/rest';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubSimulator, loadGitHubSnapshot, persistGitHubSimulator, type GitHubSimulator } from '../src/index.ts';
import { REPO, TOKEN } from './helpers.ts';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function serve(sim: GitHubSimulator) {
  const l = await sim.listen(0);
  closers.push(l.close);
  return new Octokit({ auth: TOKEN, baseUrl: l.baseUrl, log: quiet });
}

/** A world with a bit of everything: PRs (open, reviewed, failing CI, merged), labels, comments, hooks, an app. */
function busyWorld() {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sim = createGitHubSimulator({
    manualClock: true, seed: 9, tokens: { [TOKEN]: 'octo-bot' }, repos: [REPO, { owner: 'acme', name: 'api', allowAutoMerge: true, protection: { requiredChecks: ['test'], requiredApprovals: 1 } }],
    apps: [{ id: 11, slug: 'ap', publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), installations: [{ id: 3, account: 'acme' }] }],
  });
  sim.openPull(REPO, { branch: 'a', title: 'A', files: { 'a.txt': 'a\n' } });
  sim.setCi(REPO, { conclusion: 'failure', annotations: [{ path: 'a.txt', start_line: 1, end_line: 1, annotation_level: 'failure', message: 'bad a' }] }, 1);
  sim.openPull(REPO, { branch: 'b', title: 'B', files: { 'b.txt': 'b\n' } });
  sim.addReview(REPO, 2, { user: 'reviewer', state: 'CHANGES_REQUESTED', body: 'please rename', comments: [{ path: 'b.txt', line: 1, body: 'here' }] });
  sim.addLabels(REPO, 2, ['autopilot']);
  sim.comment(REPO, 2, 'a comment');
  sim.openPull(REPO, { branch: 'c', title: 'C', files: { 'c.txt': 'c\n' } });
  sim.advance(60);
  sim.mergePull(REPO, 3);
  sim.openPull('acme/api', { branch: 'd', title: 'D', files: { 'd.txt': 'd\n' } });
  sim.setCi('acme/api', { conclusion: 'pending' }, 1);
  sim.addHook(REPO, { url: 'http://127.0.0.1:9/hook', secret: 's' });
  return sim;
}

async function answers(gh: Octokit) {
  const [owner, repo] = REPO.split('/');
  const pulls = await gh.pulls.list({ owner, repo, state: 'all' });
  const out: unknown[] = [pulls.data];
  for (const p of pulls.data) {
    out.push((await gh.pulls.get({ owner, repo, pull_number: p.number })).data);
    out.push((await gh.checks.listForRef({ owner, repo, ref: p.head.sha })).data);
    out.push((await gh.pulls.listReviews({ owner, repo, pull_number: p.number })).data);
    out.push((await gh.issues.listComments({ owner, repo, issue_number: p.number })).data);
  }
  out.push((await gh.repos.get({ owner: 'acme', repo: 'api' })).data);
  out.push((await gh.pulls.get({ owner: 'acme', repo: 'api', pull_number: 1 })).data);
  return out;
}

describe('snapshot / restore', () => {
  it('a restored simulator gives the same answers (JSON round trip), and new ids, SHAs and numbers continue', async () => {
    const a = busyWorld();
    const before = await answers(await serve(a));
    const snap = JSON.parse(JSON.stringify(a.snapshot()));
    expect(snap).toMatchObject({ kind: 'github-sim', version: 1, clockMs: a.clock.now() });

    const b = createGitHubSimulator({ manualClock: true, tokens: { [TOKEN]: 'octo-bot' }, restore: snap });
    expect(b.restored).toBe(true);
    expect(b.clock.now()).toBe(a.clock.now());
    const after = await answers(await serve(b));
    // Same ports are not the same: compare with the origin normalised.
    const norm = (v: unknown) => JSON.stringify(v).replace(/http:\/\/127\.0\.0\.1:\d+/g, 'ORIGIN');
    expect(norm(after)).toBe(norm(before));

    // Continuing in both worlds gives the same new values: the counters were restored, not restarted.
    const next = (s: GitHubSimulator) => {
      const p = s.openPull(REPO, { branch: 'e', title: 'E', files: { 'e.txt': 'e\n' } });
      s.advance(30);
      return { number: p.number, id: p.id, sha: p.head.sha, review: s.addReview(REPO, p.number, { user: 'r', state: 'APPROVED' }).number };
    };
    const na = next(a);
    const nb = next(b);
    expect(nb).toEqual(na);
    expect(nb.number).toBe(4);
    // No id collision with anything in the snapshot.
    const known = new Set(JSON.stringify(snap).match(/"id":\d+/g));
    expect(known.has(`"id":${nb.id}`)).toBe(false);

    // CI pending at snapshot time stays pending (branch protection waits for it) until it is set, and then completes.
    expect(b.pull('acme/api', 1).mergeable_state).toBe('blocked');
    b.setCi('acme/api', { conclusion: 'success' }, 1);
    b.advance(31);
    b.addReview('acme/api', 1, { user: 'boss', state: 'APPROVED' });
    expect(b.pull('acme/api', 1).mergeable_state).toBe('clean');
  });

  it('restore() swaps the world of a running simulator; the clock never goes back', async () => {
    const a = busyWorld();
    const snap = a.snapshot();
    const b = createGitHubSimulator({ manualClock: true, tokens: { [TOKEN]: 'octo-bot' }, repos: ['other/x'] });
    const gh = await serve(b);
    b.restore(snap);
    expect((await gh.pulls.list({ owner: 'acme', repo: 'shop', state: 'all' })).data).toHaveLength(3);
    expect(await gh.repos.get({ owner: 'other', repo: 'x' }).catch((e) => e.status)).toBe(404);
    expect(b.clock.now()).toBeGreaterThanOrEqual(snap.clockMs);
    // The snapshot is a copy: changing the restored world leaves it as it was.
    b.closePull(REPO, 1);
    expect(snap.repos[0].issues[0].state).toBe('open');
  });

  it('persistGitHubSimulator writes the world after a change and on close; loadGitHubSnapshot reads it back or moves a bad file aside', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ghsim-'));
    const file = path.join(dir, 'github-simulator.json');
    const a = createGitHubSimulator({ manualClock: true, repos: [REPO] });
    const p = persistGitHubSimulator(a, { file, debounceMs: 5 });
    a.openPull(REPO, { branch: 'x', title: 'X' });
    await p.flush();
    const first = loadGitHubSnapshot(file);
    expect(first.status).toBe('loaded');
    expect(first.status === 'loaded' && first.snapshot.repos[0].issues).toHaveLength(1);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    a.advance(100);
    await p.close();
    const last = loadGitHubSnapshot(file);
    expect(last.status === 'loaded' && last.snapshot.clockMs).toBe(a.clock.now());

    fs.writeFileSync(file, '{"kind":"something else"}');
    const bad = loadGitHubSnapshot(file);
    expect(bad.status).toBe('corrupt');
    expect(fs.existsSync(file)).toBe(false);
    expect(loadGitHubSnapshot(file).status).toBe('missing');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
