import type { AppEvent, EventType } from '@autopilot/contracts';
import type { Logger } from '../logger';

/**
 * The typed event bus. Publishing assigns a monotonic id; every subscriber in every instance sees every event in
 * id order. A bounded replay buffer lets SSE clients resume from Last-Event-ID after a reconnect.
 */
export interface EventBus {
  readonly kind: 'memory' | 'redis';
  publish(type: EventType, workspaceId: string | null, data: Record<string, unknown>): Promise<AppEvent>;
  subscribe(handler: (event: AppEvent) => void): () => void;
  /** Events after `lastId` still held, or null when some were already dropped (the client must refetch). */
  replaySince(lastId: string): Promise<AppEvent[] | null>;
  close(): Promise<void>;
}

/**
 * Ids are decimal strings of a counter seeded from the boot time in microseconds, so they keep growing across
 * restarts and a stale Last-Event-ID from an earlier process is recognised as "older than the buffer".
 */
export const initialSequence = (nowMs: number) => BigInt(nowMs) * 1000n;

/** A fixed-size ring of recent events, shared by both bus implementations. */
export class ReplayBuffer {
  private readonly items: AppEvent[] = [];
  constructor(private readonly capacity: number) {}

  push(e: AppEvent): void {
    this.items.push(e);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
  }

  since(lastId: string): AppEvent[] | null {
    let last: bigint;
    try {
      last = BigInt(lastId);
    } catch {
      return null;
    }
    const first = this.items[0];
    if (!first) return [];
    // A gap between lastId and the oldest buffered event means events were dropped: the client must refetch.
    if (BigInt(first.id) > last + 1n) return null;
    return this.items.filter((e) => BigInt(e.id) > last);
  }
}

/** Fan-out to local subscribers, isolating them from each other's exceptions. */
export class Subscribers {
  private readonly handlers = new Set<(e: AppEvent) => void>();
  constructor(private readonly log?: Logger) {}
  add(h: (e: AppEvent) => void): () => void {
    this.handlers.add(h);
    return () => this.handlers.delete(h);
  }
  emit(e: AppEvent): void {
    for (const h of this.handlers) {
      try {
        h(e);
      } catch (err) {
        this.log?.error({ err, eventType: e.type }, 'event subscriber threw');
      }
    }
  }
  get size(): number {
    return this.handlers.size;
  }
}

/** The single-process bus. */
export function createMemoryBus(opts: { replay?: number; log?: Logger; now?: () => number } = {}): EventBus {
  const now = opts.now ?? Date.now;
  let seq = initialSequence(now());
  const buffer = new ReplayBuffer(opts.replay ?? 5000);
  const subs = new Subscribers(opts.log);
  return {
    kind: 'memory',
    async publish(type, workspaceId, data) {
      seq += 1n;
      const e: AppEvent = { id: seq.toString(), type, workspaceId, at: new Date(now()).toISOString(), data };
      buffer.push(e);
      subs.emit(e);
      return e;
    },
    subscribe: (h) => subs.add(h),
    replaySince: async (id) => buffer.since(id),
    async close() {},
  };
}
