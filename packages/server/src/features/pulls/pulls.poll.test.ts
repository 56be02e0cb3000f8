import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePostgresInCi, testEngines } from '../../platform/db/testing';
import { createRig, TOKEN, until, type Rig } from './pulls.testing';

requirePostgresInCi();

describe.each(testEngines())('pulls poller (%s)', (engine) => {
  let r: Rig;
  beforeAll(async () => {
    r = await createRig(engine);
  });
  afterAll(async () => r?.close());

  const ofType = (type: string) => r.events.filter((e) => e.type === type);

  it('links a PR by its session outputs and another by its working branch; unrelated PRs are not stored', async () => {
    const a = r.sim.openPull('acme/shop', { branch: 'jules/fix-a', files: { 'a.ts': '1' } });
    const b = r.sim.openPull('acme/shop', { branch: 'jules/feature-b', files: { 'b.ts': '1' } });
    r.sim.openPull('acme/shop', { branch: 'someone-else', files: { 'c.ts': '1' } });
    // A branch of the same name on another repository is not this session's.
    r.sim.openPull('acme/api', { branch: 'jules/feature-b', files: { 'b.ts': '1' } });
    r.links.push(
      { id: 'sess-a', source: 'sources/github/acme/shop', workingBranch: null, prUrl: a.html_url },
      { id: 'sess-b', source: 'sources/github/acme/shop', workingBranch: 'jules/feature-b', prUrl: null },
    );
    const res = await r.feature.service.sync(r.ws);
    expect(res).toMatchObject({ repos: 1, pulls: 2, changed: 2 });
    const pulls = (await r.feature.service.list(r.ws, { limit: 50 })).items;
    expect(pulls.map((p) => [p.number, p.sessionId, p.linkedBy]).sort()).toEqual([[a.number, 'sess-a', 'output'], [b.number, 'sess-b', 'branch']].sort());
    expect(pulls.every((p) => p.state === 'open' && p.repo === 'acme/shop')).toBe(true);
    expect((await r.feature.service.forSession(r.ws, 'sess-b'))[0]?.number).toBe(b.number);
    expect(ofType('github.pull.updated')).toHaveLength(2);
    expect(r.changes.map((c) => c.change.previous)).toEqual([null, null]);
  });

  it('checks pending -> failure -> success move the row, store the runs and publish events', async () => {
    const pr = r.sim.openPull('acme/shop', { branch: 'jules/ci', files: { 'x.ts': '1' } });
    r.links.push({ id: 'sess-ci', source: 'sources/github/acme/shop', workingBranch: 'jules/ci', prUrl: null });
    r.sim.setCi('acme/shop', { conclusion: 'failure', delaySeconds: 60, failing: ['test'] }, pr.number);
    r.clock.advance(2);
    const before = r.events.length;
    await r.feature.service.sync(r.ws);
    let row = await r.feature.service.byNumber(r.ws, 'acme/shop', pr.number);
    expect(row?.checks).toBe('pending');
    const runsPending = await r.feature.service.runsOf(r.ws, 'acme/shop', row!.headSha);
    expect(runsPending.map((x) => x.name).sort()).toEqual(['build', 'test']);
    expect(runsPending.every((x) => x.status !== 'completed' && x.sessionId === 'sess-ci' && x.prNumber === pr.number)).toBe(true);

    r.clock.advance(90);
    await r.feature.service.sync(r.ws);
    row = await r.feature.service.byNumber(r.ws, 'acme/shop', pr.number);
    expect(row?.checks).toBe('failure');
    const failed = (await r.feature.service.runs(r.ws, { limit: 50, conclusion: 'failure', pr: pr.number })).items;
    expect(failed.map((x) => x.name)).toEqual(['test']);
    expect(failed[0].durationMs).toBeGreaterThan(0);
    const change = r.changes.filter((c) => c.pull.number === pr.number).at(-1)!;
    expect(change.pull.checks).toBe('failure');
    expect(change.change.previous?.checks).toBe('pending');

    r.sim.setCi('acme/shop', { conclusion: 'success', delaySeconds: 30 }, pr.number);
    const sha2 = r.sim.pushToPull('acme/shop', pr.number, { 'x.ts': '2' });
    r.clock.advance(60);
    await r.feature.service.sync(r.ws);
    row = await r.feature.service.byNumber(r.ws, 'acme/shop', pr.number);
    expect(row).toMatchObject({ checks: 'success', headSha: sha2 });
    const mine = r.events.slice(before).filter((e) => (e.data as { repo?: string; number?: number; prNumber?: number }).repo === 'acme/shop');
    const pullEvents = mine.filter((e) => e.type === 'github.pull.updated' && (e.data as { number: number }).number === pr.number);
    expect(pullEvents.map((e) => (e.data as { checks: string }).checks)).toEqual(['pending', 'failure', 'success']);
    const runEvents = mine.filter((e) => e.type === 'ci.run.updated' && (e.data as { prNumber: number }).prNumber === pr.number);
    // 2 runs created pending, both completed, then 2 new runs of the new head seen completed.
    expect(runEvents.length).toBe(6);
    expect(runEvents.filter((e) => (e.data as { headSha: string }).headSha === sha2).every((e) => (e.data as { conclusion: string }).conclusion === 'success')).toBe(true);
  });

  it('an unchanged poll costs only uncounted 304s', async () => {
    await r.feature.service.sync(r.ws);
    const at = r.sim.log().length;
    const events = r.events.length;
    const res = await r.feature.service.sync(r.ws);
    const log = r.sim.log().slice(at);
    expect(log.length).toBeGreaterThan(0);
    expect(res.requests).toBe(log.length);
    expect(res.notModified).toBe(log.length);
    expect(res.changed).toBe(0);
    expect(log.every((e) => e.status === 304 && e.notModified && !e.counted)).toBe(true);
    expect(r.events.length).toBe(events);
  });

  it('a merged PR is read once more, then rarely', async () => {
    const pr = r.sim.openPull('acme/shop', { branch: 'jules/merge-me', files: { 'm.ts': '1' } });
    r.links.push({ id: 'sess-m', source: 'sources/github/acme/shop', workingBranch: 'jules/merge-me', prUrl: null });
    await r.feature.service.sync(r.ws);
    r.sim.closePull('acme/shop', pr.number);
    await r.feature.poll.pass();
    expect((await r.feature.service.byNumber(r.ws, 'acme/shop', pr.number))?.state).toBe('closed');
    expect((await r.feature.service.finishedLinked(r.ws)).map((p) => p.number)).toContain(pr.number);
    r.clock.advance(31);
    const at = r.sim.log().length;
    await r.feature.poll.pass(); // the one more read
    const reads = () => r.sim.log().slice(at).filter((e) => e.path.endsWith(`/pulls/${pr.number}`)).length;
    expect(reads()).toBe(1);
    r.clock.advance(31);
    await r.feature.poll.pass();
    expect(reads()).toBe(1);
  });

  it('a spent rate limit waits for the reset on the injected clock, then the poll goes on', async () => {
    r.sim.setRateLimit({ token: TOKEN, remaining: 0, resetInSeconds: 120 });
    const pr = r.sim.openPull('acme/shop', { branch: 'jules/after-reset', files: { 'r.ts': '1' } });
    r.links.push({ id: 'sess-r', source: 'sources/github/acme/shop', workingBranch: 'jules/after-reset', prUrl: null });
    let done = false;
    const sync = r.feature.service.syncWith(r.ws, { force: true, maxWaitMs: 600_000 }).then((x) => ((done = true), x));
    await until(() => r.clock.sleepers() === 1, 'the client to wait for the reset');
    expect(done).toBe(false);
    r.clock.advance(121);
    const res = await sync;
    expect(res.pulls).toBeGreaterThan(0);
    expect((await r.feature.service.byNumber(r.ws, 'acme/shop', pr.number))?.sessionId).toBe('sess-r');
  });

  it("a person's sync does not wait long for a spent rate limit: 429 with retryAfterMs; the loop skips and says so", async () => {
    r.sim.setRateLimit({ token: TOKEN, remaining: 0, resetInSeconds: 3600 });
    await expect(r.feature.service.sync(r.ws)).rejects.toMatchObject({ code: 'rate_limited', details: { retryAfterMs: expect.any(Number) } });
    const res = await r.request('/api/github/sync', { method: 'POST' });
    expect(res.status).toBe(429);
    r.clock.advance(60);
    const loop = r.feature.poll;
    await loop.start();
    await until(() => loop.status().ticks > 0, 'a loop tick');
    await loop.stop();
    expect(loop.status().lastError).toMatch(/rate limit spent: 1 workspace\(s\) skipped until/);
    expect(loop.status().lastError).not.toContain(r.ws);
  });
});
