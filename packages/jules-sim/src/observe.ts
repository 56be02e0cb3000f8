/** Request accounting for /_sim/stats and /_sim/log. Bounded memory: the log is a ring buffer. */
export interface LogEntry {
  /** Real wall-clock ISO time the request arrived. */
  at: string;
  method: string;
  route: string;
  sessionId?: string;
  stateBefore?: string;
  archivedBefore?: boolean;
  /** HTTP status; 0 = no answer (a dropped connection, or a slot event rather than a request). */
  status: number;
  /**
   * Why a create was refused or went wrong: `plan-daily-limit` (429), `parallel-create` (400 "Could not get
   * source"), `response-lost` (created, but the answer was lost; `sessionId` is the created session).
   */
  reason?: string;
  /** The error message sent with a refusal that has a `reason`. */
  message?: string;
  /** Slot events (method `SIM`, only while the world has a plan): sim time of the event (ISO). */
  simTime?: string;
  /** Slot events: sessions holding a slot / waiting for one right after the event. */
  active?: number;
  queued?: number;
  /** Slot events: the session's state at the event. */
  state?: string;
  /** Slot events with `worldPerKey`: the API key whose world it is. */
  apiKey?: string;
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

  /** Adds an entry that is not a request (a slot event): logged, but not counted in the request stats. */
  note(e: LogEntry): void {
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
