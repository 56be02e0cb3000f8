import type { FaultConfig } from './faults.ts';
import { retryableError } from './faults.ts';
import type { SimError } from './errors.ts';

const MINUTE_MS = 60_000;

/**
 * Per-minute request quota per API key, like the live API's per-project quotas: a fixed window on the sim
 * clock's minute. Every API request of a key counts, refused ones included (a client hammering a 429 stays
 * limited). Memory is one entry per key seen.
 */
export class MinuteQuota {
  private readonly windows = new Map<string, { minute: number; used: number }>();

  /** Counts one request of `key` at `nowMs`; returns the 429 to answer when the key is over its quota. */
  hit(cfg: FaultConfig['minuteQuota'], key: string, nowMs: number): SimError | undefined {
    if (!cfg) return undefined;
    const minute = Math.floor(nowMs / MINUTE_MS);
    let w = this.windows.get(key);
    if (!w || w.minute !== minute) {
      w = { minute, used: 0 };
      this.windows.set(key, w);
    }
    w.used++;
    if (w.used <= cfg.requests) return undefined;
    const seconds = Math.max(1, Math.ceil(((minute + 1) * MINUTE_MS - nowMs) / 1000));
    return retryableError(
      'RESOURCE_EXHAUSTED',
      `Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' (${cfg.requests}) of the API key.`,
      { seconds, header: cfg.retryAfterHeader, info: cfg.retryInfo },
    );
  }

  clear(): void {
    this.windows.clear();
  }
}
