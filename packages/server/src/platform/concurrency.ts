import { setImmediate as immediate } from 'node:timers/promises';

/**
 * Returns a function to await inside long loops: it gives the event loop a turn once `everyMs` of work has gone
 * by. Needed because better-sqlite3 answers synchronously: a chain of awaited queries only ever yields to the
 * microtask queue, so a loop over 10,000 sessions would otherwise hold every HTTP request until it ends.
 */
export function eventLoopYielder(everyMs = 15): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < everyMs) return;
    await immediate();
    last = performance.now();
  };
}

/** Runs `fn` over `items` with at most `n` in flight, yielding to the event loop as it goes. */
export async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const yieldNow = eventLoopYielder();
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        await yieldNow();
        if (next >= items.length) break;
        await fn(items[next++]);
      }
    }),
  );
}
