import type { Logger } from '../../platform/logger';

/**
 * Coalesces a batch's progress: the first change publishes at once, changes during the following `windowMs` are
 * folded into one publish at its end, and so on while changes keep coming. `publish` reads the counts when it runs,
 * so the last publish of a burst always carries the final state, and a 500-item batch answering its intents one by
 * one sends a handful of events instead of 500.
 */
export function progressCoalescer(deps: { windowMs: number; log: Logger; send: (workspaceId: string, batchId: string) => Promise<void> }) {
  const slots = new Map<string, { dirty: boolean; timer?: ReturnType<typeof setTimeout> }>();
  let closed = false;

  function run(key: string, workspaceId: string, batchId: string) {
    const slot = slots.get(key);
    if (!slot) return;
    slot.dirty = false;
    deps
      .send(workspaceId, batchId)
      .catch((err: unknown) => deps.log.warn({ err, workspaceId, batchId }, 'batch progress not published'))
      .finally(() => {
        if (closed) return;
        slot.timer = setTimeout(() => {
          if (slot.dirty) run(key, workspaceId, batchId);
          else slots.delete(key);
        }, deps.windowMs);
        // Progress must never keep a process alive that is otherwise done.
        slot.timer.unref?.();
      });
  }

  return {
    /** Something of the batch changed. */
    touch(workspaceId: string, batchId: string) {
      if (closed) return;
      const key = `${workspaceId}\n${batchId}`;
      const slot = slots.get(key);
      if (slot) {
        slot.dirty = true;
        return;
      }
      slots.set(key, { dirty: false });
      run(key, workspaceId, batchId);
    },
    /** Batches with a publish pending or a window open (tests and health). */
    pending: () => slots.size,
    close() {
      closed = true;
      for (const s of slots.values()) clearTimeout(s.timer);
      slots.clear();
    },
  };
}
