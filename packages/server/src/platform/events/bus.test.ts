import { describe, expect, it } from 'vitest';
import type { AppEvent } from '@autopilot/contracts';
import { createMemoryBus, type EventBus } from './bus';
import { createRedisBus } from './redis-bus';

if (process.env.CI === 'true' && !process.env.TEST_REDIS_URL) throw new Error('CI=true requires TEST_REDIS_URL');

const factories: Array<[string, () => Promise<EventBus>]> = [['memory', async () => createMemoryBus({ replay: 5 })]];
const redisUrl = process.env.TEST_REDIS_URL;
if (redisUrl) factories.push(['redis', () => createRedisBus({ url: redisUrl, channel: `test:${Math.random().toString(36).slice(2)}`, replay: 5 })]);

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

for (const [name, make] of factories) {
  describe(`event bus (${name})`, () => {
    it('delivers to every subscriber in id order, with increasing ids', async () => {
      const bus = await make();
      const a: AppEvent[] = [];
      const b: AppEvent[] = [];
      bus.subscribe((e) => a.push(e));
      bus.subscribe((e) => b.push(e));
      for (let i = 0; i < 3; i++) await bus.publish('session.created', 'w1', { i });
      await until(() => a.length === 3 && b.length === 3);
      expect(a.map((e) => e.data.i)).toEqual([0, 1, 2]);
      expect(b).toEqual(a);
      expect(BigInt(a[1].id)).toBeGreaterThan(BigInt(a[0].id));
      await bus.close();
    });

    it('replays what followed a Last-Event-ID, and says when it is too old', async () => {
      const bus = await make();
      const seen: AppEvent[] = [];
      bus.subscribe((e) => seen.push(e));
      for (let i = 0; i < 8; i++) await bus.publish('activity.added', 'w1', { i });
      await until(() => seen.length === 8);
      expect(bus.replaySince(seen[5].id)?.map((e) => e.data.i)).toEqual([6, 7]);
      expect(bus.replaySince(seen[0].id)).toBeNull(); // evicted from a buffer of 5
      expect(bus.replaySince('not-a-number')).toBeNull();
      await bus.close();
    });

    it('isolates a throwing subscriber', async () => {
      const bus = await make();
      const got: string[] = [];
      bus.subscribe(() => {
        throw new Error('boom');
      });
      bus.subscribe((e) => got.push(e.type));
      await bus.publish('keeper.action', null, {});
      await until(() => got.length === 1);
      expect(got).toEqual(['keeper.action']);
      await bus.close();
    });
  });
}

if (redisUrl) {
  describe('redis bus across instances', () => {
    it('numbers events from one counter and delivers them to every instance', async () => {
      const channel = `test:${Math.random().toString(36).slice(2)}`;
      const one = await createRedisBus({ url: redisUrl, channel });
      const two = await createRedisBus({ url: redisUrl, channel });
      const atTwo: AppEvent[] = [];
      two.subscribe((e) => atTwo.push(e));
      const e1 = await one.publish('session.created', 'w', { from: 'one' });
      const e2 = await two.publish('session.created', 'w', { from: 'two' });
      await until(() => atTwo.length === 2);
      expect(atTwo.map((e) => e.id)).toEqual([e1.id, e2.id]);
      expect(BigInt(e2.id)).toBe(BigInt(e1.id) + 1n);
      await one.close();
      await two.close();
    });
  });
}
