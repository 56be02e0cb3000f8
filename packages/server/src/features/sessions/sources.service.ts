import type { JulesSource, JulesSourceList, ListSourcesQuery, SourcesAccountError } from '@autopilot/contracts';
import { normalizeSourceName } from '@autopilot/contracts';
import type { Clock } from '../../platform/clock';
import { notFound } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { JulesAccountsTable } from '../../platform/db/schema';
import { UpstreamAuth, UpstreamError, UpstreamRateLimited, type JulesClient } from '../../integrations/jules';

const fingerprintOf = (r: JulesAccountsTable) => `${r.base_url ?? ''}\n${r.api_key_sealed}\n${r.key_last4}`;
import type { Source as WireSource } from '../../integrations/jules/wire';
import type { AccountsService } from './accounts.service';

export interface SourcesDeps {
  accounts: AccountsService;
  clock: Clock;
  log: Logger;
  /** How long one account's listing is answered from memory (default 5 minutes). */
  ttlMs?: number;
  /** Pages of 100 fetched per account at most (default 50, i.e. 5,000 repositories). */
  maxPages?: number;
}

/** A source as cached: without its account's id and name (a rename must show at once). */
type Listed = Omit<JulesSource, 'accountId' | 'accountName'>;

interface Entry {
  /** The key (sealed) and URL the listing was fetched with: a rotated key or a moved URL needs a new listing. */
  fingerprint: string;
  at: number;
  items: Listed[];
}

const sortKey = (s: Listed) => `${s.owner}/${s.repo}`.toLowerCase();

function toSource(w: WireSource): Listed | null {
  const name = w.name ?? (w.id ? `sources/${w.id}` : undefined);
  const fromName = name ? /^sources\/github\/([^/]+)\/([^/]+)$/.exec(name) : null;
  const owner = w.githubRepo?.owner ?? fromName?.[1];
  const repo = w.githubRepo?.repo ?? fromName?.[2];
  if (!name || !owner || !repo) return null;
  const defaultBranch = w.githubRepo?.defaultBranch?.displayName ?? null;
  const listed = (w.githubRepo?.branches ?? []).map((b) => b.displayName).filter((b): b is string => !!b);
  const branches = defaultBranch ? [defaultBranch, ...listed.filter((b) => b !== defaultBranch)] : listed;
  return { name, owner, repo, defaultBranch, branches, isPrivate: w.githubRepo?.isPrivate ?? false };
}

/** Why an account's sources could not be listed, in the user's words (never the upstream's text). */
function plainError(err: unknown): string {
  if (err instanceof UpstreamAuth) return 'Jules refused this account\'s key: rotate it on the Jules accounts page';
  if (err instanceof UpstreamRateLimited) return `Jules is limiting requests from this account; try again in ${Math.ceil(err.retryAfterMs / 1000)} s`;
  if (err instanceof UpstreamError) return err.status === undefined ? 'Jules could not be reached' : `Jules answered HTTP ${err.status}`;
  return 'the sources could not be listed';
}

/**
 * The repositories Jules offers each account (`GET /v1alpha/sources`, every page), cached per account for
 * `ttlMs` so a picker that searches as the user types never reaches Jules per keystroke. Concurrent misses of one
 * account share one fetch. An account that fails is reported in `errors`; the others are still answered.
 */
export function createSourcesService(deps: SourcesDeps) {
  const ttlMs = deps.ttlMs ?? 5 * 60_000;
  const maxPages = deps.maxPages ?? 50;
  const cache = new Map<string, Entry>();
  const inflight = new Map<string, Promise<Entry>>();

  async function fetchAll(acc: JulesAccountsTable, client: JulesClient): Promise<Entry> {
    const items: Listed[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.listSources({ pageSize: 100, pageToken });
      for (const w of page.items) {
        const s = toSource(w);
        if (s) items.push(s);
      }
      pageToken = page.nextPageToken;
    } while (pageToken && ++pages < maxPages);
    if (pageToken) deps.log.warn({ julesAccount: acc.id, listed: items.length }, 'Jules lists more sources than are fetched; the rest are left out');
    items.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
    const entry = { fingerprint: fingerprintOf(acc), at: deps.clock.now(), items };
    cache.set(acc.id, entry);
    return entry;
  }

  async function forAccount(acc: JulesAccountsTable, refresh: boolean): Promise<Entry> {
    const client = deps.accounts.client(acc);
    if (!client) throw new Error('no key');
    const hit = cache.get(acc.id);
    if (!refresh && hit && hit.fingerprint === fingerprintOf(acc) && deps.clock.now() - hit.at < ttlMs) return hit;
    const running = inflight.get(acc.id);
    if (running) return running;
    const p = fetchAll(acc, client).finally(() => inflight.delete(acc.id));
    inflight.set(acc.id, p);
    return p;
  }

  /** Matches `q` against owner/repo: exact names first, then prefixes, then the rest, each alphabetical. */
  function filter(items: JulesSource[], q: string | undefined): JulesSource[] {
    const text = (q ?? '').trim().toLowerCase();
    if (!text) return items;
    const exact = normalizeSourceName(text);
    const needle = text.replace(/^sources\//, '').replace(/^github\//, '');
    const rank = (s: JulesSource) => {
      const full = `${s.owner}/${s.repo}`.toLowerCase();
      if (exact && s.name.toLowerCase() === exact) return 0;
      if (full.startsWith(needle) || s.repo.toLowerCase().startsWith(needle)) return 1;
      return full.includes(needle) ? 2 : -1;
    };
    return items.map((s) => ({ s, r: rank(s) })).filter((x) => x.r >= 0).sort((a, b) => a.r - b.r).map((x) => x.s);
  }

  async function list(workspaceId: string, q: Partial<ListSourcesQuery> & { accountId?: string }): Promise<JulesSourceList> {
    let rows = await deps.accounts.rows(workspaceId);
    if (q.accountId) {
      rows = rows.filter((r) => r.id === q.accountId);
      if (!rows.length) throw notFound('Jules account', q.accountId);
    }
    const errors: SourcesAccountError[] = [];
    const items: JulesSource[] = [];
    let oldest = null as number | null;
    await Promise.all(rows.map(async (acc) => {
      if (!deps.accounts.client(acc)) {
        errors.push({ accountId: acc.id, accountName: acc.name, message: 'The key of this account is not configured on this server (JULES_API_KEY is not set)' });
        return;
      }
      try {
        const e = await forAccount(acc, q.refresh === 'true');
        for (const s of e.items) items.push({ ...s, accountId: acc.id, accountName: acc.name });
        oldest = oldest === null ? e.at : Math.min(oldest, e.at);
      } catch (err) {
        deps.log.debug({ julesAccount: acc.id, err: (err as Error).message }, 'listing Jules sources failed');
        errors.push({ accountId: acc.id, accountName: acc.name, message: plainError(err) });
      }
    }));
    // Stable across accounts: by repository, then account name.
    items.sort((a, b) => sortKey(a).localeCompare(sortKey(b)) || a.accountName.localeCompare(b.accountName));
    errors.sort((a, b) => a.accountName.localeCompare(b.accountName));
    return { items: filter(items, q.q).slice(0, q.limit ?? 200), errors, fetchedAt: oldest === null ? null : new Date(oldest).toISOString() };
  }

  return {
    list,
    /** Forgets an account's listing (its key, URL or existence changed). */
    forget: (accountId: string) => void cache.delete(accountId),
  };
}
export type SourcesService = ReturnType<typeof createSourcesService>;
