import { createHash } from 'node:crypto';

/** A counting semaphore: `run` waits for a free slot, so at most `limit` calls run at once. */
export class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError('semaphore limit must be at least 1');
  }

  get inUse(): number {
    return this.active;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiters.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter (active stays the same) or free it.
      const next = this.waiters.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * Semaphores keyed by API key (hashed, so the map never holds a key in clear). Jules fails most of ~10 parallel
 * creates on one key without a 429, so every client using the same key in this process shares one limit.
 */
export class KeyedSemaphores {
  private readonly map = new Map<string, Semaphore>();
  constructor(private readonly limit = 3) {}

  for(apiKey: string): Semaphore {
    const id = createHash('sha256').update(apiKey).digest('hex');
    let s = this.map.get(id);
    if (!s) this.map.set(id, (s = new Semaphore(this.limit)));
    return s;
  }
}

/** The process-wide create limiter (default 3 concurrent creates per key). */
export const defaultCreateLimiter = new KeyedSemaphores(3);
