import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import type { Clock } from '../../platform/clock';
import { createJulesClient, type JulesClientOptions } from './client';
import { UpstreamBadRequest, UpstreamRateLimited } from './errors';
import { parseDuration, parseGoogleError } from './google-error';
import { KeyedSemaphores } from './semaphore';

const KEY = 'retry-test-key-0123456789';

/**
 * Retry timing through the injected clock: every sleep is recorded and advances the simulator's manual clock, so
 * the delays the client chose are read exactly, with no wall-clock threshold.
 */
describe('Jules client retry info and backoff against the simulator', () => {
  let sim: JulesSimulator;
  let srv: ListeningSimulator;
  let slept: number[];
  const clock = (): Clock => ({
    now: () => sim.clock.now(),
    sleep: async (ms) => {
      slept.push(ms);
      sim.clock.advance(ms);
    },
  });
  const client = (o: Partial<JulesClientOptions> = {}) =>
    createJulesClient({ baseUrl: srv.baseUrl, apiKey: KEY, clock: clock(), random: () => 0.5, createLimiter: new KeyedSemaphores(3), ...o });

  beforeAll(async () => {
    sim = createJulesSimulator({ apiKeys: [KEY], sessions: 20, manualClock: true, seed: 3, startTime: '2026-03-01T10:00:00Z' });
    srv = await sim.listen(0, '127.0.0.1');
  });
  afterAll(() => srv.close());
  beforeEach(() => {
    sim.setFaults({});
    // Quota windows are per sim minute: each test starts on a fresh one.
    sim.clock.advance(60_000 - (sim.clock.now() % 60_000));
    sim.resetStats();
    slept = [];
  });

  it('waits the RetryInfo delay of a 429 that has no Retry-After header', async () => {
    sim.setFaults({ rules: [{ op: 'sessions.list', kind: '429', retryAfterSeconds: 3, retryAfterHeader: false }] });
    const page = await client().listSessions({ pageSize: 5 });
    expect(page.items).toHaveLength(5);
    expect(slept).toEqual([3000]);
  });

  it('holds every request of the key for a RetryInfo delay, like a Retry-After', async () => {
    sim.setFaults({ rules: [{ op: 'sessions.get', kind: '503', retryAfterSeconds: 4, retryAfterHeader: false }] });
    const c = client();
    const id = sim.sessions()[0].id;
    await c.getSession(id);
    expect(slept).toEqual([4000]);
    // The hold was set from the RetryInfo at the sim time of the 503; it has passed now, so nothing more waits.
    await c.listSessions({ pageSize: 1 });
    expect(slept).toEqual([4000]);
  });

  it('without Retry-After or RetryInfo, backoff starts at 1 s with full jitter (random 0.5 = half of 1, 2 s)', async () => {
    sim.setFaults({ minuteQuota: { requests: 0, retryAfterHeader: false, retryInfo: false } });
    const err = await client({ maxAttempts: 3 }).listSessions().catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamRateLimited);
    expect(slept).toEqual([500, 1000]);
    // Our estimate for the caller when the server named no delay: the backoff start.
    expect(err.retryAfterMs).toBe(1000);
    sim.setFaults({});
  });

  it('the backoff ceiling doubles from 1 s and is capped', async () => {
    sim.setFaults({ rules: [{ op: 'sessions.list', kind: '500', count: 4 }] });
    await client({ maxAttempts: 5, random: () => 0.999999, backoff: { initialMs: 1000, maxMs: 3000 } }).listSessions();
    expect(slept).toEqual([999, 1999, 2999, 2999]);
  });

  it('per-minute quota: a 429 with Retry-After is waited out to the next minute, then served', async () => {
    sim.setFaults({ minuteQuota: { requests: 2 } });
    const c = client();
    const nowInMinute = sim.clock.now() % 60_000;
    await c.listSessions({ pageSize: 1 });
    await c.listSessions({ pageSize: 1 });
    expect(slept).toEqual([]);
    const third = await c.listSessions({ pageSize: 1 });
    expect(third.items).toHaveLength(1);
    expect(slept).toEqual([Math.ceil((60_000 - nowInMinute) / 1000) * 1000]);
    expect(sim.stats().requests.byStatus).toEqual({ '200': 3, '429': 1 });
  });

  it('per-minute quota without Retry-After: jittered backoff from 1 s, then served', async () => {
    sim.setFaults({ minuteQuota: { requests: 1, retryAfterHeader: false, retryInfo: false } });
    const c = client({ random: () => 0.9 });
    await c.listSessions({ pageSize: 1 });
    sim.clock.advance(60_000 - (sim.clock.now() % 60_000) - 1500); // 1.5 s before the next window
    await c.listSessions({ pageSize: 1 });
    // 429, then 900 ms later (0.6 s before the window ends) 429 again, then 1800 ms later: the next minute, served.
    expect(slept).toEqual([900, 1800]);
    expect(sim.stats().requests.byStatus).toEqual({ '200': 2, '429': 2 });
  });

  it('shows BadRequest field violations in the error message', async () => {
    const err = await client().listSessions({ pageSize: -1 }).catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamBadRequest);
    expect(err.message).toMatch(/HTTP 400 .*\(page_size: page_size must not be negative\.\)/);
  });

  it('falls back to plain paging when the activities filter is refused, and remembers it for the account', async () => {
    const c = client();
    const s = sim.sessions().find((x) => x.activities >= 3)!;
    const all = await c.activitiesSince(s.id);
    const held = all.activities.slice(0, 2);
    sim.setFaults({ rejectActivityFilter: true });
    sim.resetStats();
    const after = { createTime: held[1].createTime, ids: held.map((a) => a.id) };
    const r = await c.activitiesSince(s.id, { after });
    expect(r.activities.map((a) => a.id)).toEqual(all.activities.slice(2).map((a) => a.id));
    expect(c.activityFilterUnsupported).toBe(true);
    const again = await c.activitiesSince(s.id, { after });
    expect(again.activities).toHaveLength(r.activities.length);
    // One refusal in all: the second call did not try the filter again.
    expect(sim.stats().requests.byStatus['400']).toBe(1);
  });

  it('returns bashOutput and media artifacts as sent', async () => {
    const c = client();
    const s = sim.createSession({ prompt: 'Add a health endpoint', behaviour: 'happy' });
    sim.clock.advance(3_600_000);
    const { activities } = await c.activitiesSince(s.id);
    const arts = activities.flatMap((a) => a.artifacts ?? []);
    expect(arts.find((a) => a.bashOutput)?.bashOutput).toMatchObject({ command: 'npm test', exitCode: 0 });
    expect(arts.find((a) => a.media)?.media).toMatchObject({ mimeType: 'image/png' });
  });
});

describe('Google error details', () => {
  it('reads RetryInfo durations and BadRequest violations, tolerating junk', () => {
    expect([parseDuration('3s'), parseDuration('1.5s'), parseDuration('0.250s'), parseDuration({ seconds: '2', nanos: 5e8 }), parseDuration('3m'), parseDuration(null)]).toEqual([3000, 1500, 250, 2500, undefined, undefined]);
    const body = JSON.stringify({ error: { code: 429, message: 'slow down', status: 'RESOURCE_EXHAUSTED', details: [
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' },
      { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'filter', description: 'bad' }, { field: 5 }] },
      null, 'junk',
    ] } });
    expect(parseGoogleError(body)).toEqual({ message: 'slow down', status: 'RESOURCE_EXHAUSTED', retryDelayMs: 7000, violations: ['filter: bad'] });
    expect(parseGoogleError('<html>')).toEqual({ violations: [] });
  });
});
