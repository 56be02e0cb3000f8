/** Request accounting for /_sim/stats and /_sim/log. Bounded memory: the log is a ring buffer. */
export interface LogEntry {
  /** Real wall-clock ISO time the request arrived. */
  at: string;
  method: string;
  route: string;
  sessionId?: string;
  stateBefore?: string;
  archivedBefore?: boolean;
  status: number;
}

export interface RequestStats {
  total: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
}

export class Observer {
  private stats: RequestStats = { total: 0, byRoute: {}, byStatus: {} };
  private ring: (LogEntry | undefined)[];
  private next = 0;
  private count = 0;

  constructor(private readonly capacity = 50_000) {
    this.ring = new Array(capacity);
  }

  record(e: LogEntry): void {
    this.stats.total++;
    this.stats.byRoute[e.route] = (this.stats.byRoute[e.route] ?? 0) + 1;
    const st = String(e.status);
    this.stats.byStatus[st] = (this.stats.byStatus[st] ?? 0) + 1;
    this.ring[this.next] = e;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  requestStats(): RequestStats {
    return { total: this.stats.total, byRoute: { ...this.stats.byRoute }, byStatus: { ...this.stats.byStatus } };
  }

  resetStats(): void {
    this.stats = { total: 0, byRoute: {}, byStatus: {} };
  }

  /** Logged requests, oldest first; `since` (ISO, inclusive) and `limit` (newest N) narrow it. */
  entries(opts: { since?: string; limit?: number } = {}): LogEntry[] {
    const out: LogEntry[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      const e = this.ring[(start + i) % this.capacity]!;
      if (opts.since && e.at < opts.since) continue;
      out.push(e);
    }
    return opts.limit !== undefined && opts.limit < out.length ? out.slice(out.length - opts.limit) : out;
  }

  clear(): void {
    this.resetStats();
    this.ring = new Array(this.capacity);
    this.next = 0;
    this.count = 0;
  }
}
