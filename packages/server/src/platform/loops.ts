import type { Logger } from './logger';

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
  opts: { workspaceId?: string } = {},
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
      st.lastRunAt = new Date().toISOString();
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
