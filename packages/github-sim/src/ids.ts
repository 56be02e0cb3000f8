import { createHash } from 'node:crypto';

/** Deterministic SHAs, uuids and ids from the seed: the same seed and the same steps give the same values. */
export class Ids {
  private n = 0;
  private ids = 1000;
  constructor(private readonly seed: string) {}

  /** A 40-hex commit SHA. */
  sha(): string {
    return createHash('sha1').update(`${this.seed}:sha:${this.n++}`).digest('hex');
  }

  /** A v4-shaped uuid (X-GitHub-Delivery). */
  uuid(): string {
    const h = createHash('sha1').update(`${this.seed}:uuid:${this.n++}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** The counters (snapshot.ts): a world restored with them continues its ids and SHAs without collisions. */
  counters(): { n: number; ids: number } {
    return { n: this.n, ids: this.ids };
  }

  setCounters(c: { n: number; ids: number }): void {
    Object.assign(this, { n: c.n, ids: c.ids });
  }

  /** A numeric id, unique across every kind of record. */
  id(): number {
    return ++this.ids;
  }
}

/** GitHub's weak ETag over the exact body bytes. */
export function etagOf(body: string | Uint8Array): string {
  return `W/"${createHash('sha256').update(body).digest('hex').slice(0, 40)}"`;
}
