import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubSimulator, type GitHubSimulator, type ListeningGitHubSimulator } from '@autopilot/github-sim';
import type { Clock } from '../../platform/clock';
import { createLogger } from '../../platform/logger';
import { createGitHubClient, GitHubAuthError, GitHubNotFound, GitHubRateLimited, GitHubUnavailable } from './index';

const TOKEN = 'ghp_client_test_token_0001';
const START = Date.UTC(2026, 11, 1, 12);
const log = createLogger({ level: 'silent' });

/** A clock the test moves: sleepers wake when advance() passes their deadline (the simulator's clock moves with it). */
function manualClock(start: number) {
  let now = start;
  const sleepers: { at: number; wake: () => void }[] = [];
  const clock: Clock & { advance(ms: number): void; sleepers(): number } = {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        sleepers.push({ at: now + ms, wake: resolve });
        signal?.addEventListener('abort', () => resolve(), { once: true });
      }),
    advance(ms) {
      now += ms;
      for (const s of sleepers.splice(0)) (s.at <= now ? s.wake : () => sleepers.push(s))();
    },
    sleepers: () => sleepers.length,
  };
  return clock;
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
};

describe('GitHub client against the simulator', () => {
  let sim: GitHubSimulator;
  let server: ListeningGitHubSimulator;
  let clock: ReturnType<typeof manualClock>;

  beforeAll(async () => {
    sim = createGitHubSimulator({ tokens: { [TOKEN]: 'octo-bot' }, repos: ['acme/shop'], manualClock: true, startTime: START });
    server = await sim.listen(0);
  });
  afterAll(() => server.close());
  beforeEach(() => {
    sim.reset();
    clock = manualClock(Date.parse(sim.advance(0)));
  });

  const client = (o: { token?: string; maxWaitMs?: number; baseUrl?: string } = {}) =>
    createGitHubClient({ baseUrl: o.baseUrl ?? server.baseUrl, token: o.token ?? TOKEN, fetch: globalThis.fetch, clock, log, maxWaitMs: o.maxWaitMs });
  const pullGets = () => sim.log().filter((e) => e.route === 'GET /repos/:owner/:repo/pulls/:number');

  it('polls an unchanged pull request 10 times for 1 counted request and 9 free 304s', async () => {
    const pr = sim.openPull('acme/shop', { branch: 'fix', files: { 'a.ts': 'x' } });
    const gh = client();
    const heads = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const { data, status } = await gh.octokit.rest.pulls.get({ owner: 'acme', repo: 'shop', pull_number: pr.number });
      expect(status).toBe(200);
      heads.add(data.head.sha);
    }
    expect(heads.size).toBe(1);
    const gets = pullGets();
    expect(gets).toHaveLength(10);
    expect(gets.filter((e) => e.counted)).toHaveLength(1);
    expect(gets.filter((e) => e.notModified && !e.counted && e.status === 304)).toHaveLength(9);
    expect(gh.status()).toMatchObject({ notModified: 9, etagEntries: 1 });

    // A push changes the pull request: the next poll is a full, counted 200 with the new head.
    sim.pushToPull('acme/shop', pr.number, { 'a.ts': 'y' });
    const after = await gh.octokit.rest.pulls.get({ owner: 'acme', repo: 'shop', pull_number: pr.number });
    expect(after.data.head.sha).not.toBe([...heads][0]);
    const last = pullGets().at(-1)!;
    expect(last).toMatchObject({ status: 200, notModified: false, counted: true });
  });

  it('waits out a spent rate limit until the reset, visible in status(), then succeeds', async () => {
    const gh = client();
    await gh.viewer();
    expect(gh.status()).toMatchObject({ limit: 5000, remaining: 4999, waitingUntil: null });
    sim.setRateLimit({ token: TOKEN, remaining: 1, resetInSeconds: 600 });
    await gh.octokit.rest.repos.get({ owner: 'acme', repo: 'shop' }); // answers remaining 0
    const resetAt = new Date(clock.now() + 600_000).toISOString();
    expect(gh.status()).toMatchObject({ remaining: 0, resetAt });

    const before = sim.log().length;
    const pending = gh.viewer();
    await until(() => clock.sleepers() === 1);
    expect(gh.status().waitingUntil).toBe(resetAt);
    expect(sim.log()).toHaveLength(before); // nothing sent while waiting: no 403 spent

    clock.advance(599_000);
    await new Promise((r) => setTimeout(r, 30));
    expect(gh.status().waitingUntil).toBe(resetAt);
    sim.advance(600);
    clock.advance(1_000);
    await expect(pending).resolves.toEqual({ login: 'octo-bot' });
    // A fresh window, and GET /user was answered with a free 304 (its ETag was cached by the first call).
    expect(gh.status()).toMatchObject({ waitingUntil: null, remaining: 5000 });
    expect(sim.log().at(-1)).toMatchObject({ status: 304, counted: false });
  });

  it('a 403 "rate limit exceeded" is waited out and the request sent again once', async () => {
    const gh = client();
    sim.setRateLimit({ token: TOKEN, remaining: 0, resetInSeconds: 120 });
    const pending = gh.viewer();
    await until(() => clock.sleepers() === 1);
    expect(sim.log().at(-1)).toMatchObject({ status: 403 });
    sim.advance(120);
    clock.advance(120_000);
    await expect(pending).resolves.toEqual({ login: 'octo-bot' });
    expect(sim.log().map((e) => e.status)).toEqual([403, 200]);
  });

  it('a wait longer than maxWaitMs throws GitHubRateLimited with the reset time, sending nothing', async () => {
    const gh = client({ maxWaitMs: 5_000 });
    sim.setRateLimit({ token: TOKEN, remaining: 1, resetInSeconds: 300 });
    await gh.viewer();
    const sent = sim.log().length;
    const err = await gh.viewer().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitHubRateLimited);
    expect((err as GitHubRateLimited).resetAt).toBe(clock.now() + 300_000);
    expect(sim.log()).toHaveLength(sent);
    // A per-request bound overrides the client's: this caller accepts the wait.
    const pending = gh.octokit.rest.users.getAuthenticated({ request: { maxWaitMs: 600_000 } });
    await until(() => clock.sleepers() === 1);
    sim.advance(300);
    clock.advance(300_000);
    await expect(pending).resolves.toMatchObject({ status: 200 });
  });

  it('errors are typed: bad token, missing resource, nothing listening', async () => {
    const bad = await client({ token: 'ghp_wrong' }).viewer().catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(GitHubAuthError);
    expect((bad as GitHubAuthError).status).toBe(401);
    expect(String((bad as Error).message)).not.toContain('ghp_wrong');

    const missing = await client().octokit.rest.pulls.get({ owner: 'acme', repo: 'shop', pull_number: 999 }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(GitHubNotFound);
    expect((missing as GitHubNotFound).op).toBe('GET /repos/{owner}/{repo}/pulls/{pull_number}');

    const down = await client({ baseUrl: 'http://127.0.0.1:1' }).viewer().catch((e: unknown) => e);
    expect(down).toBeInstanceOf(GitHubUnavailable);
  });
});

describe('EtagCache', () => {
  it('keeps at most `capacity` URLs, dropping the least recently used', async () => {
    const { EtagCache } = await import('./etag-cache');
    const c = new EtagCache<number>(2);
    c.set('a', 'W/"1"', 1);
    c.set('b', 'W/"2"', 2);
    expect(c.get('a')?.value).toBe(1); // a is now the most recent
    c.set('c', 'W/"3"', 3);
    expect([c.size, c.get('b'), c.get('a')?.etag, c.get('c')?.value]).toEqual([2, undefined, 'W/"1"', 3]);
    expect(() => new EtagCache(0)).toThrow();
  });
});
