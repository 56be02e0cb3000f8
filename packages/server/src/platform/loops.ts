import type { Logger } from './logger';
import type { Lease } from './db/leases';
import { iso, type Clock } from './clock';

/** Status of one background loop, shown by /api/health. */
export interface LoopStatus {
  name: string;
  running: boolean;
  lastRunAt: string | null;
  lastError: string | null;
  ticks: number;
  /** Set for a loop that serves one workspace: only that workspace's keys see it in /api/health. */
  workspaceId?: string;
}

/** A background loop with a BullMQ-Worker-like lifecycle. */
export interface Loop {
  readonly name: string;
  start(): Promise<void> | void;
  stop(): Promise<void>;
  status(): LoopStatus;
}

/**
 * Runs `tick` every `intervalMs` (next run scheduled after the previous finishes, so ticks never overlap) until
 * stopped. Errors are logged and recorded, never fatal.
 */
export function intervalLoop(
  name: string,
  intervalMs: number | (() => number),
  tick: (signal: AbortSignal) => Promise<void>,
  log: Logger,
  opts: { workspaceId?: string; /** Stamps `lastRunAt` (default: the wall clock). */ clock?: Pick<Clock, 'now'> } = {},
): Loop {
  const st: LoopStatus = { name, running: false, lastRunAt: null, lastError: null, ticks: 0, ...(opts.workspaceId ? { workspaceId: opts.workspaceId } : {}) };
  let timer: NodeJS.Timeout | undefined;
  let ac = new AbortController();
  let current: Promise<void> | undefined;
  const every = () => (typeof intervalMs === 'function' ? intervalMs() : intervalMs);
  const run = async () => {
    if (!st.running) return;
    try {
      await tick(ac.signal);
      st.lastError = null;
    } catch (err) {
      st.lastError = err instanceof Error ? err.message : String(err);
      log.warn({ err, loop: name }, 'loop tick failed');
    } finally {
      st.ticks++;
      st.lastRunAt = iso(opts.clock ?? Date.now());
    }
    if (st.running) timer = setTimeout(() => (current = run()), every());
  };
  return {
    name,
    start() {
      if (st.running) return;
      st.running = true;
      ac = new AbortController();
      current = run();
    },
    async stop() {
      st.running = false;
      clearTimeout(timer);
      ac.abort();
      await current;
    },
    status: () => ({ ...st }),
  };
}

/** A loop that holds a lease: the status of {@link Loop}, plus the lease it renews and releases on stop. */
export interface LeasedLoop extends Loop {
  readonly lease: Lease;
}

export interface LeasedLoopOptions {
  name: string;
  intervalMs: number | (() => number);
  lease: Lease;
  log: Logger;
  workspaceId?: string;
  /** Stamps the status's `lastRunAt` (the lease itself runs on the clock it was created with). */
  clock?: Pick<Clock, 'now'>;
  /**
   * `before-tick` (default): each tick first renews the lease and runs `tick` only while this instance holds it,
   * else `standby`. `in-tick`: `tick` renews it itself (`lease.hold()`), e.g. because it is also called outside
   * the loop; the loop only releases it.
   */
  renew?: 'before-tick' | 'in-tick';
  tick(signal: AbortSignal): Promise<void>;
  /** Called on a tick when another instance holds the lease. */
  standby?(): void;
}

/**
 * How several instances agree that exactly one runs a loop: an {@link intervalLoop} whose ticks run under a lease
 * (platform/db/leases.ts) that is renewed every tick and given up on stop, so another instance takes over at once
 * instead of waiting for it to expire.
 */
export function leasedLoop(o: LeasedLoopOptions): LeasedLoop {
  const tick =
    o.renew === 'in-tick'
      ? o.tick
      : async (signal: AbortSignal) => {
          if (await o.lease.hold()) await o.tick(signal);
          else o.standby?.();
        };
  const loop = intervalLoop(o.name, o.intervalMs, tick, o.log, { ...(o.workspaceId ? { workspaceId: o.workspaceId } : {}), clock: o.clock });
  return {
    name: loop.name,
    lease: o.lease,
    start: () => loop.start(),
    status: () => loop.status(),
    async stop() {
      await loop.stop();
      await o.lease.release();
    },
  };
}
