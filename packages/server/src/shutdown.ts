import type { Listening } from './platform/http/serve';
import type { Logger } from './platform/logger';
import type { Loop } from './platform/loops';

/** What a graceful stop stops, in this order. */
export interface ShutdownParts {
  timeoutMs: number;
  log: Logger;
  /** Ends event streams (first: they would hold the HTTP close). */
  endStreams(): void;
  stopSchedules(): void;
  server?: Listening;
  loops: () => readonly Loop[];
  closeRuntime(): Promise<void>;
  closeQueue(opts: { timeoutMs: number }): Promise<void>;
  /** Waits for LLM calls in flight until the deadline, then aborts what is left (releasing budget reservations). */
  drainLlm(deadlineMs: number): Promise<{ aborted: number }>;
  closePlatform(): Promise<void>;
}

/**
 * The orchestrator's graceful stop within `timeoutMs` (SHUTDOWN_TIMEOUT_MS): refuse new connections and end event
 * streams, let requests, loop ticks and jobs in flight finish (their LLM calls included); at the deadline abort what
 * is left, each aborted LLM call releasing its budget reservation, and only then close the bus and the database.
 * Idempotent: every call returns the same promise.
 */
export function gracefulClose(p: ShutdownParts): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () =>
    (closing ??= (async () => {
      const deadline = Date.now() + p.timeoutMs;
      p.endStreams();
      p.stopSchedules();
      const cutLlm = setTimeout(() => void p.drainLlm(deadline), p.timeoutMs);
      const [http] = await Promise.all([p.server?.close(deadline), ...p.loops().map((l) => l.stop())]);
      await p.closeRuntime();
      await p.closeQueue({ timeoutMs: Math.max(0, deadline - Date.now()) });
      clearTimeout(cutLlm);
      const drained = await p.drainLlm(deadline);
      p.log.info({ cutRequests: http?.cut ?? 0, abortedLlmCalls: drained.aborted }, 'stopped');
      await p.closePlatform();
    })());
}
