/** Per-token hourly budgets on the virtual clock, as GitHub's `core` resource counts them. */
export interface Bucket { limit: number; used: number; resetAt: number }

export class RateLimits {
  private buckets = new Map<string, Bucket>();
  constructor(public defaultLimit: number, private readonly now: () => number) {}

  /** The token's current window; a window starts on first use and lasts an hour of sim time. */
  bucket(token: string): Bucket {
    const now = this.now();
    let b = this.buckets.get(token);
    if (!b) this.buckets.set(token, (b = { limit: this.defaultLimit, used: 0, resetAt: now + 3_600_000 }));
    if (now >= b.resetAt) Object.assign(b, { used: 0, resetAt: now + 3_600_000 });
    return b;
  }

  /** Sets a token's (or every known token's and the default) limit and/or remaining count. */
  set(o: { token?: string; limit?: number; remaining?: number; resetInSeconds?: number }): Bucket[] {
    if (!o.token && o.limit !== undefined) this.defaultLimit = o.limit;
    const tokens = o.token ? [o.token] : [...this.buckets.keys()];
    return tokens.map((t) => {
      const b = this.bucket(t);
      if (o.limit !== undefined) b.limit = o.limit;
      if (o.remaining !== undefined) b.used = Math.max(0, b.limit - o.remaining);
      if (o.resetInSeconds !== undefined) b.resetAt = this.now() + o.resetInSeconds * 1000;
      return { ...b };
    });
  }

  headers(b: Bucket): Record<string, string> {
    return {
      'x-ratelimit-limit': String(b.limit), 'x-ratelimit-remaining': String(Math.max(0, b.limit - b.used)),
      'x-ratelimit-used': String(b.used), 'x-ratelimit-reset': String(Math.ceil(b.resetAt / 1000)), 'x-ratelimit-resource': 'core',
    };
  }

  clear(): void {
    this.buckets.clear();
  }
}
