import { Redis } from 'ioredis';
import { AppEvent, type EventOf } from '@autopilot/contracts';
import { Subscribers, envelope, type EventBus } from './bus';
import type { Logger } from '../logger';

/**
 * The multi-instance bus on a Redis Stream. XADD gives every event one position in one total order (no race
 * between numbering and delivery, as INCR + PUBLISH had), every instance reads the stream in that order, and a
 * client reconnecting to any instance resumes from the stream itself (XRANGE), not from what that instance
 * happened to see. The stream is capped (MAXLEN) like the in-memory replay buffer.
 *
 * Event ids are the stream ids as one decimal number (ms * 1e6 + sequence), so they stay comparable and
 * monotonic like the memory bus's.
 */
export async function createRedisBus(opts: { url: string; channel?: string; replay?: number; log?: Logger; now?: () => number }): Promise<EventBus> {
  const now = opts.now ?? Date.now;
  const key = `${opts.channel ?? 'autopilot:events'}:stream`;
  const cap = opts.replay ?? 5000;
  const writer = new Redis(opts.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const reader = new Redis(opts.url, { lazyConnect: true, maxRetriesPerRequest: null });
  await Promise.all([writer.connect(), reader.connect()]);
  const subs = new Subscribers(opts.log);

  const toEvent = (streamId: string, fields: string[]): AppEvent | null => {
    try {
      const raw = JSON.parse(fields[fields.indexOf('e') + 1]);
      return AppEvent.parse({ ...raw, id: toNumericId(streamId) });
    } catch (err) {
      opts.log?.warn({ err, streamId }, 'dropped malformed event from redis');
      return null;
    }
  };

  // Start after the newest entry present now: subscribers get what is published from here on.
  const last = (await writer.xrevrange(key, '+', '-', 'COUNT', 1))[0]?.[0];
  let cursor = last ?? '0-0';
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const res = (await reader.xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', key, cursor)) as Array<[string, Array<[string, string[]]>]> | null;
        for (const [, entries] of res ?? []) {
          for (const [id, fields] of entries) {
            cursor = id;
            const e = toEvent(id, fields);
            if (e) subs.emit(e);
          }
        }
      } catch (err) {
        if (!running) break;
        opts.log?.warn({ err }, 'reading the event stream failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  })();

  return {
    kind: 'redis',
    async publish(type, workspaceId, data) {
      const body = envelope(type, workspaceId, data, new Date(now()).toISOString(), opts.log);
      // Exact trimming (not ~), so the replay window is exactly `cap` events, as in memory.
      const streamId = await writer.xadd(key, 'MAXLEN', String(cap), '*', 'e', JSON.stringify(body));
      return { id: toNumericId(streamId!), ...body } as EventOf<typeof type>;
    },
    subscribe: (h) => subs.add(h),
    async replaySince(lastId: string) {
      const from = toStreamId(lastId);
      if (!from) return null;
      // Trimming removes the oldest entries: when `from` is older than the oldest one left, what followed it may be
      // gone, so the client must refetch (a false alarm only costs it one refetch).
      const oldest = (await writer.xrange(key, '-', '+', 'COUNT', 1))[0]?.[0];
      if (oldest && compareStreamIds(oldest, from) > 0) return null;
      const entries = await writer.xrange(key, `(${from}`, '+');
      return entries.map(([id, fields]) => toEvent(id, fields)).filter((e): e is AppEvent => e !== null);
    },
    async close() {
      running = false;
      reader.disconnect();
      await loop;
      await writer.quit().catch(() => writer.disconnect());
    },
  };
}

const SEQ = 1_000_000n;

/** "1700000000000-3" -> "1700000000000000003". */
export function toNumericId(streamId: string): string {
  const [ms, seq] = streamId.split('-');
  return (BigInt(ms) * SEQ + BigInt(seq ?? 0)).toString();
}

/** The inverse of toNumericId, or null for an id that is not one of ours. */
export function toStreamId(id: string): string | null {
  if (!/^\d{1,30}$/.test(id)) return null;
  const n = BigInt(id);
  return `${n / SEQ}-${n % SEQ}`;
}

function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am === bm ? (as === bs ? 0 : as > bs ? 1 : -1) : am > bm ? 1 : -1;
}
