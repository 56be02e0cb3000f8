import { NoticeSeverity, NoticeSource, type BulkNoticeBody, type Notice, type NoticeQuery } from '@autopilot/contracts';

/* Plain logic of the notification center (bell, page, browser notifications), kept out of components so it is tested. */

export type Severity = Notice['severity'];

/** How each severity looks: an icon and a text label (colour is never the only signal) and its tone class. */
export const SEVERITY: Record<Severity, { icon: string; label: string; tone: 'info' | 'warn' | 'bad'; toast: 'info' | 'warning' | 'error' }> = {
  info: { icon: 'ℹ', label: 'Info', tone: 'info', toast: 'info' },
  warning: { icon: '⚠', label: 'Warning', tone: 'warn', toast: 'warning' },
  critical: { icon: '⛔', label: 'Critical', tone: 'bad', toast: 'error' },
};

export const SEVERITIES = NoticeSeverity.options;
export const SOURCES = NoticeSource.options;
export const VIEWS = ['inbox', 'unread', 'snoozed', 'dismissed', 'all'] as const;
export type View = (typeof VIEWS)[number];

export const STATUS_LABEL: Record<Notice['status'], string> = { unread: 'New', read: 'Read', snoozed: 'Snoozed', dismissed: 'Dismissed', resolved: 'Resolved' };

/** "×3" for a grouped repeat, nothing for a single occurrence. */
export function countLabel(count: number): string {
  return count > 1 ? `×${count > 999 ? '999+' : count}` : '';
}

export type SnoozeChoice = 'hour' | 'tomorrow' | 'week';
export const SNOOZE_LABEL: Record<SnoozeChoice, string> = { hour: 'For 1 hour', tomorrow: 'Until tomorrow 9:00', week: 'Until next week' };

/**
 * When a snooze ends, in the viewer's local time: in one hour; tomorrow at 9:00; or next Monday at 9:00 (at least
 * one day away, so "next week" on a Sunday means the Monday after tomorrow's).
 */
export function snoozeUntil(choice: SnoozeChoice, now: Date = new Date()): Date {
  if (choice === 'hour') return new Date(now.getTime() + 3_600_000);
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0, 0, 0);
  if (choice === 'tomorrow') return d;
  // Days from tomorrow to the next Monday (0 when tomorrow is a Monday).
  const toMonday = (8 - d.getDay()) % 7;
  d.setDate(d.getDate() + toMonday);
  return d;
}

/** A link from a notification, made safe: in-app paths stay in the app, http(s) URLs open outside, anything else is dropped. */
export function safeLink(href: string): { href: string; external: boolean } | null {
  if (href.startsWith('/') && !href.startsWith('//') && !href.startsWith('/\\')) return { href, external: false };
  try {
    const u = new URL(href);
    return u.protocol === 'https:' || u.protocol === 'http:' ? { href: u.toString(), external: true } : null;
  } catch {
    return null;
  }
}

/** The filters of the notifications page, as kept in its URL. */
export interface NoticeFilter {
  view: View;
  severity: '' | Severity;
  source: '' | Notice['source'];
  repo: string;
}

export const EMPTY_FILTER: NoticeFilter = { view: 'inbox', severity: '', source: '', repo: '' };
const REPO = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

/** Reads the filters from the query string; unknown or malformed values fall back to "any". */
export function filterFrom(q: URLSearchParams): NoticeFilter {
  const view = q.get('view') ?? '';
  const severity = q.get('severity') ?? '';
  const source = q.get('source') ?? '';
  const repo = (q.get('repo') ?? '').trim();
  return {
    view: (VIEWS as readonly string[]).includes(view) ? (view as View) : 'inbox',
    severity: (SEVERITIES as readonly string[]).includes(severity) ? (severity as Severity) : '',
    source: (SOURCES as readonly string[]).includes(source) ? (source as Notice['source']) : '',
    repo: REPO.test(repo) ? repo : '',
  };
}

/** The query string for the filters ("" when every filter is at its default). */
export function searchOf(f: NoticeFilter): string {
  const p = new URLSearchParams();
  if (f.view !== 'inbox') p.set('view', f.view);
  if (f.severity) p.set('severity', f.severity);
  if (f.source) p.set('source', f.source);
  if (f.repo) p.set('repo', f.repo);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The API query of the filters (only the set ones). */
export function queryOf(f: NoticeFilter): Partial<Omit<NoticeQuery, 'limit' | 'cursor'>> {
  const q: Partial<Omit<NoticeQuery, 'limit' | 'cursor'>> = { view: f.view };
  if (f.severity) q.severity = f.severity;
  if (f.source) q.source = f.source;
  if (f.repo) q.repo = f.repo;
  return q;
}

/** The bulk change for the selected ids, or for everything matching the filter when `ids` is 'all'. */
export function bulkBody(target: string[] | 'all', f: NoticeFilter, change: { read?: boolean; dismissed?: boolean }): BulkNoticeBody {
  return target === 'all' ? { filter: queryOf(f), ...change } : { ids: target.slice(0, 500), ...change };
}

/** A local calendar day, "2026-12-02". */
export function dayKey(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export interface DayCount {
  day: string;
  info: number;
  warning: number;
  critical: number;
}

/** Notifications per local day (by their latest occurrence) and severity, over the last `days` days including today. */
export function perDay(items: Pick<Notice, 'severity' | 'lastAt' | 'count'>[], now: Date = new Date(), days = 14): DayCount[] {
  const out: DayCount[] = [];
  const index = new Map<string, DayCount>();
  for (let i = days - 1; i >= 0; i--) {
    const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() - i);
    const row = { day: dayKey(d), info: 0, warning: 0, critical: 0 };
    out.push(row);
    index.set(row.day, row);
  }
  for (const n of items) {
    const t = Date.parse(n.lastAt);
    if (Number.isNaN(t)) continue;
    const row = index.get(dayKey(new Date(t)));
    if (row) row[n.severity] += 1;
  }
  return out;
}

/** Unread notifications per source, largest first (a second view of the same list). */
export function bySource(items: Pick<Notice, 'source'>[]): { source: string; n: number }[] {
  const m = new Map<string, number>();
  for (const i of items) m.set(i.source, (m.get(i.source) ?? 0) + 1);
  return [...m.entries()].map(([source, n]) => ({ source, n })).sort((a, b) => b.n - a.n || a.source.localeCompare(b.source));
}

/** Whether an `inbox.raised` event should become a system notification: opted in, allowed, the tab hidden, and loud enough. */
export function shouldNotify(severity: Severity, s: { enabled: boolean; permission: string; hidden: boolean }): boolean {
  return s.enabled && s.permission === 'granted' && s.hidden && (severity === 'warning' || severity === 'critical');
}

/** The bell's badge text: the count, capped. */
export function badgeText(unread: number): string {
  return unread > 99 ? '99+' : String(unread);
}
