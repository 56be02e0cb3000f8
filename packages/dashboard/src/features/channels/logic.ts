import { EventTypes, NoticeSeverity, type Channel, type ChannelFilters, type CreateChannelBody } from '@autopilot/contracts';

/* Plain logic of the Channels pages (no React): catalog choices, form parsing, labels. */

export const KIND_LABEL: Record<Channel['kind'], string> = { slack: 'Slack', webhook: 'Webhook', email: 'E-mail' };
export const SEVERITIES = NoticeSeverity.options;

/** The catalog's event types, and a `prefix.*` for every prefix shared by two or more types, then `*`. */
export function eventTypeChoices(types: readonly string[] = EventTypes): { exact: string[]; prefixes: string[] } {
  const counts = new Map<string, number>();
  for (const t of types) {
    const head = t.split('.')[0]!;
    counts.set(head, (counts.get(head) ?? 0) + 1);
  }
  const prefixes = [...counts.entries()].filter(([, n]) => n > 1).map(([h]) => `${h}.*`);
  return { exact: [...types], prefixes: [...prefixes, '*'] };
}

/** Whether `pattern` (exact type, `prefix.*` or `*`) names something in the catalog. */
export function knownPattern(pattern: string, types: readonly string[] = EventTypes): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return types.some((t) => t.startsWith(pattern.slice(0, -1)));
  return types.includes(pattern);
}

/** Splits a comma / space / newline separated list, trimmed, without empties or duplicates. */
export function splitList(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean))];
}

const REPO = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What the add dialog holds while being filled in. */
export interface ChannelDraft {
  kind: Channel['kind'];
  name: string;
  url: string;
  secret: string;
  to: string;
  eventTypes: string[];
  severities: string[];
  repos: string;
}

export const EMPTY_DRAFT: ChannelDraft = { kind: 'slack', name: '', url: '', secret: '', to: '', eventTypes: ['inbox.raised'], severities: [], repos: '' };

/** The filters of a draft: event types (at least one), severities and repos only when narrowed. */
export function filtersOf(d: Pick<ChannelDraft, 'eventTypes' | 'severities' | 'repos'>): ChannelFilters {
  const f: ChannelFilters = { eventTypes: d.eventTypes.length ? d.eventTypes : ['inbox.raised'] };
  const sev = SEVERITIES.filter((s) => d.severities.includes(s));
  if (sev.length && sev.length < SEVERITIES.length) f.severities = sev;
  const repos = splitList(d.repos);
  if (repos.length) f.repos = repos;
  return f;
}

/**
 * The create body of a draft, or the problems by field name (the same names the server's 400 uses, without
 * `body.`), so the dialog shows them next to the inputs before sending.
 */
export function bodyOf(d: ChannelDraft): { body: CreateChannelBody } | { errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const name = d.name.trim();
  if (!name) errors.name = 'Give the channel a name';
  const filters = filtersOf(d);
  const badRepo = (filters.repos ?? []).find((r) => !REPO.test(r));
  if (badRepo) errors.filters = `"${badRepo}" is not owner/name`;
  const badType = filters.eventTypes.find((t) => !knownPattern(t));
  if (badType) errors.filters = `"${badType}" is not an event type of the catalog`;
  if (d.kind === 'email') {
    const to = splitList(d.to);
    if (!to.length) errors.to = 'At least one recipient';
    const bad = to.find((t) => !EMAIL.test(t));
    if (bad) errors.to = `"${bad}" is not an e-mail address`;
    if (Object.keys(errors).length) return { errors };
    return { body: { kind: 'email', name, to, filters } };
  }
  const url = d.url.trim();
  if (!/^https?:\/\/\S+$/.test(url)) errors.url = 'An http(s) URL';
  const secret = d.secret.trim();
  if (d.kind === 'webhook' && secret && !/^whsec_[A-Za-z0-9+/=]{18,250}$/.test(secret)) errors.secret = '`whsec_` then base64, or leave empty to generate one';
  if (Object.keys(errors).length) return { errors };
  if (d.kind === 'slack') return { body: { kind: 'slack', name, url, filters } };
  return { body: { kind: 'webhook', name, url, ...(secret ? { secret } : {}), filters } };
}

/** A short description of a channel's filters: "inbox.raised · warning, critical · 2 repos". */
export function filtersSummary(f: ChannelFilters): string {
  const parts = [f.eventTypes.join(', ')];
  parts.push(f.severities?.length ? f.severities.join(', ') : 'every severity');
  if (f.repos?.length) parts.push(f.repos.length === 1 ? f.repos[0]! : `${f.repos.length} repos`);
  return parts.join(' · ');
}

export type Tone = 'ok' | 'warn' | 'bad' | 'muted' | 'info';

/** Whether it sends: enabled, disabled by a person, or disabled after failures (with the reason). */
export function channelState(c: Pick<Channel, 'enabled' | 'disabledReason' | 'consecutiveFailures'>): { label: string; tone: Tone; reason: string | null } {
  if (c.enabled) return c.consecutiveFailures > 0 ? { label: `failing (${c.consecutiveFailures})`, tone: 'warn', reason: null } : { label: 'enabled', tone: 'ok', reason: null };
  return c.disabledReason ? { label: 'disabled', tone: 'bad', reason: c.disabledReason } : { label: 'disabled', tone: 'muted', reason: null };
}

export const DELIVERY_TONE: Record<'pending' | 'delivered' | 'failed' | 'cancelled', Tone> = { pending: 'warn', delivered: 'ok', failed: 'bad', cancelled: 'muted' };

/** "HTTP 503 in 120 ms", "timed out after 10,000 ms: …", for an attempt or a test answer. */
export function attemptSummary(a: { ok: boolean; statusCode: number | null; durationMs: number; error: string | null }): string {
  const status = a.statusCode !== null ? `HTTP ${a.statusCode}` : 'no answer';
  const base = `${a.ok ? 'OK' : 'Failed'}: ${status} in ${a.durationMs.toLocaleString('en-US')} ms`;
  return a.error ? `${base} (${a.error})` : base;
}
