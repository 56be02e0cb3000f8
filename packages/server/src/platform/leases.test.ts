import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, requirePostgresInCi, testEngines, type TestDb } from './db/testing';
import { createLease, createLeases, expireStaleLeases, STALE_LEASE_MS } from './db/leases';
import { leasedLoop } from './loops';
import { createLogger } from './logger';

requirePostgresInCi();

const log = createLogger({ level: 'silent' });
/** A clock tests move by hand: expiry is decided on it, never on waiting. */
const manualClock = (start = Date.UTC(2026, 11, 1, 12)) => {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};
const until = async (ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(ok()).toBe(true);
};

describe.each(testEngines())('leases and the leased loop (%s)', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(engine);
  });
  afterAll(async () => t?.cleanup());

  it('one holder at a time; a lost holder is taken over once its lease ran out on the injected clock', async () => {
    const clock = manualClock();
    const leases = createLeases(t.db);
    const a = createLease(leases, { name: 'test:takeover', holder: 'a', clock, ttlMs: 1_000 });
    const b = createLease(leases, { name: 'test:takeover', holder: 'b', clock, ttlMs: 1_000 });
    expect(await a.hold()).toBe(true);
    expect(await b.hold()).toBe(false);
    clock.advance(999);
    expect(await b.hold()).toBe(false);
    expect(await a.hold()).toBe(true); // renewed: another 1 s from now
    clock.advance(1_001);
    expect(await b.hold()).toBe(true);
    expect(await a.hold()).toBe(false);
  });

  it('runs the tick only on the holder, the other stands by, and a stop releases the lease for the other at once', async () => {
    const clock = manualClock();
    const leases = createLeases(t.db);
    const ran = { a: 0, b: 0, standbyB: 0 };
    const loopOf = (holder: 'a' | 'b') =>
      leasedLoop({
        name: `test-${holder}`,
        intervalMs: 5,
        lease: createLease(leases, { name: 'test:loop', holder, clock, ttlMs: 60_000 }),
        log,
        tick: async () => void ran[holder]++,
        standby: () => void (holder === 'b' && ran.standbyB++),
      });
    const a = loopOf('a');
    await a.start();
    await until(() => ran.a > 0);
    const b = loopOf('b');
    await b.start();
    await until(() => ran.standbyB > 1);
    expect(ran.b).toBe(0);
    await a.stop();
    expect(a.status().running).toBe(false);
    // The clock has not moved: b takes over because a gave the lease up, not because it expired.
    await until(() => ran.b > 0);
    await b.stop();
    expect(await leases.tryLease('test:loop', 'c', clock.now(), 1_000)).toBe(true);
  });

  it('renew in-tick: the loop leaves holding to the tick and still releases on stop', async () => {
    const clock = manualClock();
    const leases = createLeases(t.db);
    const lease = createLease(leases, { name: 'test:in-tick', holder: 'a', clock, ttlMs: 60_000 });
    let held = 0;
    const loop = leasedLoop({ name: 'test-in-tick', intervalMs: 5, lease, renew: 'in-tick', log, tick: async () => void ((await lease.hold()) && held++) });
    await loop.start();
    await until(() => held > 0);
    expect(await leases.tryLease('test:in-tick', 'b', clock.now(), 1_000)).toBe(false);
    await loop.stop();
    expect(await leases.tryLease('test:in-tick', 'b', clock.now(), 1_000)).toBe(true);
  });

  it('expiry drops only leases expired for longer than the stale age', async () => {
    const now = Date.UTC(2026, 11, 1, 12);
    await t.db.kysely.insertInto('leases').values([
      { name: 'test:gone', holder: 'x', expires_at: now - STALE_LEASE_MS - 1 },
      { name: 'test:recent', holder: 'y', expires_at: now - 1 },
      { name: 'test:live', holder: 'z', expires_at: now + 60_000 },
    ]).execute();
    expect(await expireStaleLeases(t.db, now)).toBeGreaterThanOrEqual(1);
    const names = (await t.db.kysely.selectFrom('leases').select('name').execute()).map((r) => r.name);
    expect(names).not.toContain('test:gone');
    expect(names).toEqual(expect.arrayContaining(['test:recent', 'test:live']));
  });
});
