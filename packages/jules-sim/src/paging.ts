import { invalidArgument } from './errors.ts';
import { parseRfc3339Micros } from './time.ts';

/** Page sizes: absent or 0 = default; negative or non-integer = 400; above the max coerced to the max. */
export function pageSize(raw: string | undefined, def: number, max = 100): number {
  if (raw === undefined || raw === '') return def;
  if (!/^-?\d+$/.test(raw.trim())) throw invalidArgument(`Invalid value at 'page_size' (TYPE_INT32), "${raw}"`, 'page_size');
  const n = Number(raw);
  if (n < 0) throw invalidArgument('page_size must not be negative.', 'page_size');
  if (n === 0) return def;
  return Math.min(n, max);
}

/**
 * Page tokens are opaque to clients: base64url JSON carrying the list kind, its filter and a cursor. A token
 * minted for another list or filter, or one that does not decode, is INVALID_ARGUMENT like the live API.
 */
export function encodeToken(payload: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

export function decodeToken<T extends Record<string, unknown>>(raw: string | undefined, kind: string, filter: string): T | undefined {
  if (raw === undefined || raw === '') return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalidArgument('Invalid page token.', 'page_token');
  }
  if (!doc || typeof doc !== 'object' || (doc as { k?: unknown }).k !== kind || (doc as { f?: unknown }).f !== filter) {
    throw invalidArgument('Invalid page token.', 'page_token');
  }
  return doc as T;
}

/** Sessions filter: '' (non-archived), `archived = true` or `archived = false`. Returns true for archived. */
export function parseSessionsFilter(raw: string | undefined): boolean {
  const f = (raw ?? '').trim();
  if (f === '') return false;
  const m = /^archived\s*=\s*(true|false)$/i.exec(f);
  if (!m) throw invalidArgument(`Invalid filter: ${f}`, 'filter');
  return m[1].toLowerCase() === 'true';
}

/** A half-open [lo, hi) bound in microseconds for activities' create_time. */
export interface TimeRange { lo: number; hi: number }

/**
 * Activities filter: `create_time>"<RFC3339>"` with >, >=, <, <=, optionally AND-joined.
 * Rounds sub-microsecond bounds in the direction that keeps the comparison exact.
 */
export function parseActivitiesFilter(raw: string | undefined): TimeRange {
  const range: TimeRange = { lo: -Infinity, hi: Infinity };
  const f = (raw ?? '').trim();
  if (f === '') return range;
  for (const part of f.split(/\s+AND\s+/i)) {
    const m = /^create_time\s*(>=|<=|>|<)\s*"?([^"]+)"?$/.exec(part.trim());
    const t = m ? parseRfc3339Micros(m[2]) : undefined;
    if (!m || t === undefined) throw invalidArgument(`Invalid filter: ${part.trim()}`, 'filter');
    const op = m[1];
    if (op === '>') range.lo = Math.max(range.lo, Math.floor(t) + 1);
    else if (op === '>=') range.lo = Math.max(range.lo, Math.ceil(t));
    else if (op === '<') range.hi = Math.min(range.hi, Math.ceil(t));
    else range.hi = Math.min(range.hi, Math.floor(t) + 1);
  }
  return range;
}

/** Sources filter: `name="sources/github/o/r"`, OR-joined. Returns undefined for no filter. */
export function parseSourcesFilter(raw: string | undefined): Set<string> | undefined {
  const f = (raw ?? '').trim();
  if (f === '') return undefined;
  const names = new Set<string>();
  for (const part of f.split(/\s+OR\s+/i)) {
    const m = /^name\s*=\s*"?([^"\s]+)"?$/.exec(part.trim());
    if (!m) throw invalidArgument(`Invalid filter: ${part.trim()}`, 'filter');
    names.add(m[1]);
  }
  return names;
}

/** First index in a sorted numeric key list whose key is >= t. */
export function lowerBound<T>(items: readonly T[], t: number, key: (x: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(items[mid]) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
