import { describe, expect, it } from 'vitest';
import type { AppEvent, EventData } from '@autopilot/contracts';
import { createMemoryBus, InvalidEventError, type EventBus } from './bus';
import { createRedisBus } from './redis-bus';

if (process.env.CI === 'true' && !process.env.TEST_REDIS_URL) throw new Error('CI=true requires TEST_REDIS_URL');

const factories: Array<[string, () => Promise<EventBus>]> = [['memory', async () => createMemoryBus({ replay: 5 })]];
const redisUrl = process.env.TEST_REDIS_URL;
if (redisUrl) factories.push(['redis', () => createRedisBus({ url: redisUrl, channel: `test:${Math.random().toString(36).slice(2)}`, replay: 5 })]);

const created = (i: number): EventData<'session.created'> => ({ id: `s${i}`, julesId: `j${i}`, accountId: 'a1', state: 'QUEUED', title: `task ${i}` });
const activity = (i: number): EventData<'activity.added'> => ({ sessionId: 's1', julesId: 'j1', activityId: `act${i}`, kind: 'agentMessaged', originator: 'agent', createTime: '2026-11-23T10:00:00Z' });
const action: EventData<'keeper.action'> = { id: 'k1', sessionId: 's1', kind: 'nudge', trigger: 'quiet:1', status: 'sent', reason: 'no activity' };
const numberOf = (e: AppEvent) => (e.type === 'session.created' ? Number(e.data.id.slice(1)) : e.type === 'activity.added' ? Number(e.data.activityId.slice(3)) : NaN);

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
      for (let i = 0; i < 3; i++) await bus.publish('session.created', 'w1', created(i));
      await until(() => a.length === 3 && b.length === 3);
      expect(a.map(numberOf)).toEqual([0, 1, 2]);
      expect(a[0]).toMatchObject({ type: 'session.created', version: 1, workspaceId: 'w1', data: created(0) });
      expect(b).toEqual(a);
      expect(BigInt(a[1].id)).toBeGreaterThan(BigInt(a[0].id));
      await bus.close();
    });

    it('replays what followed a Last-Event-ID, and says when it is too old', async () => {
      const bus = await make();
      const seen: AppEvent[] = [];
      bus.subscribe((e) => seen.push(e));
      for (let i = 0; i < 8; i++) await bus.publish('activity.added', 'w1', activity(i));
      await until(() => seen.length === 8);
      expect((await bus.replaySince(seen[5].id))?.map(numberOf)).toEqual([6, 7]);
      expect(await bus.replaySince(seen[0].id)).toBeNull(); // evicted from a buffer of 5
      expect(await bus.replaySince('not-a-number')).toBeNull();
      await bus.close();
    });

    it('isolates a throwing subscriber', async () => {
      const bus = await make();
      const got: string[] = [];
      bus.subscribe(() => {
        throw new Error('boom');
      });
      bus.subscribe((e) => got.push(e.type));
      await bus.publish('keeper.action', null, action);
      await until(() => got.length === 1);
      expect(got).toEqual(['keeper.action']);
      await bus.close();
    });

    it('refuses, without publishing, a payload that is not its type\'s in the catalog', async () => {
      const bus = await make();
      const got: AppEvent[] = [];
      bus.subscribe((e) => got.push(e));
      const publishAny = bus.publish as (type: string, ws: string | null, data: unknown) => Promise<AppEvent>;
      // A wrong field type, a missing field, a field the catalog does not declare (it would leak out), an unknown type.
      await expect(publishAny('session.created', 'w1', { ...created(1), title: 7 })).rejects.toThrow(/title/);
      await expect(publishAny('keeper.action', 'w1', { ...action, status: undefined })).rejects.toThrow(/status/);
      await expect(publishAny('session.deleted', 'w1', { id: 's1', julesId: 'j1', apiKey: 'secret' })).rejects.toThrow(/apiKey: not in the catalog/);
      await expect(publishAny('session.exploded', 'w1', {})).rejects.toBeInstanceOf(InvalidEventError);
      // The wrong pair of type and payload: a breaker payload must say its own state.
      await expect(publishAny('breaker.closed', null, { breaker: 'jules', accountId: 'a', accountName: 'n', state: 'open' })).rejects.toThrow(/state/);
      await bus.publish('session.deleted', 'w1', { id: 's1', julesId: 'j1' });
      await until(() => got.length === 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(got.map((e) => e.type)).toEqual(['session.deleted']);
      await bus.close();
    });
  });
}

if (redisUrl) {
  describe('redis bus across instances', () => {
    it('orders events from every instance in one stream and delivers them to every instance alike', async () => {
      const channel = `test:${Math.random().toString(36).slice(2)}`;
      const one = await createRedisBus({ url: redisUrl, channel });
      const two = await createRedisBus({ url: redisUrl, channel });
      const atTwo: AppEvent[] = [];
      two.subscribe((e) => atTwo.push(e));
      const atOne: AppEvent[] = [];
      one.subscribe((e) => atOne.push(e));
      // Published concurrently from both instances: both see one and the same order.
      await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).publish('session.created', 'w', created(i))));
      await until(() => atTwo.length === 20 && atOne.length === 20);
      expect(atOne.map((e) => e.id)).toEqual(atTwo.map((e) => e.id));
      const ids = atOne.map((e) => BigInt(e.id));
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
      // A client resuming on the other instance gets exactly what followed its last id, from the shared stream.
      const third = await createRedisBus({ url: redisUrl, channel });
      expect((await third.replaySince(atOne[14].id))?.map((e) => e.id)).toEqual(atOne.slice(15).map((e) => e.id));
      await third.close();
      await one.close();
      await two.close();
    });
  });
}
