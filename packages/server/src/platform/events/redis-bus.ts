import { Redis } from 'ioredis';
import { AppEvent, type EventType } from '@autopilot/contracts';
import { initialSequence, ReplayBuffer, Subscribers, type EventBus } from './bus';
import type { Logger } from '../logger';

/**
 * The multi-instance bus: ids come from one Redis counter (INCR) so every instance numbers events alike, and
 * events travel over Redis pub/sub. Each instance keeps its own replay buffer of what it received, so a client
 * may reconnect to any instance with its Last-Event-ID.
 */
export async function createRedisBus(opts: { url: string; channel?: string; replay?: number; log?: Logger; now?: () => number }): Promise<EventBus> {
  const now = opts.now ?? Date.now;
  const channel = opts.channel ?? 'autopilot:events';
  const seqKey = `${channel}:seq`;
  const pub = new Redis(opts.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const sub = new Redis(opts.url, { lazyConnect: true });
  await Promise.all([pub.connect(), sub.connect()]);
  // Seed the counter once from the clock so ids stay monotonic even if Redis lost the key.
  await pub.set(seqKey, initialSequence(now()).toString(), 'NX');
  const buffer = new ReplayBuffer(opts.replay ?? 5000);
  const subs = new Subscribers(opts.log);

  sub.on('message', (_ch: string, message: string) => {
    let e: AppEvent;
    try {
      e = AppEvent.parse(JSON.parse(message));
    } catch (err) {
      opts.log?.warn({ err }, 'dropped malformed event from redis');
      return;
    }
    buffer.push(e);
    subs.emit(e);
  });
  await sub.subscribe(channel);

  return {
    kind: 'redis',
    async publish(type: EventType, workspaceId: string | null, data: Record<string, unknown>) {
      const id = String(await pub.incr(seqKey));
      const e: AppEvent = { id, type, workspaceId, at: new Date(now()).toISOString(), data };
      await pub.publish(channel, JSON.stringify(e));
      return e;
    },
    subscribe: (h) => subs.add(h),
    replaySince: (id) => buffer.since(id),
    async close() {
      await sub.quit().catch(() => sub.disconnect());
      await pub.quit().catch(() => pub.disconnect());
    },
  };
}
