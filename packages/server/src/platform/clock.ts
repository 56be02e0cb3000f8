/** Injected time, so loops, leases and timeouts are testable without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The wall clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        signal?.removeEventListener('abort', done);
        clearTimeout(t);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** An instant as an ISO 8601 string: epoch ms, or the clock's now. The one place the stored time format is chosen. */
export const iso = (at: number | Pick<Clock, 'now'>): string => new Date(typeof at === 'number' ? at : at.now()).toISOString();
