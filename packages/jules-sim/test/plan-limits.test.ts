import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { makeClient, repoContext, HOUR, KEY, type Client } from './helpers.ts';
import { createJulesSimulator, type LogEntry, type ListeningSimulator, type SimSnapshot } from '../src/index.ts';

const START = '2026-03-02T08:00:00.000Z';
const MINUTE = 60_000;
let server: ListeningSimulator | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The slot events of the log (method SIM), in order. */
const slots = (entries: LogEntry[]) => entries.filter((e) => e.method === 'SIM');

/** Replays the slot events: the most sessions that ever held a slot at once. */
function maxActive(entries: LogEntry[]): number {
  const active = new Set<string>();
  let max = 0;
  for (const e of slots(entries)) {
    if (e.route === 'session.started') active.add(e.sessionId!);
    if (e.route === 'session.ended') active.delete(e.sessionId!);
    max = Math.max(max, active.size);
  }
  return max;
}

const createMany = async (c: Client, n: number, tag = 'stuck') => {
  const out: any[] = [];
  for (let i = 0; i < n; i++) out.push(await c.create(`Task ${i} [sim:${tag}]`, repoContext()));
  return out;
};

describe('plan limits', () => {
  it('free plan, 10 creates: 3 start, 7 wait in QUEUED and start in order as slots free; never more than 3 active', async () => {
    const c = makeClient({ plan: 'free', startTime: START });
    const made = await createMany(c, 10);
    c.advance(MINUTE);
    const state = async (id: string) => (await c.get(`/v1alpha/sessions/${id}`)).state as string;
    const states = await Promise.all(made.map((s) => state(s.id)));
    expect(states.slice(0, 3).every((s) => s !== 'QUEUED')).toBe(true);
    expect(states.slice(3)).toEqual(Array(7).fill('QUEUED'));
    expect(c.sim.plan()[0]).toMatchObject({ plan: { name: 'free', concurrent: 3, daily: 15 }, active: 3, queued: 7, createdInWindow: 10 });

    // Free slots one at a time: the oldest waiting session takes each one.
    for (let i = 0; i < 7; i++) {
      c.sim.setSessionState(made[i].id, i % 2 ? 'FAILED' : 'COMPLETED');
      c.advance(MINUTE);
      expect(await state(made[i + 3].id)).not.toBe('QUEUED');
      if (i + 4 < 10) expect(await state(made[i + 4].id)).toBe('QUEUED');
    }
    const log = c.sim.log();
    const started = slots(log).filter((e) => e.route === 'session.started').map((e) => e.sessionId);
    expect(started).toEqual(made.map((s) => s.id));
    const queued = slots(log).filter((e) => e.route === 'session.queued').map((e) => e.sessionId);
    expect(queued).toEqual(made.slice(3).map((s) => s.id));
    expect(maxActive(log)).toBe(3);
    expect(Math.max(...slots(log).map((e) => e.active!))).toBe(3);
    // Queued sessions started at the sim time their slot freed, not at create time.
    const startOf = (id: string) => slots(log).find((e) => e.route === 'session.started' && e.sessionId === id)!.simTime!;
    expect(startOf(made[3].id) > startOf(made[0].id)).toBe(true);
    expect(startOf(made[9].id)).toBe(slots(log).find((e) => e.route === 'session.ended' && e.sessionId === made[6].id)!.simTime);
  });

  it('free plan with agents running on the clock: all 10 finish, at most 3 at once, started in create order', async () => {
    const c = makeClient({ plan: 'free', startTime: START, speed: 4 });
    const made = await createMany(c, 10, 'happy');
    for (let i = 0; i < 40 && c.sim.sessions().some((s) => s.state !== 'COMPLETED'); i++) c.advance(HOUR / 4, 5);
    expect(c.sim.sessions().map((s) => s.state)).toEqual(Array(10).fill('COMPLETED'));
    const log = c.sim.log();
    expect(maxActive(log)).toBe(3);
    expect(slots(log).filter((e) => e.route === 'session.started').map((e) => e.sessionId)).toEqual(made.map((s) => s.id));
    expect(slots(log).filter((e) => e.route === 'session.ended')).toHaveLength(10);
  });

  it('sessions waiting for approval or feedback keep their slot', async () => {
    const c = makeClient({ plan: 'custom:1/10', startTime: START });
    const a = await c.create('Needs a plan check [sim:approval]', repoContext());
    const b = await c.create('Second [sim:happy]', repoContext());
    c.advance(HOUR);
    expect((await c.get(`/v1alpha/sessions/${a.id}`)).state).toBe('AWAITING_PLAN_APPROVAL');
    expect((await c.get(`/v1alpha/sessions/${b.id}`)).state).toBe('QUEUED');
    await c.post(`/v1alpha/sessions/${a.id}:approvePlan`);
    c.advance(2 * HOUR);
    expect((await c.get(`/v1alpha/sessions/${a.id}`)).state).toBe('COMPLETED');
    expect((await c.get(`/v1alpha/sessions/${b.id}`)).state).not.toBe('QUEUED');
  });

  it('a waiting session has no activity and an unchanged updateTime; deleting a working session frees its slot', async () => {
    const c = makeClient({ plan: 'custom:1/10', startTime: START });
    const a = await c.create('First [sim:stuck]', repoContext());
    const b = await c.create('Second [sim:stuck]', repoContext());
    c.advance(HOUR);
    const waiting = await c.get(`/v1alpha/sessions/${b.id}`);
    expect(waiting).toMatchObject({ state: 'QUEUED', updateTime: waiting.createTime });
    expect(await c.activities(b.id)).toHaveLength(1);
    expect((await c.call('DELETE', `/v1alpha/sessions/${a.id}`)).status).toBe(200);
    c.advance(MINUTE);
    expect((await c.get(`/v1alpha/sessions/${b.id}`)).state).not.toBe('QUEUED');
    const ev = slots(c.sim.log()).map((e) => `${e.route} ${e.sessionId === a.id ? 'a' : 'b'} ${e.active}/${e.queued}`);
    expect(ev).toEqual(['session.started a 1/0', 'session.queued b 1/1', 'session.ended a 0/1', 'session.started b 1/0']);
  });

  it('a message to a finished session makes it work again even with every slot taken, and the log shows it', async () => {
    const c = makeClient({ plan: 'custom:1/10', startTime: START });
    const a = await c.create('First [sim:happy]', repoContext());
    c.advance(2 * HOUR);
    expect((await c.get(`/v1alpha/sessions/${a.id}`)).state).toBe('COMPLETED');
    await c.create('Second [sim:stuck]', repoContext());
    await c.post(`/v1alpha/sessions/${a.id}:sendMessage`, { prompt: 'One more thing' });
    expect((await c.get(`/v1alpha/sessions/${a.id}`)).state).toBe('IN_PROGRESS');
    const last = slots(c.sim.log()).at(-1)!;
    expect(last).toMatchObject({ route: 'session.started', sessionId: a.id, active: 2 });
  });

  it('the 16th create in 24 h gets 429 RESOURCE_EXHAUSTED with RetryInfo; the rolling window frees creates again', async () => {
    const c = makeClient({ plan: 'free', startTime: START });
    for (let i = 0; i < 15; i++) {
      await c.create(`Task ${i} [sim:happy]`);
      c.sim.clock.advance(MINUTE);
    }
    const refused = await c.call('POST', '/v1alpha/sessions', { prompt: 'One too many' });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(refused.body.error.message).toMatch(/free plan allows 15 sessions per 24 hours/);
    const info = refused.body.error.details.find((d: any) => d['@type'] === 'type.googleapis.com/google.rpc.RetryInfo');
    // The first create leaves the window 24 h after it was made: 15 minutes have gone by since.
    expect(info.retryDelay).toBe(`${24 * 3600 - 15 * 60}s`);
    expect(refused.headers.get('retry-after')).toBe(String(24 * 3600 - 15 * 60));
    expect(c.sim.sessions()).toHaveLength(15);
    const entry = c.sim.log().filter((e) => e.route === 'sessions.create').at(-1)!;
    expect(entry).toMatchObject({ status: 429, reason: 'plan-daily-limit' });
    expect(entry.message).toMatch(/15 sessions per 24 hours/);

    c.sim.clock.advance((24 * 3600 - 15 * 60 - 1) * 1000);
    expect((await c.call('POST', '/v1alpha/sessions', { prompt: 'Still too early' })).status).toBe(429);
    c.sim.clock.advance(1000);
    expect((await c.call('POST', '/v1alpha/sessions', { prompt: 'Now it fits' })).status).toBe(200);
    // Only the first create left the window; the second leaves a minute later.
    const again = await c.call('POST', '/v1alpha/sessions', { prompt: 'Not yet' });
    expect(again.status).toBe(429);
    expect(again.body.error.details[0].retryDelay).toBe('60s');
    expect(c.sim.plan()[0]).toMatchObject({ createdInWindow: 15 });
  });

  it('custom limits from an object or custom:C/D; queued creates count against the daily limit', async () => {
    for (const plan of [{ concurrent: 2, daily: 4 }, 'custom:2/4'] as const) {
      const c = makeClient({ plan, startTime: START });
      const made = await createMany(c, 4);
      c.advance(MINUTE);
      expect(c.sim.plan()[0]).toMatchObject({ plan: { name: 'custom', concurrent: 2, daily: 4 }, active: 2, queued: 2 });
      expect((await c.get(`/v1alpha/sessions/${made[2].id}`)).state).toBe('QUEUED');
      expect((await c.call('POST', '/v1alpha/sessions', { prompt: 'fifth' })).status).toBe(429);
    }
    expect(() => createJulesSimulator({ plan: 'gold' as 'free' })).toThrow(/plan must be free, pro, ultra/);
    expect(() => createJulesSimulator({ plan: { concurrent: -1, daily: 3 } })).toThrow(/plan must be/);
  });

  it('pro and ultra tiers resolve to their limits', () => {
    expect(createJulesSimulator({ plan: 'pro', manualClock: true }).plan()[0].plan).toEqual({ name: 'pro', concurrent: 15, daily: 100 });
    expect(createJulesSimulator({ plan: 'ultra', manualClock: true }).plan()[0].plan).toEqual({ name: 'ultra', concurrent: 60, daily: 300 });
  });

  it('the control API changes the plan at run time', async () => {
    const c = makeClient({ startTime: START });
    const ctl = async (path: string, body?: unknown) => {
      const res = await c.sim.app.request(`/_sim${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as any };
    };
    expect((await ctl('/plan')).body).toEqual([{ apiKey: null, plan: null, active: 0, queued: 0, createdInWindow: 0 }]);
    // Creates made before a plan count in its window: the account's day so far.
    await createMany(c, 2);
    const set = await ctl('/plan', { plan: 'custom:3/5' });
    expect(set.status).toBe(200);
    expect(set.body[0]).toMatchObject({ plan: { name: 'custom', concurrent: 3, daily: 5 }, active: 2, queued: 0, createdInWindow: 2 });
    expect(set.body[0].windowFreesAt).toBe('2026-03-03T08:00:00.000000Z');
    const more = await createMany(c, 3);
    expect((await c.get(`/v1alpha/sessions/${more[2].id}`)).state).toBe('QUEUED');
    expect((await c.call('POST', '/v1alpha/sessions', { prompt: 'sixth' })).status).toBe(429);
    // A bigger plan starts the waiting session at once and makes room for more creates.
    expect((await ctl('/plan', { plan: 'pro' })).body[0]).toMatchObject({ active: 5, queued: 0 });
    expect((await c.call('POST', '/v1alpha/sessions', { prompt: 'sixth' })).status).toBe(200);
    // null = no limits again.
    expect((await ctl('/plan', { plan: null })).body[0].plan).toBeNull();
    await createMany(c, 20);
    expect(c.sim.plan()[0]).toMatchObject({ plan: null, queued: 0, active: 26 });

    for (const [body, field] of [[{}, 'plan'], [{ plan: 'gold' }, 'plan'], [{ plan: { concurrent: 1 } }, 'plan'], [{ plan: 'free', apiKey: 7 }, 'apiKey'], [{ plan: 'free', extra: 1 }, 'extra'], [{ plan: 'free', apiKey: KEY }, 'apiKey']] as const) {
      const r = await ctl('/plan', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.details[0].fieldViolations[0].field).toBe(field);
    }
  });

  it('with a world per key, each key has its own plan and window', async () => {
    const sim = createJulesSimulator({ manualClock: true, startTime: START, apiKeys: ['a', 'b'], worldPerKey: true, plan: 'custom:1/2' });
    const create = async (key: string) => (await sim.app.request('/v1alpha/sessions', {
      method: 'POST', headers: { 'x-goog-api-key': key }, body: JSON.stringify({ prompt: 'x [sim:stuck]' }),
    })).status;
    expect([await create('a'), await create('a'), await create('a')]).toEqual([200, 200, 429]);
    expect(await create('b')).toBe(200);
    sim.setPlan('free', 'b');
    expect(sim.plan().map((p) => [p.apiKey, p.plan?.name, p.active, p.queued])).toEqual([[null, 'custom', 0, 0], ['a', 'custom', 1, 1], ['b', 'free', 1, 0]]);
    expect(slots(sim.log()).filter((e) => e.apiKey === 'a').map((e) => e.route)).toEqual(['session.started', 'session.queued']);
    expect(() => sim.setPlan('free', 'c')).toThrow(/accepted key/);
  });

  it('no plan means no limits and no slot events (defaults unchanged)', async () => {
    const c = makeClient({ startTime: START });
    await createMany(c, 20);
    c.advance(MINUTE);
    expect(c.sim.sessions().filter((s) => s.state === 'QUEUED')).toHaveLength(0);
    expect(slots(c.sim.log())).toHaveLength(0);
    expect(c.sim.log().every((e) => e.reason === undefined)).toBe(true);
    expect(c.sim.plan()[0].plan).toBeNull();
  });
});

describe('parallel-create failure mode', () => {
  const parallel = async (seed: number) => {
    const c = makeClient({ seed, startTime: START, faults: { parallelCreates: { maxInFlight: 2, failRate: 0.8 } } });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => c.call('POST', '/v1alpha/sessions', { prompt: `Parallel ${i}`, ...repoContext() })));
    return { c, results };
  };

  it('10 parallel creates: some fail with 400 FAILED_PRECONDITION "Could not get source", the same ones for the same seed', async () => {
    const { c, results } = await parallel(1);
    const failed = results.filter((r) => r.status === 400);
    const ok = results.filter((r) => r.status === 200);
    expect(failed.length).toBeGreaterThan(0);
    expect(ok.length).toBeGreaterThan(0);
    expect(failed.length + ok.length).toBe(10);
    for (const r of failed) expect(r.body.error).toMatchObject({ code: 400, status: 'FAILED_PRECONDITION', message: 'Precondition check failed: Could not get source.' });
    // Failed creates made nothing; every 200 is a real session.
    expect(c.sim.sessions().map((s) => s.id).sort()).toEqual(ok.map((r) => r.body.id).sort());
    const refused = c.sim.log().filter((e) => e.reason === 'parallel-create');
    expect(refused).toHaveLength(failed.length);
    expect(refused.every((e) => e.status === 400 && /Could not get source/.test(e.message!))).toBe(true);

    const pattern = (rs: { status: number }[]) => rs.map((r) => r.status).join(',');
    expect(pattern((await parallel(1)).results)).toBe(pattern(results));
    const others = await Promise.all([2, 3, 4, 5].map(async (s) => pattern((await parallel(s)).results)));
    expect(others.some((p) => p !== pattern(results))).toBe(true);
  });

  it('creates one at a time never fail, and a retry after the burst succeeds', async () => {
    const { c, results } = await parallel(5);
    const failed = results.filter((r) => r.status === 400).length;
    for (let i = 0; i < failed; i++) expect((await c.call('POST', '/v1alpha/sessions', { prompt: `Retry ${i}`, ...repoContext() })).status).toBe(200);
    expect(c.sim.sessions()).toHaveLength(10);
  });

  it('over HTTP with create latency, parallel creates overlap and fail the same way', async () => {
    const c = makeClient({ seed: 5, startTime: START, faults: { parallelCreates: { maxInFlight: 3, failRate: 1, latencyMs: 50 } } });
    server = await c.sim.listen(0);
    const statuses = await Promise.all(Array.from({ length: 10 }, async (_, i) => (await fetch(`${server!.baseUrl}/sessions`, {
      method: 'POST', headers: { 'x-goog-api-key': KEY, 'content-type': 'application/json' }, body: JSON.stringify({ prompt: `HTTP ${i}` }),
    })).status));
    // With failRate 1 exactly the creates beyond the first three in flight fail.
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 400)).toHaveLength(7);
  });

  it('lost responses: the session exists although the create answered 504 (in process) or dropped the connection (HTTP)', async () => {
    const c = makeClient({ startTime: START, faults: { parallelCreates: { lostResponseRate: 1, lostOnlyUnderLoad: false } } });
    const r = await c.call('POST', '/v1alpha/sessions', { prompt: 'Lost one' });
    expect(r.status).toBe(504);
    expect(r.body.error.status).toBe('DEADLINE_EXCEEDED');
    const entry = c.sim.log().at(-1)!;
    expect(entry).toMatchObject({ route: 'sessions.create', status: 504, reason: 'response-lost' });
    expect(c.sim.sessions().map((s) => s.id)).toEqual([entry.sessionId]);
    expect(c.sim.sessions()[0].title).toMatch(/Lost one/);

    server = await c.sim.listen(0);
    await expect(fetch(`${server.baseUrl}/sessions`, {
      method: 'POST', headers: { 'x-goog-api-key': KEY, 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'Dropped' }),
    })).rejects.toThrow();
    const dropped = c.sim.log().at(-1)!;
    expect(dropped).toMatchObject({ status: 0, reason: 'response-lost' });
    expect(c.sim.sessions()).toHaveLength(2);
    // The default (lostOnlyUnderLoad) loses nothing when creates come one at a time.
    c.sim.setFaults({ parallelCreates: { lostResponseRate: 1 } });
    expect((await c.call('POST', '/v1alpha/sessions', { prompt: 'Fine' })).status).toBe(200);
  });

  it('rejects bad parallelCreates settings', () => {
    const c = makeClient();
    expect(() => c.sim.setFaults({ parallelCreates: { failRate: 2 } })).toThrow(/invalid fault config/);
    expect(() => c.sim.setFaults({ parallelCreates: { maxInFlight: -1 } })).toThrow(/invalid fault config/);
  });
});

describe('plan state across snapshots and the command line', () => {
  it('a snapshot keeps the plan, the queue and the create window', async () => {
    const c = makeClient({ plan: 'custom:1/3', startTime: START });
    const made = await createMany(c, 3);
    const snap = c.sim.snapshot();
    expect(snap.version).toBe(2);
    expect(snap.worlds[0].plan).toEqual({ name: 'custom', concurrent: 1, daily: 3 });
    expect(snap.worlds[0].createWindow).toHaveLength(3);
    const copy = JSON.parse(JSON.stringify(snap)) as SimSnapshot;
    const back = makeClient({ restore: copy, startTime: START });
    expect(back.sim.plan()[0]).toMatchObject({ plan: { name: 'custom', concurrent: 1, daily: 3 }, active: 1, queued: 2, createdInWindow: 3 });
    expect((await back.call('POST', '/v1alpha/sessions', { prompt: 'fourth' })).status).toBe(429);
    back.sim.setSessionState(made[0].id, 'COMPLETED');
    back.advance(MINUTE);
    expect((await back.get(`/v1alpha/sessions/${made[1].id}`)).state).not.toBe('QUEUED');
    expect((await back.get(`/v1alpha/sessions/${made[2].id}`)).state).toBe('QUEUED');
    // An explicit plan option wins over the saved one.
    expect(makeClient({ restore: copy, plan: 'pro', startTime: START }).sim.plan()[0]).toMatchObject({ plan: { name: 'pro' }, active: 3, queued: 0 });
  });

  it('a version 1 snapshot (no plan, no window) still loads', () => {
    const snap = makeClient({ startTime: START, sessions: 3 }).sim.snapshot() as any;
    snap.version = 1;
    for (const w of snap.worlds) {
      delete w.plan;
      delete w.createWindow;
    }
    const back = makeClient({ restore: snap });
    expect(back.sim.sessions()).toHaveLength(3);
    expect(back.sim.plan()[0]).toMatchObject({ plan: null, createdInWindow: 0 });
  });

  it('--plan sets the limits; a bad --plan exits with code 2 naming the flag', async () => {
    const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '0', '--plan', 'custom:5/40'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      const plan = (await (await fetch(`${new URL(line).origin}/_sim/plan`)).json()) as any;
      expect(plan[0].plan).toEqual({ name: 'custom', concurrent: 5, daily: 40 });
    } finally {
      child.kill('SIGTERM');
    }
    await once(child, 'exit');
    const bad = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '0', '--plan', 'gold'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    bad.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = await once(bad, 'exit');
    expect(code).toBe(2);
    expect(err).toMatch(/--plan: plan must be free, pro, ultra/);
  });
});
