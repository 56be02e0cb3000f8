import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import { createLogger } from '../../platform/logger';
import { createMetrics } from '../../platform/metrics';
import type { Clock } from '../../platform/clock';
import { createJulesClient, type JulesClientOptions } from './client';
import { UpstreamAuth, UpstreamMalformed, UpstreamNotFound, UpstreamRateLimited, UpstreamUnavailable } from './errors';
import { KeyedSemaphores } from './semaphore';
import { parseRetryAfter } from './transport';

const KEY = 'test-key-0123456789-secret';

/** A clock whose sleep advances the simulator's manual clock: retries are instant and deterministic. */
function simClock(sim: JulesSimulator, slept: number[]): Clock {
  return {
    now: () => sim.clock.now(),
    sleep: async (ms) => {
      slept.push(ms);
      sim.clock.advance(ms);
    },
  };
}

describe('Jules client against the simulator', () => {
  let sim: JulesSimulator;
  let srv: ListeningSimulator;
  let slept: number[];
  const client = (o: Partial<JulesClientOptions> = {}) =>
    createJulesClient({ baseUrl: srv.baseUrl, apiKey: KEY, clock: simClock(sim, slept), random: () => 0.5, createLimiter: new KeyedSemaphores(3), ...o });

  beforeAll(async () => {
    sim = createJulesSimulator({ apiKeys: [KEY], sessions: 250, manualClock: true, seed: 7 });
    srv = await sim.listen(0, '127.0.0.1');
  });
  afterAll(() => srv.close());
  beforeEach(() => {
    sim.setFaults({});
    sim.resetStats();
    slept = [];
  });

  it('pages through every session, 100 per page', async () => {
    const pages = [];
    for await (const p of client().sessionPages()) pages.push(p.items.length);
    expect(pages).toEqual([100, 100, 50]);
    expect(sim.stats().requests.byRoute['sessions.list']).toBe(3);
  });

  it('waits out a 429 Retry-After before asking again (real clock)', async () => {
    sim.setFaults({ rules: [{ op: 'sessions.list', kind: '429', retryAfterSeconds: 1 }] });
    const since = new Date().toISOString();
    const c = createJulesClient({ baseUrl: srv.baseUrl, apiKey: KEY, createLimiter: new KeyedSemaphores(3) });
    const page = await c.listSessions({ pageSize: 5 });
    expect(page.items).toHaveLength(5);
    // The simulator's own request log, over HTTP, with the real arrival times.
    const all = (await (await fetch(`${srv.origin}/_sim/log?since=${encodeURIComponent(since)}`)).json()) as { at: string; route: string; status: number }[];
    const log = all.filter((e) => e.route === 'sessions.list');
    expect(log.map((e) => e.status)).toEqual([429, 200]);
    expect(Date.parse(log[1].at) - Date.parse(log[0].at)).toBeGreaterThanOrEqual(1000);
  });

  it('holds every request of the key until a Retry-After passes, not only the one that got the 429', async () => {
    sim.setFaults({ rules: [{ op: 'sessions.list', kind: '429', retryAfterSeconds: 1 }] });
    const since = new Date().toISOString();
    const c = createJulesClient({ baseUrl: srv.baseUrl, apiKey: KEY, createLimiter: new KeyedSemaphores(3) });
    const id = sim.sessions()[0].id;
    const listing = c.listSessions({ pageSize: 5 });
    await new Promise((r) => setTimeout(r, 100)); // the list has had its 429 by now
    await Promise.all([listing, c.getSession(id)]);
    const log = (await (await fetch(`${srv.origin}/_sim/log?since=${encodeURIComponent(since)}`)).json()) as { at: string; route: string; status: number }[];
    const limited = log.find((e) => e.status === 429)!;
    const get = log.find((e) => e.route === 'sessions.get')!;
    expect(limited.route).toBe('sessions.list');
    expect(Date.parse(get.at)).toBeGreaterThanOrEqual(Date.parse(limited.at) + 1000 - 5);
  });

  it('returns a long Retry-After to the caller as UpstreamRateLimited instead of waiting', async () => {
    sim.setFaults({ rules: [{ op: 'sessions.get', kind: '429', retryAfterSeconds: 120 }] });
    const id = sim.sessions()[0].id;
    const err = await client().getSession(id).catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamRateLimited);
    expect(err.retryAfterMs).toBe(120_000);
    expect(slept).toEqual([]);
  });

  it('retries 5xx on reads with growing jittered backoff', async () => {
    sim.setFaults({ rules: [{ op: 'sessions.get', kind: '500', count: 3 }] });
    const id = sim.sessions()[0].id;
    const s = await client().getSession(id);
    expect(s.id).toBe(id);
    const stats = (await (await fetch(`${srv.origin}/_sim/stats`)).json()) as { requests: { byRoute: Record<string, number> } };
    expect(stats.requests.byRoute['sessions.get']).toBe(4);
    // Full jitter with random() = 0.5: half of 1, 2, 4 s (no Retry-After on a 500: backoff starts at 1 s).
    expect(slept).toEqual([500, 1000, 2000]);
  });

  it('gives up after maxAttempts with UpstreamUnavailable', async () => {
    sim.setFaults({ rules: [{ op: 'sessions.get', kind: '503', count: -1, retryAfterSeconds: 0 }] });
    const err = await client({ maxAttempts: 3 }).getSession(sim.sessions()[0].id).catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamUnavailable);
    expect(err.status).toBe(503);
    expect(sim.stats().requests.byRoute['sessions.get']).toBe(3);
  });

  it('retries a create on 503 but never on 500 (it may have been processed)', async () => {
    sim.setFaults({ rules: [{ op: 'sessions.create', kind: '503', retryAfterSeconds: 0 }] });
    const created = await client().createSession({ prompt: 'Fix the flaky test [sim:happy]' });
    expect(created.state).toBe('QUEUED');
    expect(sim.stats().requests.byRoute['sessions.create']).toBe(2);

    sim.resetStats();
    sim.setFaults({ rules: [{ op: 'sessions.create', kind: '500' }] });
    const err = await client().createSession({ prompt: 'Another one' }).catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamUnavailable);
    expect(sim.stats().requests.byRoute['sessions.create']).toBe(1);
  });

  it('rides out activities 404 right after create, but reports a 404 for an old session', async () => {
    sim.setFaults({ activities404AfterCreateMs: 3000 });
    const c = client();
    const s = await c.createSession({ prompt: 'Add a README [sim:happy]' });
    const page = await c.listActivities(s.id, { createTime: s.createTime });
    expect(sim.stats().requests.byRoute['activities.list']).toBeGreaterThan(1);
    expect(sim.log().filter((e) => e.route === 'activities.list').at(-1)?.status).toBe(200);
    expect(page.items.length).toBeGreaterThanOrEqual(0);

    const before = sim.stats().requests.byRoute['activities.list'];
    const err = await c.listActivities('12345678901234567890').catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamNotFound);
    expect(sim.stats().requests.byRoute['activities.list']).toBe(before + 1);
  });

  it('reports malformed and truncated bodies as UpstreamMalformed, then keeps serving', async () => {
    const id = sim.sessions()[0].id;
    const c = client();
    sim.setFaults({ rules: [{ op: 'sessions.get', kind: 'malformed' }] });
    const e1 = await c.getSession(id).catch((e) => e);
    expect(e1).toBeInstanceOf(UpstreamMalformed);
    expect(e1.message).toMatch(/sessions\.get: response body is not JSON/);
    sim.setFaults({ rules: [{ op: 'sessions.get', kind: 'truncated' }] });
    const e2 = await c.getSession(id).catch((e) => e);
    expect(e2).toBeInstanceOf(UpstreamMalformed);
    expect((await c.getSession(id)).id).toBe(id);
  });

  it('opens the breaker after consecutive failures and stops calling upstream', async () => {
    sim.setFaults({ rules: [{ op: 'sessions.get', kind: '500', count: -1 }] });
    const changes: boolean[] = [];
    const c = client({ maxAttempts: 1, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 }, onBreakerChange: (o) => changes.push(o) });
    const id = sim.sessions()[0].id;
    for (let i = 0; i < 3; i++) await expect(c.getSession(id)).rejects.toBeInstanceOf(UpstreamUnavailable);
    const err = await c.getSession(id).catch((e) => e);
    expect(err.breakerOpen).toBe(true);
    expect(sim.stats().requests.byRoute['sessions.get']).toBe(3);
    expect(changes).toEqual([true]);
  });

  it('maps a wrong key to UpstreamAuth and never logs the key', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const log = createLogger({ level: 'trace', destination: out });
    sim.setFaults({ rules: [{ op: 'sessions.list', kind: '503', retryAfterSeconds: 0 }] });
    await client({ log }).listSessions();
    const bad = 'wrong-key-abcdefghijklmnop';
    const err = await client({ apiKey: bad, log }).listSessions().catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamAuth);
    expect(err.status).toBe(401);
    expect(text).toContain('sessions.list');
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(bad);
    expect(err.message).not.toContain(bad);
  });

  it('maps 403 to UpstreamAuth without retrying', async () => {
    sim.setFaults({ rules: [{ op: 'sessions.list', kind: '403' }] });
    const err = await client().listSessions().catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamAuth);
    expect(err.status).toBe(403);
    expect(sim.stats().requests.byRoute['sessions.list']).toBe(1);
  });

  it('times out a slow answer and retries the read', async () => {
    sim.setFaults({ rules: [{ op: 'sessions.get', kind: 'slow', delayMs: 3000 }] });
    const metrics = createMetrics();
    const id = sim.sessions()[0].id;
    const s = await client({ timeoutMs: 300, metrics }).getSession(id);
    expect(s.id).toBe(id);
    expect(slept.length).toBeGreaterThanOrEqual(1);
    expect(await metrics.render()).toMatch(/autopilot_jules_requests_total\{op="sessions.get",status="timeout"\} [1-4]\b/);
  });

  it("stops at once, without retrying, when the caller's signal aborts", async () => {
    sim.setFaults({ rules: [{ op: 'sessions.list', kind: 'slow', delayMs: 3000 }] });
    const ac = new AbortController();
    const p = client().listSessions({ signal: ac.signal });
    setTimeout(() => ac.abort(new Error('shutting down')), 50);
    await expect(p).rejects.toThrow('shutting down');
    expect(slept).toEqual([]);
    expect(sim.stats().requests.byRoute['sessions.list'] ?? 0).toBeLessThanOrEqual(1);
  });

  it('reports an exhausted daily quota as UpstreamRateLimited after bounded retries', async () => {
    sim.setFaults({ dailyQuota: 0 });
    const err = await client({ maxAttempts: 3 }).createSession({ prompt: 'Over quota' }).catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamRateLimited);
    expect(err.message).toMatch(/daily limit/);
    expect(sim.stats().requests.byRoute['sessions.create']).toBe(3);
  });

  it('limits concurrent creates per key to 3', async () => {
    let inFlight = 0;
    let peak = 0;
    const counting: typeof fetch = async (input, init) => {
      const creating = init?.method === 'POST' && String(input).endsWith('/sessions');
      if (creating) peak = Math.max(peak, ++inFlight);
      try {
        return await fetch(input, init);
      } finally {
        if (creating) inFlight--;
      }
    };
    sim.setFaults({ rules: [{ op: 'sessions.create', kind: 'slow', delayMs: 30, count: -1 }] });
    const limiter = new KeyedSemaphores(3);
    const a = client({ fetch: counting, createLimiter: limiter });
    const b = client({ fetch: counting, createLimiter: limiter });
    const made = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).createSession({ prompt: `Task ${i}` })));
    expect(new Set(made.map((s) => s.id)).size).toBe(8);
    expect(peak).toBe(3);
  });

  it('syncs activities incrementally with dedupe, and counts calls in metrics', async () => {
    const metrics = createMetrics();
    const c = client({ metrics });
    const s = await c.createSession({ prompt: 'Refactor the parser [sim:happy]' });
    sim.clock.advance(60_000);
    const first = await c.activitiesSince(s.id);
    expect(first.activities.length).toBeGreaterThan(0);
    const last = first.activities.at(-1)!;
    const again = await c.activitiesSince(s.id, { after: { createTime: last.createTime, ids: first.activities.map((a) => a.id) } });
    expect(again.activities).toEqual([]);
    sim.clock.advance(10 * 60_000);
    const more = await c.activitiesSince(s.id, { after: { createTime: last.createTime, ids: first.activities.map((a) => a.id) } });
    const all = [...first.activities, ...more.activities].map((a) => a.id);
    expect(new Set(all).size).toBe(all.length);
    const full = await c.activitiesSince(s.id);
    expect(full.activities.map((a) => a.id)).toEqual(all);
    const text = await metrics.render();
    expect(text).toMatch(/autopilot_jules_requests_total\{op="activities.list",status="200"\} \d+/);
    expect(text).toContain('autopilot_jules_request_duration_seconds_bucket');
  });
});

describe('Jules client tolerance of unknown kinds', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/v1alpha/sessions/1/activities')) {
        res.end(
          JSON.stringify({
            activities: [
              { name: 'sessions/1/activities/a', id: 'a', createTime: '2026-01-01T00:00:00Z', originator: 'system', description: 'Session started' },
              { id: 'b', createTime: '2026-01-01T00:00:01.5Z', originator: 'agent', codeReviewed: { verdict: 'ok' }, artifacts: [{ screenshot: { url: 'x' } }] },
              { id: 'c', createTime: '2026-01-01T00:00:02.123456Z', originator: 'robot', agentMessaged: { agentMessage: 'hi' } },
            ],
          }),
        );
      } else if (req.url === '/v1alpha/sessions/2') {
        res.end(JSON.stringify({ id: '2', createTime: '2026-01-01T00:00:00Z', updateTime: '2026-01-01T00:00:00Z', state: 'QUEUED', title: null, archived: 'yes', outputs: 5, sourceContext: { source: 7 } }));
      } else if (req.url === '/v1alpha/sessions/3') {
        res.end(JSON.stringify({ name: 'projects/x/things/3', state: 'QUEUED' }));
      } else {
        res.end(JSON.stringify({ id: '1', createTime: '2026-01-01T00:00:00Z', updateTime: '2026-01-01T00:00:00Z', state: 'HIBERNATING', outputs: [{ gist: { url: 'g' } }] }));
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1alpha`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('keeps unknown activity, artifact and output kinds and enum values as raw data, warning once per kind', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const c = createJulesClient({ baseUrl: base, apiKey: KEY, log: createLogger({ level: 'warn', destination: out }) });
    const page = await c.listActivities('1');
    expect(page.items.map((a) => a.kind)).toEqual(['system', 'codeReviewed', 'agentMessaged']);
    expect((page.items[1] as Record<string, unknown>).codeReviewed).toEqual({ verdict: 'ok' });
    expect(page.items[1].artifacts?.[0]).toEqual({ screenshot: { url: 'x' } });
    expect(page.items[2].originator).toBe('robot');
    await c.listActivities('1');
    const s = await c.getSession('1');
    expect(s.state).toBe('HIBERNATING');
    expect(s.outputs?.[0]).toEqual({ gist: { url: 'g' } });
    const warnings = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(warnings.map((w) => `${w.where}:${w.kind}`)).toEqual(['activity:codeReviewed', 'artifact:screenshot', 'output:gist']);
  });

  it('drops wrongly typed optional fields but reports a session with no id and no readable name as UpstreamMalformed', async () => {
    const c = createJulesClient({ baseUrl: base, apiKey: KEY });
    const odd = await c.getSession('2');
    expect(odd).toMatchObject({ id: '2', state: 'QUEUED', title: '' });
    expect([odd.archived, odd.outputs, odd.sourceContext?.source]).toEqual([undefined, undefined, undefined]);
    const err = await c.getSession('3').catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamMalformed);
    expect(err.message).toMatch(/sessions\.get: response does not match the expected shape \(id: /);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
