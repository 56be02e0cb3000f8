import { TIME_ZONES, type CreateScheduleBody, type MissedRunPolicy, type Schedule, type ScheduleTarget, type UpdateScheduleBody } from '@autopilot/contracts';

/* The schedule form (inputs as typed), its checks before sending, and the bodies of create and update. */

export type Timing = 'cron' | 'interval';
export type IntervalUnit = 'minutes' | 'hours' | 'days';
const UNIT_SECONDS: Record<IntervalUnit, number> = { minutes: 60, hours: 3600, days: 86_400 };

export interface ScheduleForm {
  name: string;
  timing: Timing;
  cron: string;
  interval: string;
  unit: IntervalUnit;
  timezone: string;
  missedRunPolicy: MissedRunPolicy;
  /** Create only: start paused. */
  paused: boolean;
  kind: ScheduleTarget['kind'];
  templateId: string;
  /** Values of the template's variables, as typed (blanks left out: the template's defaults apply). */
  variables: Record<string, string>;
  /** Batch target: repositories, one per line. */
  sources: string;
}

/** The viewer's own zone when the runtime knows it, else UTC. */
export function localZone(): string {
  const z = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return TIME_ZONES.includes(z) ? z : 'UTC';
}

export const emptyScheduleForm = (timezone = 'UTC'): ScheduleForm => ({
  name: '',
  timing: 'cron',
  cron: '0 7 * * 1',
  interval: '1',
  unit: 'hours',
  timezone,
  missedRunPolicy: 'skip',
  paused: false,
  kind: 'template',
  templateId: '',
  variables: {},
  sources: '',
});

/** An interval in the largest unit that divides it. */
function intervalParts(seconds: number): { interval: string; unit: IntervalUnit } {
  if (seconds % 86_400 === 0) return { interval: String(seconds / 86_400), unit: 'days' };
  if (seconds % 3600 === 0) return { interval: String(seconds / 3600), unit: 'hours' };
  return { interval: String(Math.round(seconds / 60)), unit: 'minutes' };
}

export function formOfSchedule(s: Schedule): ScheduleForm {
  return {
    ...emptyScheduleForm(s.timezone),
    name: s.name,
    timing: s.cron !== null ? 'cron' : 'interval',
    cron: s.cron ?? '',
    ...(s.intervalSeconds !== null ? intervalParts(s.intervalSeconds) : {}),
    missedRunPolicy: s.missedRunPolicy,
    paused: !s.enabled,
    kind: s.target.kind,
    templateId: s.target.templateId,
    variables: { ...s.target.variables },
    sources: s.target.kind === 'batch' ? s.target.sources.map((x) => x.replace(/^sources\/github\//, '')).join('\n') : '',
  };
}

/** The zones matching what is typed: a zone starting with it, then one whose city does, then any containing it ("new york" finds America/New_York). */
export function matchZones(text: string, zones: readonly string[] = TIME_ZONES, limit = 8): string[] {
  const t = text.trim().toLowerCase().replace(/[\s_]+/g, '_');
  if (!t) return zones.slice(0, limit);
  const rank = (z: string) => {
    const l = z.toLowerCase();
    const city = l.slice(l.lastIndexOf('/') + 1);
    if (l === t) return 0;
    if (l.startsWith(t)) return 1;
    if (city.startsWith(t)) return 2;
    return l.includes(t) ? 3 : -1;
  };
  return zones
    .map((z, i) => ({ z, r: rank(z), i }))
    .filter((x) => x.r >= 0)
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .slice(0, limit)
    .map((x) => x.z);
}

/** "UTC+02:00"-style offset of `zone` at `at` (as the runtime's Intl knows it). */
export function zoneOffset(zone: string, at: Date = new Date()): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName');
  const v = (part?.value ?? 'GMT').replace('GMT', 'UTC');
  return v === 'UTC+00:00' ? 'UTC' : v;
}

export function intervalSeconds(f: Pick<ScheduleForm, 'interval' | 'unit'>): number | null {
  const n = Number(f.interval.trim());
  return f.interval.trim() !== '' && Number.isInteger(n) && n > 0 ? n * UNIT_SECONDS[f.unit] : null;
}

/** "every 2 hours" (the server says the same once saved; shown while typing an interval). */
export function intervalWords(seconds: number): string {
  const { interval, unit } = intervalParts(seconds);
  return interval === '1' ? `every ${unit.slice(0, -1)}` : `every ${interval} ${unit}`;
}

/** The next `count` fire times of a new interval schedule (counted from `now`, as the server counts a new one). */
export function intervalRuns(seconds: number, now: number, count = 5): Date[] {
  return Array.from({ length: count }, (_, i) => new Date(now + (i + 1) * seconds * 1000));
}

const splitSources = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

function targetOf(f: ScheduleForm): ScheduleTarget {
  const variables = Object.fromEntries(Object.entries(f.variables).filter(([, v]) => v.trim() !== ''));
  return f.kind === 'batch' ? { kind: 'batch', templateId: f.templateId, sources: splitSources(f.sources), variables } : { kind: 'template', templateId: f.templateId, variables };
}

/** What is wrong before sending, by field (the server checks the cron itself and names body.cron). */
export function checkSchedule(f: ScheduleForm): Record<string, string> {
  const e: Record<string, string> = {};
  if (!f.name.trim()) e.name = 'Give the schedule a name';
  if (f.timing === 'cron') {
    const fields = f.cron.trim().split(/\s+/).filter(Boolean).length;
    if (fields < 5 || fields > 6) e.cron = `A cron expression has 5 fields (minute hour day month weekday) or 6 (seconds first); this has ${fields}`;
  } else {
    const s = intervalSeconds(f);
    if (s === null) e.intervalSeconds = 'A whole number greater than 0';
    else if (s < 60) e.intervalSeconds = 'At least 1 minute';
    else if (s > 366 * 86_400) e.intervalSeconds = 'At most 366 days';
  }
  if (!TIME_ZONES.includes(f.timezone)) e.timezone = `${f.timezone || 'An empty zone'} is not a time zone: choose one from the list`;
  if (!f.templateId) e.templateId = 'Choose the template it launches';
  if (f.kind === 'batch' && splitSources(f.sources).length === 0) e.sources = 'List at least one repository (owner/repo)';
  return e;
}

export function createBody(f: ScheduleForm): CreateScheduleBody {
  const common = { name: f.name.trim(), timezone: f.timezone, enabled: !f.paused, missedRunPolicy: f.missedRunPolicy, target: targetOf(f) };
  return f.timing === 'cron' ? { ...common, cron: f.cron.trim() } : { ...common, intervalSeconds: intervalSeconds(f) ?? 0 };
}

/**
 * Only what changed: re-sending the same cron, interval or zone would count the next run from now (the server
 * treats any timing in the body as a change), so unchanged timing is left out.
 */
export function updateBody(f: ScheduleForm, saved: Schedule): UpdateScheduleBody {
  const was = formOfSchedule(saved);
  const out: Record<string, unknown> = {};
  if (f.name.trim() !== saved.name) out.name = f.name.trim();
  if (f.timezone !== saved.timezone) out.timezone = f.timezone;
  if (f.missedRunPolicy !== saved.missedRunPolicy) out.missedRunPolicy = f.missedRunPolicy;
  const target = targetOf(f);
  if (JSON.stringify(target) !== JSON.stringify(targetOf(was))) out.target = target;
  if (f.timing === 'cron' && (was.timing !== 'cron' || f.cron.trim() !== saved.cron)) out.cron = f.cron.trim();
  const secs = intervalSeconds(f);
  if (f.timing === 'interval' && secs !== saved.intervalSeconds) out.intervalSeconds = secs ?? 0;
  return out as UpdateScheduleBody;
}

/** A run link's target, if it is one the page may open: an in-app path or an http(s) URL (links are data, not trusted). */
export function safeHref(url: string): { internal: boolean; href: string } | null {
  if (/^\/(?!\/)/.test(url)) return { internal: true, href: url };
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? { internal: false, href: u.href } : null;
  } catch {
    return null;
  }
}
