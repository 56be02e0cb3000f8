/**
 * The last answer GitHub gave for each URL with its ETag, so a GET can be sent conditionally (If-None-Match) and a
 * 304 (which GitHub does not count against the rate limit) answered from here. A bounded LRU: a Map keeps insertion
 * order, so re-inserting on every hit keeps the oldest entry first, and the oldest is dropped past `capacity`.
 */
export interface CachedAnswer<T> {
  etag: string;
  value: T;
}

export class EtagCache<T> {
  private readonly items = new Map<string, CachedAnswer<T>>();
  hits = 0;

  constructor(readonly capacity = 5000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('EtagCache capacity must be a positive integer');
  }

  get size(): number {
    return this.items.size;
  }

  get(key: string): CachedAnswer<T> | undefined {
    const hit = this.items.get(key);
    if (!hit) return undefined;
    this.items.delete(key);
    this.items.set(key, hit);
    return hit;
  }

  set(key: string, etag: string, value: T): void {
    this.items.delete(key);
    this.items.set(key, { etag, value });
    while (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value as string);
  }

  delete(key: string): void {
    this.items.delete(key);
  }
}
