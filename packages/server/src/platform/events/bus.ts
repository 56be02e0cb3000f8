import { EventCatalog, isEventType, type AppEvent, type EventData, type EventOf, type EventType } from '@autopilot/contracts';
import type { Logger } from '../logger';

/**
 * The typed event bus. Publishing assigns a monotonic id; every subscriber in every instance sees every event in
 * id order. A bounded replay buffer lets SSE clients resume from Last-Event-ID after a reconnect.
 */
export interface EventBus {
  readonly kind: 'memory' | 'redis';
  /**
   * Publishes one event of the catalog (contracts/events.ts). `data` must be that type's payload: checked at compile
   * time, and at run time (an invalid payload is logged and rejected with InvalidEventError, never published).
   */
  publish<T extends EventType>(type: T, workspaceId: string | null, data: EventData<T>): Promise<EventOf<T>>;
  subscribe(handler: (event: AppEvent) => void): () => void;
  /** Events after `lastId` still held, or null when some were already dropped (the client must refetch). */
  replaySince(lastId: string): Promise<AppEvent[] | null>;
  close(): Promise<void>;
}

/** A publish whose payload is not the one its type declares in the catalog (a bug in the publisher). */
export class InvalidEventError extends Error {
  constructor(readonly eventType: string, readonly problems: string[]) {
    super(`invalid ${eventType} event: ${problems.join('; ')}`);
    this.name = 'InvalidEventError';
  }
}

const plain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fields of `input` the schema dropped from `output`: fields the catalog does not declare (they would leak out). */
function undeclared(input: unknown, output: unknown, at: string, out: string[]): void {
  if (Array.isArray(input) && Array.isArray(output)) input.forEach((v, i) => undeclared(v, output[i], `${at}[${i}]`, out));
  else if (plain(input) && plain(output)) {
    for (const [k, v] of Object.entries(input)) {
      if (!(k in output)) {
        if (v !== undefined) out.push(`${at}${k}: not in the catalog`);
      } else undeclared(v, output[k], `${at}${k}.`, out);
    }
  }
}

/**
 * What is wrong with publishing `data` as `type` (empty when nothing): an unknown type, a payload that does not match
 * the type's schema, or fields the schema does not declare. A few microseconds per event (once per publish, not per
 * subscriber), so it always runs.
 */
export function eventProblems(type: string, data: unknown): string[] {
  if (!isEventType(type)) return [`unknown event type ${JSON.stringify(type)}`];
  const r = EventCatalog[type].data.safeParse(data);
  if (!r.success) return r.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`);
  const out: string[] = [];
  undeclared(data, r.data, '', out);
  return out;
}

/** Builds the envelope of a publish after checking its payload; throws InvalidEventError (and logs) when invalid. */
export function envelope<T extends EventType>(type: T, workspaceId: string | null, data: EventData<T>, at: string, log?: Logger): Omit<EventOf<T>, 'id'> {
  const problems = eventProblems(type, data);
  if (problems.length) {
    log?.error({ eventType: type, problems }, 'refused to publish an event that does not match the catalog');
    throw new InvalidEventError(type, problems);
  }
  return { type, version: EventCatalog[type].version, workspaceId, at, data } as unknown as Omit<EventOf<T>, 'id'>;
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
      const body = envelope(type, workspaceId, data, new Date(now()).toISOString(), opts.log);
      seq += 1n;
      const e = { id: seq.toString(), ...body } as EventOf<typeof type>;
      buffer.push(e);
      subs.emit(e);
      return e;
    },
    subscribe: (h) => subs.add(h),
    replaySince: async (id) => buffer.since(id),
    async close() {},
  };
}
