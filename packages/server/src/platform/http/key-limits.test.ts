import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import type { Actor } from '../actor';
import { createKeyLimits, type KeyActorLimits } from './key-limits';
import type { AppEnv, AuthContext } from './types';

/* The key-limits middleware alone (memory limiters, a settable clock for the UTC day): the day boundary, who is limited. */

const authFor = (actor: Actor): AuthContext => ({
  workspaceId: 'w',
  workspaceName: 'w',
  keyId: actor.kind === 'key' ? actor.id : '',
  keyName: actor.name,
  keyPrefix: '',
  keyPublicId: null,
  role: 'member',
  via: actor.kind === 'key' ? 'key' : 'session',
  actor,
  userId: actor.kind === 'person' ? actor.id : null,
  scopes: null,
});

function appWith(now: { ms: number }) {
  const limits = createKeyLimits({ keyPrefix: `t-${Math.random()}`, now: () => now.ms });
  const app = new Hono<AppEnv>();
  let actor: Actor = { kind: 'key', id: 'k1', name: 'k1' };
  app.use('*', async (c, next) => {
    c.set('auth', authFor(actor));
    const refused = await limits.middleware(c, next);
    if (refused instanceof Response) c.res = refused;
  });
  app.get('/x', (c) => c.json({ ok: true }));
  return { limits, get: () => app.request('/x'), as: (a: Actor) => (actor = a) };
}

const key = (id: string, l: KeyActorLimits): Actor => ({ kind: 'key', id, name: id, limits: l });

describe('key limits middleware', () => {
  it('counts the daily quota per UTC day: refused until midnight UTC, admitted again just after', async () => {
    const now = { ms: Date.UTC(2026, 11, 3, 23, 59, 58, 500) };
    const t = appWith(now);
    t.as(key('k-day', { requestsPerDay: 2 }));
    expect((await t.get()).status).toBe(200);
    expect((await t.get()).status).toBe(200);
    const refused = await t.get();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(refused.headers.get('ratelimit')).toBe('"day";r=0;t=2');
    expect(await t.limits.requestsToday('k-day', { ratePerMinute: null, requestsPerDay: 2 })).toBe(2);
    now.ms = Date.UTC(2026, 11, 4, 0, 0, 0, 500);
    const next = await t.get();
    expect(next.status).toBe(200);
    expect(next.headers.get('ratelimit')).toBe('"day";r=1;t=86400');
    expect(await t.limits.requestsToday('k-day', { ratePerMinute: null, requestsPerDay: 2 })).toBe(1);
  });

  it('reports the limit nearest to running out and lists both in the policy', async () => {
    const t = appWith({ ms: Date.UTC(2026, 11, 3, 12, 0, 0) });
    t.as(key('k-both', { ratePerMinute: 10, requestsPerDay: 3 }));
    const res = await t.get();
    expect(res.headers.get('ratelimit-policy')).toBe('"minute";q=10;w=60, "day";q=3;w=86400');
    expect(res.headers.get('ratelimit')).toBe('"day";r=2;t=43200');
  });

  it('leaves unlimited keys and people alone, still counting a key\'s requests', async () => {
    const t = appWith({ ms: Date.UTC(2026, 11, 3, 12, 0, 0) });
    t.as(key('k-free', { llmUsdPerMonth: 5 }));
    for (let i = 0; i < 3; i++) {
      const res = await t.get();
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit')).toBeNull();
    }
    expect(await t.limits.requestsToday('k-free', { ratePerMinute: null, requestsPerDay: null })).toBe(3);
    // A person is not a key: limits on the actor (never set for people by authOf) are not applied here.
    t.as({ kind: 'person', id: 'p1', name: 'p', limits: { requestsPerDay: 1 } });
    expect((await t.get()).status).toBe(200);
    expect((await t.get()).status).toBe(200);
  });
});
