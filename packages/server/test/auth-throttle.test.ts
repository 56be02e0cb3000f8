import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { ErrorBody } from '@autopilot/contracts';
import { createAuthThrottle } from '../src/platform/http/throttle';
import { ADMIN_KEY, type TestOrchestrator } from './harness';
import { capturedLogger, createStore, startOn, type Store } from './auth-engines';

/** A request as if it came from a socket at `address` (what @hono/node-server's getConnInfo reads). */
const from = (t: TestOrchestrator, address: string, key: string, headers: Record<string, string> = {}) =>
  Promise.resolve(t.orch.app.request('/api/me', { headers: { authorization: `Bearer ${key}`, ...headers } }, { incoming: { socket: { remoteAddress: address } } }));

const wrongKey = (_i: number) => `ap_0123456789ab_${randomBytes(32).toString('base64url')}`;

describe('failed authentication is throttled per client address and logged', () => {
  let store: Store;
  let t: TestOrchestrator;
  const logs = capturedLogger();
  beforeAll(async () => {
    store = await createStore('sqlite');
    t = await startOn({ ...store.env, AUTH_FAILURES_PER_MINUTE: '10' }, logs.log);
  });
  afterAll(async () => {
    await t?.close();
    await store?.cleanup();
  });

  it('answers 401 to ten wrong keys, 429 with Retry-After to the eleventh, and only that address is refused', async () => {
    const sent: string[] = [];
    for (let i = 0; i < 9; i++) {
      sent.push(wrongKey(i));
      expect((await from(t, '198.51.100.7', sent[i])).status).toBe(401);
    }
    // A right key is not penalised and does not use up the allowance.
    expect((await from(t, '198.51.100.7', ADMIN_KEY)).status).toBe(200);
    sent.push('not-even-a-key-shaped-string');
    expect((await from(t, '198.51.100.7', sent[9])).status).toBe(401);
    sent.push(wrongKey(10));
    const refused = await from(t, '198.51.100.7', sent[10]);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(ErrorBody.parse(await refused.json()).error.code).toBe('rate_limited');
    // While refused, even the right key is not checked: otherwise the 429 would tell a right guess from a wrong one.
    expect((await from(t, '198.51.100.7', ADMIN_KEY)).status).toBe(429);
    // Another address is unaffected: a wrong key is a 401, the right key works.
    expect((await from(t, '198.51.100.8', wrongKey(99))).status).toBe(401);
    expect((await from(t, '198.51.100.8', ADMIN_KEY)).status).toBe(200);

    const failures = logs.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'authentication failed' && l.address === '198.51.100.7');
    expect(failures).toHaveLength(11);
    expect(failures.every((f) => f.reason === 'unknown_key' && f.level === 40)).toBe(true);
    // The public id part of a minted-format key is logged; the key itself, or its secret, never.
    expect(failures[0].keyId).toBe('0123456789ab');
    expect(failures[9].keyId).toBeUndefined();
    const text = logs.text();
    for (const k of [...sent, ADMIN_KEY]) {
      expect(text).not.toContain(k);
      if (k.startsWith('ap_0123456789ab_')) expect(text).not.toContain(k.slice(16, 26));
    }
  });

  it('does not believe X-Forwarded-For unless TRUST_PROXY says a proxy is in front', async () => {
    for (let i = 0; i < 10; i++) expect((await from(t, '203.0.113.9', wrongKey(i), { 'x-forwarded-for': `10.0.0.${i}` })).status).toBe(401);
    expect((await from(t, '203.0.113.9', wrongKey(11), { 'x-forwarded-for': '10.0.0.200' })).status).toBe(429);
  });

  it('with TRUST_PROXY, counts the address the proxy added (the last X-Forwarded-For entry)', async () => {
    const s = await createStore('sqlite');
    const proxied = await startOn({ ...s.env, AUTH_FAILURES_PER_MINUTE: '10', TRUST_PROXY: 'true' });
    try {
      for (let i = 0; i < 11; i++) await from(proxied, '127.0.0.1', wrongKey(i), { 'x-forwarded-for': `6.6.6.6, 192.0.2.1` });
      expect((await from(proxied, '127.0.0.1', wrongKey(12), { 'x-forwarded-for': '6.6.6.6, 192.0.2.1' })).status).toBe(429);
      expect((await from(proxied, '127.0.0.1', wrongKey(13), { 'x-forwarded-for': '192.0.2.2' })).status).toBe(401);
    } finally {
      await proxied.close();
      await s.cleanup();
    }
  });
});

const redisUrl = process.env.TEST_REDIS_URL;
if (process.env.CI === 'true' && !redisUrl) throw new Error('CI=true requires TEST_REDIS_URL');
if (redisUrl) {
  describe('the auth throttle on Redis', () => {
    it('shares the count between instances (guesses cannot be spread over them)', async () => {
      const [a, b] = [new Redis(redisUrl), new Redis(redisUrl)];
      const keyPrefix = `autopilot-t-${randomBytes(5).toString('hex')}`;
      try {
        const one = createAuthThrottle({ failures: 10, windowSec: 60, redis: a, keyPrefix });
        const two = createAuthThrottle({ failures: 10, windowSec: 60, redis: b, keyPrefix });
        for (let i = 0; i < 5; i++) expect(await one.fail('192.0.2.50')).toBe(0);
        for (let i = 0; i < 5; i++) expect(await two.fail('192.0.2.50')).toBe(0);
        expect(await one.blockedFor('192.0.2.50')).toBe(0);
        expect(await two.fail('192.0.2.50')).toBeGreaterThan(0);
        expect(await one.blockedFor('192.0.2.50')).toBeGreaterThan(0);
        expect(await one.blockedFor('192.0.2.51')).toBe(0);
      } finally {
        a.disconnect();
        b.disconnect();
      }
    });
  });
}
