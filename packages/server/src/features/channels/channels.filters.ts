import type { AppEvent, ChannelFilters } from '@autopilot/contracts';

/** What a channel gets when it names no filters: every notification. */
export const DEFAULT_FILTERS: ChannelFilters = { eventTypes: ['inbox.raised'] };

/** One pattern: an exact catalog type, `prefix.*` (the prefix and everything under it), or `*`. */
export function typeMatches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) {
    const prefix = pattern.slice(0, -2);
    return type === prefix || type.startsWith(`${prefix}.`);
  }
  return pattern === type;
}

const field = (data: unknown, key: string): unknown => (typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[key] : undefined);

/**
 * Whether an event goes to a channel with these filters: its type matches one pattern; when severities are set, an
 * event carrying `data.severity` must have one of them (events without one pass); when repos are set, the event must
 * name one of them in `data.repo` (events naming none are dropped).
 */
export function matches(filters: ChannelFilters, event: Pick<AppEvent, 'type' | 'data'>): boolean {
  if (!filters.eventTypes.some((p) => typeMatches(p, event.type))) return false;
  if (filters.severities?.length) {
    const sev = field(event.data, 'severity');
    if (typeof sev === 'string' && !filters.severities.includes(sev as never)) return false;
  }
  if (filters.repos?.length) {
    const repo = field(event.data, 'repo');
    if (typeof repo !== 'string' || !filters.repos.some((r) => r.toLowerCase() === repo.toLowerCase())) return false;
  }
  return true;
}
