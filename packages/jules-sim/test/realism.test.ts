import { describe, expect, it } from 'vitest';
import { makeClient, repoContext, HOUR } from './helpers.ts';
import { createJulesSimulator } from '../src/index.ts';

/** What the live API does that a naive simulator would not: details, quotas, artifacts, frozen updateTime. */
describe('simulator realism', () => {
  it('sends BadRequest field violations with a 400 and RetryInfo with 429/503', async () => {
    const c = makeClient();
    const bad = await c.call('GET', '/v1alpha/sessions?pageSize=abc');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([
      { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'page_size', description: expect.stringMatching(/page_size/) }] },
    ]);
    const noBranch = await c.call('POST', '/v1alpha/sessions', { prompt: 'x', sourceContext: { source: 'sources/github/acme-corp/storefront' } });
    expect(noBranch.body.error.details[0].fieldViolations[0].field).toBe('source_context.github_repo_context.starting_branch');

    c.sim.setFaults({ rules: [{ op: 'sessions.list', kind: '429', retryAfterSeconds: 3 }, { op: 'sessions.list', kind: '503', retryAfterSeconds: 2, retryAfterHeader: false }] });
    const limited = await c.call('GET', '/v1alpha/sessions');
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.body.error.details).toEqual([{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '3s' }]);
    const down = await c.call('GET', '/v1alpha/sessions');
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBeNull();
    expect(down.body.error.details).toEqual([{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' }]);
  });

  it('enforces a per-minute quota per API key, with and without Retry-After', async () => {
    const sim = createJulesSimulator({ manualClock: true, seed: 1, apiKeys: ['a', 'b'], startTime: '2026-01-01T00:00:10Z' });
    const get = (key: string) => sim.app.request('/v1alpha/sessions', { headers: { 'x-goog-api-key': key } });
    sim.setFaults({ minuteQuota: { requests: 2 } });
    expect([(await get('a')).status, (await get('a')).status]).toEqual([200, 200]);
    const over = await get('a');
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('50'); // seconds to the next minute on the sim clock
    expect((await over.json()).error).toMatchObject({ status: 'RESOURCE_EXHAUSTED', details: [{ retryDelay: '50s' }] });
    expect((await get('b')).status).toBe(200); // another key has its own quota
    sim.clock.advance(50_000);
    expect((await get('a')).status).toBe(200);

    sim.setFaults({ minuteQuota: { requests: 0, retryAfterHeader: false, retryInfo: false } });
    const bare = await get('b');
    expect(bare.status).toBe(429);
    expect(bare.headers.get('retry-after')).toBeNull();
    expect((await bare.json()).error.details).toBeUndefined();
    expect(sim.stats().requests.byStatus['429']).toBe(2);
  });

  it('rejects any activities filter when told to, with a BadRequest on `filter`; plain paging still works', async () => {
    const c = makeClient();
    const s = await c.create('Fix the flaky test [sim:happy]');
    c.sim.setFaults({ rejectActivityFilter: true });
    const r = await c.call('GET', `/v1alpha/sessions/${s.id}/activities?filter=${encodeURIComponent('create_time>"2020-01-01T00:00:00Z"')}`);
    expect(r.status).toBe(400);
    expect(r.body.error.details[0].fieldViolations[0].field).toBe('filter');
    expect((await c.call('GET', `/v1alpha/sessions/${s.id}/activities`)).status).toBe(200);
    c.sim.setFaults({});
    // The SDK's form, `create_time>"..."`, is accepted otherwise.
    const ok = await c.call('GET', `/v1alpha/sessions/${s.id}/activities?filter=${encodeURIComponent('create_time>"2020-01-01T00:00:00Z"')}`);
    expect(ok.status).toBe(200);
  });

  it('emits bashOutput and media artifacts in progress activities, in the spec shapes', async () => {
    const c = makeClient();
    const seen = { bash: 0, media: 0 };
    for (let i = 0; i < 6; i++) {
      const s = await c.create(`Add input validation to form ${i} [sim:happy]`, repoContext());
      c.advance(4 * HOUR);
      for (const a of await c.activities(s.id)) {
        for (const art of a.artifacts ?? []) {
          if (art.bashOutput) {
            seen.bash++;
            expect(art.bashOutput).toEqual({ command: 'npm test', output: expect.stringContaining('passed'), exitCode: 0 });
          }
          if (art.media) {
            seen.media++;
            expect(art.media.mimeType).toBe('image/png');
            expect(Buffer.from(art.media.data, 'base64').subarray(1, 4).toString()).toBe('PNG');
          }
        }
      }
    }
    expect(seen.bash).toBe(6); // one test run per finished session
    expect(seen.media).toBeGreaterThan(0);
  });

  it('can leave updateTime unchanged when activities are added; state changes still move it', async () => {
    const c = makeClient();
    c.sim.setFaults({ freezeUpdateTime: true });
    const s = await c.create('Refactor the parser [sim:happy]');
    c.advance(3 * 60_000);
    const cur = await c.get(`/v1alpha/sessions/${s.id}`);
    const acts = await c.activities(s.id);
    expect(cur.state).toBe('IN_PROGRESS');
    expect(acts.length).toBeGreaterThan(3);
    // The newest activity is later than the session's updateTime: the live API's behaviour this mode plays.
    expect(acts.at(-1).createTime > cur.updateTime).toBe(true);
    c.sim.setFaults({});
    const before = (await c.get(`/v1alpha/sessions/${s.id}`)).updateTime;
    c.advance(HOUR);
    const done = await c.get(`/v1alpha/sessions/${s.id}`);
    expect(done.updateTime > before).toBe(true);
  });
});
