/** A binary min-heap of scheduled agent events, ordered by time then insertion order (stable, deterministic). */
export interface ScheduledEvent {
  /** Sim time in epoch microseconds. */
  at: number;
  seq: number;
  sessionId: string;
  /** The session's agent generation when scheduled; a stale generation means the event was cancelled. */
  gen: number;
}

const before = (a: ScheduledEvent, b: ScheduledEvent): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** Min-heap with O(log n) push/pop; cancellation is lazy (generation check by the consumer). */
export class EventHeap {
  private items: ScheduledEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(at: number, sessionId: string, gen: number): void {
    const ev: ScheduledEvent = { at, seq: this.seq++, sessionId, gen };
    const a = this.items;
    a.push(ev);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  peek(): ScheduledEvent | undefined {
    return this.items[0];
  }

  pop(): ScheduledEvent | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l], a[m])) m = l;
        if (r < a.length && before(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.items = [];
  }

  /** Every scheduled event in firing order (for snapshots). */
  entries(): ScheduledEvent[] {
    return [...this.items].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  }
}
