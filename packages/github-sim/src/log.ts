/** One API request as the simulator saw it (GET /_sim/log, sim.log()). */
export interface LogEntry {
  /** Sim time (ISO) the request arrived. */
  at: string;
  method: string;
  path: string;
  /** The route pattern, e.g. `GET /repos/:owner/:repo/pulls`. */
  route: string;
  status: number;
  /** A 304 answer to If-None-Match. */
  notModified: boolean;
  /** Whether it counted against the token's rate limit. */
  counted: boolean;
  /** Last 4 characters of the token (never the token). */
  token?: string;
  rateRemaining?: number;
}

/** A bounded request log (oldest dropped first). */
export class RequestLog {
  private items: LogEntry[] = [];
  constructor(private readonly capacity = 20_000) {}

  record(e: LogEntry): void {
    this.items.push(e);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
  }

  entries(o: { since?: string; route?: string } = {}): LogEntry[] {
    return this.items.filter((e) => (!o.since || e.at >= o.since) && (!o.route || e.route === o.route));
  }

  clear(): void {
    this.items = [];
  }
}
