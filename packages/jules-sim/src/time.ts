/**
 * Timestamps are kept as integer microseconds since the epoch: the live API answers with microsecond precision
 * and clients compare timestamps as strings, so every value must format to exactly six fractional digits.
 */

/** Formats epoch microseconds as RFC 3339 UTC with six fractional digits, e.g. `2025-10-03T05:43:42.801654Z`. */
export function formatMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const micro = us - ms * 1000;
  const iso = new Date(ms).toISOString(); // yyyy-mm-ddThh:mm:ss.mmmZ
  return `${iso.slice(0, 23)}${String(micro).padStart(3, '0')}Z`;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC 3339 timestamp to epoch microseconds, keeping up to nine fractional digits as a fraction of a
 * microsecond so filters can round in the right direction. Returns undefined when the text is not RFC 3339.
 */
export function parseRfc3339Micros(text: string): number | undefined {
  const m = RFC3339.exec(text.trim());
  if (!m) return undefined;
  const base = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(base)) return undefined;
  const frac = (m[2] ?? '').padEnd(9, '0');
  const nanos = Number(frac);
  return base * 1000 + nanos / 1000;
}

/** Epoch milliseconds to microseconds. */
export const msToMicros = (ms: number): number => Math.round(ms * 1000);
