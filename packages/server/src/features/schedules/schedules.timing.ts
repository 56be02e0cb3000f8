import { Cron } from 'croner';
import cronstrue from 'cronstrue';
import type { FieldIssue } from '@autopilot/contracts';

/** When a schedule fires: a cron expression read in an IANA zone, or a fixed interval counted from an anchor. */
export type TimingSpec = { cron: string; timezone: string } | { intervalSeconds: number; anchorAt: number };

/** The shortest gap a schedule may have between two runs: once a minute. */
export const MIN_GAP_MS = 60_000;

/** The canonical name of an IANA zone (`europe/berlin` -> `Europe/Berlin`), or null when the runtime does not know it. */
export function canonicalZone(zone: string): string | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

const cronOf = (pattern: string, timezone: string) => new Cron(pattern, { timezone, mode: '5-or-6-parts', paused: true });

/**
 * How far before a point the cron walk starts. croner 10 is right walking from one fire time to the next, but asked
 * from an arbitrary instant next to a DST change it can miss the shifted run of a skipped hour (asked at 03:20
 * CEST it no longer sees 02:30 -> 03:30) or answer a time already past (asked inside the repeated hour). Starting
 * from before any transition that could matter (they shift clocks by at most 2 hours) and walking fire time to
 * fire time gives one sequence for every question, so a tick, a preview and a restart all agree.
 */
const LOOKBACK_MS = 3 * 3600_000;

/** croner's next run after `q`, moving `q` back an hour at a time while croner answers a time not after it. */
function firstAfter(c: Cron, q: number): number | undefined {
  for (let back = 0; back <= 6; back++) {
    const from = q - back * 3600_000;
    const x = c.nextRun(new Date(from))?.getTime();
    if (x === undefined) return undefined;
    if (x > from) return x;
  }
  return undefined;
}

/** Fire times from `startMs - LOOKBACK_MS` on, strictly increasing (an answer that does not move forward is asked again from later). */
function* cronWalk(c: Cron, startMs: number): Generator<number> {
  let last = firstAfter(c, startMs - LOOKBACK_MS);
  for (let guard = 0; last !== undefined && guard < 1_000_000; guard++) {
    yield last;
    const prev: number = last;
    let x = c.nextRun(new Date(prev))?.getTime();
    for (const skip of [1000, 60_000, 3600_000, 2 * 3600_000]) {
      if (x === undefined || x > prev) break;
      x = c.nextRun(new Date(prev + skip))?.getTime();
    }
    last = x !== undefined && x > prev ? x : undefined;
  }
}

/**
 * What is wrong with a cron expression in a zone (an issue on `field`), or null: croner must parse it as 5 or 6
 * fields, it must fire at all, and never twice within a minute (a seconds field like `*\/10` would).
 */
export function cronIssue(pattern: string, timezone: string, field: string, fromMs: number): FieldIssue | null {
  let c: Cron;
  try {
    c = cronOf(pattern, timezone);
  } catch (err) {
    return { path: field, message: `not a cron expression: ${(err instanceof Error ? err.message : String(err)).replace(/^CronPattern: /, '')}` };
  }
  const runs: number[] = [];
  for (const t of cronWalk(c, fromMs)) {
    if (t > fromMs) runs.push(t);
    if (runs.length === 6) break;
  }
  if (runs.length === 0) return { path: field, message: 'never fires' };
  for (let i = 1; i < runs.length; i++) {
    if (runs[i]! - runs[i - 1]! < MIN_GAP_MS) return { path: field, message: 'fires more often than once a minute' };
  }
  return null;
}

/** Fire times in `[fromMs, toMs]` (fromMs included), at most `max` of them, and whether there were more. */
export function firesBetween(spec: TimingSpec, fromMs: number, toMs: number, max: number): { fires: number[]; more: boolean } {
  const fires: number[] = [];
  for (const t of walk(spec, fromMs)) {
    if (t < fromMs) continue;
    if (t > toMs) break;
    if (fires.length === max) return { fires, more: true };
    fires.push(t);
  }
  return { fires, more: false };
}

/** The fire times of a schedule from around `startMs` on (cron: from LOOKBACK_MS before; interval: from the anchor's step at or before). */
function* walk(spec: TimingSpec, startMs: number): Generator<number> {
  if ('cron' in spec) {
    yield* cronWalk(cronOf(spec.cron, spec.timezone), startMs);
    return;
  }
  const step = spec.intervalSeconds * 1000;
  let k = startMs <= spec.anchorAt ? 1 : Math.floor((startMs - spec.anchorAt) / step);
  for (;;) yield spec.anchorAt + k++ * step;
}

/** The first fire time strictly after `afterMs`, or null when there is none. */
export function nextFire(spec: TimingSpec, afterMs: number): number | null {
  for (const t of walk(spec, afterMs)) if (t > afterMs) return t;
  return null;
}

/** The next `count` fire times after `afterMs`. */
export function nextFires(spec: TimingSpec, afterMs: number, count: number): number[] {
  const out: number[] = [];
  for (const t of walk(spec, afterMs)) {
    if (t <= afterMs) continue;
    out.push(t);
    if (out.length === count) break;
  }
  return out;
}

const unit = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** An interval in words: "Every 15 minutes", "Every 1 hour 30 minutes", "Every 2 days". */
export function describeInterval(seconds: number): string {
  const parts: string[] = [];
  let s = seconds;
  for (const [size, name] of [[86_400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']] as const) {
    const n = Math.floor(s / size);
    if (n > 0) parts.push(unit(n, name));
    s -= n * size;
  }
  return `Every ${parts.join(' ')}`;
}

/** The schedule in words: cronstrue's reading of the cron (24-hour clock) with the zone, or the interval. */
export function describe(s: { cron: string | null; intervalSeconds: number | null; timezone: string }): string {
  if (s.cron === null) return describeInterval(s.intervalSeconds ?? 0);
  let words: string;
  try {
    words = cronstrue.toString(s.cron, { use24HourTimeFormat: true, throwExceptionOnParseError: true });
  } catch {
    words = `Cron ${s.cron}`;
  }
  return `${words} (${s.timezone})`;
}

/** An instant as ISO 8601 in a zone, with that zone's offset at the time: `2026-03-29T03:30:00+02:00`. */
export function localIso(ms: number, timezone: string): string {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const off = (p.timeZoneName ?? 'GMT').replace('GMT', '') || '+00:00';
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${off}`;
}
