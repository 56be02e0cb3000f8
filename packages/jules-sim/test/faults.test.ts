import { afterEach, describe, expect, it } from 'vitest';
import { makeClient, repoContext, HOUR, KEY } from './helpers.ts';
import type { ListeningSimulator } from '../src/index.ts';

let server: ListeningSimulator | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('faults', () => {
  it('rules hit exactly the next N matching requests of an operation, with Retry-After', async () => {
    const c = makeClient();
    c.sim.setFaults({ rules: [{ op: 'sessions.list', kind: '429', count: 2, retryAfterSeconds: 2 }] });
    const r1 = await c.call('GET', '/v1alpha/sessions');
    expect(r1.status).toBe(429);
    expect(r1.headers.get('retry-after')).toBe('2');
    expect(r1.body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect((await c.call('GET', '/v1alpha/sources')).status).toBe(200);
    expect((await c.call('GET', '/v1alpha/sessions')).status).toBe(429);
    expect((await c.call('GET', '/v1alpha/sessions')).status).toBe(200);
    expect(c.sim.faults().rules?.[0]).toMatchObject({ remaining: 0 });
  });

  it('500 and 503 answer INTERNAL and UNAVAILABLE; rules can target one session', async () => {
    const c = makeClient();
    const a = await c.create('A');
    const b = await c.create('B');
    c.sim.setFaults({ rules: [{ op: ['sessions.get'], sessionId: b.id, kind: '503', count: -1 }, { kind: '500' }] });
    expect((await c.call('GET', '/v1alpha/sources')).body.error.status).toBe('INTERNAL');
    expect((await c.call('GET', `/v1alpha/sessions/${a.id}`)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await c.call('GET', `/v1alpha/sessions/${b.id}`)).body.error.status).toBe('UNAVAILABLE');
  });

  it('invalid fault configs are rejected', () => {
    const c = makeClient();
    expect(() => c.sim.setFaults({ rules: [{ kind: 'boom' as '500' }] })).toThrow(/invalid fault config/);
  });

  it('malformed and truncated bodies arrive with status 200 over HTTP; slow requests still answer', async () => {
    const c = makeClient({ sessions: 3 });
    server = await c.sim.listen(0);
    c.sim.setFaults({ rules: [
      { op: 'sessions.list', kind: 'malformed' }, { op: 'sessions.list', kind: 'truncated' }, { op: 'sessions.list', kind: 'slow', delayMs: 20 },
    ] });
    const get = () => fetch(`${server!.baseUrl}/sessions`, { headers: { 'x-goog-api-key': KEY } });
    const bad = await get();
    expect(bad.status).toBe(200);
    const badText = await bad.text();
    expect(() => JSON.parse(badText) as unknown).toThrow();
    const cut = await (await get()).text();
    expect(() => JSON.parse(cut) as unknown).toThrow();
    expect(cut.startsWith('{"sessions":[')).toBe(true);
    const slow = await get();
    expect(slow.status).toBe(200);
    expect(((await slow.json()) as any).sessions).toHaveLength(3);
  });

  it('seeded rates are reproducible and rate 1 always fires', async () => {
    const statuses = async () => {
      const c = makeClient({ seed: 5, faults: { rates: { '429': 0.3, '500': 0.2 } } });
      const out: number[] = [];
      for (let i = 0; i < 30; i++) out.push((await c.call('GET', '/v1alpha/sources')).status);
      return out;
    };
    const a = await statuses();
    expect(await statuses()).toEqual(a);
    expect(new Set(a)).toEqual(new Set([200, 429, 500]));
    const c = makeClient({ faults: { rates: { '503': 1 }, rateOps: ['sessions.get'] } });
    expect((await c.call('GET', '/v1alpha/sources')).status).toBe(200);
    expect((await c.call('GET', '/v1alpha/sessions/1234567890123456789')).status).toBe(503);
  });

  it('activities 404 for a window after create (eventual consistency)', async () => {
    const c = makeClient({ faults: { activities404AfterCreateMs: 3000 } });
    const s = await c.create('New session');
    expect((await c.call('GET', `/v1alpha/sessions/${s.id}/activities`)).status).toBe(404);
    expect((await c.call('GET', `/v1alpha/sessions/${s.id}`)).status).toBe(200);
    c.advance(3000, 1);
    expect((await c.call('GET', `/v1alpha/sessions/${s.id}/activities`)).status).toBe(200);
  });

  it('concurrency limit, mode 429: creates beyond the running count fail until one finishes', async () => {
    const c = makeClient({ faults: { concurrencyLimit: 2, concurrencyMode: '429' } });
    await c.create('one [sim:happy]', repoContext());
    await c.create('two [sim:question]', repoContext());
    const r = await c.call('POST', '/v1alpha/sessions', { prompt: 'three' });
    expect(r.status).toBe(429);
    expect(r.body.error.status).toBe('RESOURCE_EXHAUSTED');
    c.advance(2 * HOUR);
    expect((await c.call('POST', '/v1alpha/sessions', { prompt: 'three' })).status).toBe(200);
    expect((await c.call('POST', '/v1alpha/sessions', { prompt: 'four' })).status).toBe(429);
  });

  it('concurrency limit, mode queue: extra sessions stay QUEUED until a slot frees', async () => {
    const c = makeClient({ faults: { concurrencyLimit: 1, concurrencyMode: 'queue' } });
    const first = await c.create('first [sim:happy]', repoContext());
    const second = await c.create('second [sim:happy]', repoContext());
    c.advance(60_000);
    expect((await c.get(`/v1alpha/sessions/${first.id}`)).state).not.toBe('QUEUED');
    const waiting = await c.get(`/v1alpha/sessions/${second.id}`);
    expect(waiting.state).toBe('QUEUED');
    expect(waiting.updateTime).toBe(waiting.createTime);
    c.advance(2 * HOUR);
    expect((await c.get(`/v1alpha/sessions/${first.id}`)).state).toBe('COMPLETED');
    c.advance(2 * HOUR);
    expect((await c.get(`/v1alpha/sessions/${second.id}`)).state).toBe('COMPLETED');
  });

  it('daily quota: creates beyond it answer 429 until the next sim day', async () => {
    const c = makeClient({ faults: { dailyQuota: 2 }, startTime: '2025-10-03T08:00:00Z' });
    await c.create('a');
    await c.create('b');
    const r = await c.call('POST', '/v1alpha/sessions', { prompt: 'c' });
    expect(r.status).toBe(429);
    expect(r.body.error.message).toMatch(/daily/);
    c.advance(24 * HOUR, 1);
    expect((await c.call('POST', '/v1alpha/sessions', { prompt: 'c' })).status).toBe(200);
  });
});
