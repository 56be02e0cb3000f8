import { useEffect, useRef } from 'react';
import { useInfiniteQuery, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { ApiError, type ApiClient } from '@autopilot/client';
import { SessionSummary, type AppEvent } from '@autopilot/contracts';
import { useApi } from '../../lib/api';
import { useLiveEvent } from '../../lib/events';
import { keeperKeys } from '../keeper/data';
import { BOARD_KEY, applyToBoard, countsKey, itemsOf, listKey, removeFromBoard, type BoardQuery, type ListId, type Pages } from './board.cache';

export const sessionKey = (id: string) => ['session', id] as const;
export const activitiesKey = (id: string) => ['session', id, 'activities'] as const;

/** Rows per request: a column shows about ten cards, so one page fills it with room to scroll. */
export const PAGE_SIZE = 50;

/** The server's counts per column for the filter (kept current by live events, refetched after bursts). */
export function useBoardCounts(f: BoardQuery) {
  const api = useApi();
  return useQuery({ queryKey: countsKey(f), queryFn: ({ signal }) => api.sessions.counts(f, signal), staleTime: Infinity });
}

/**
 * One column (or 'all', the table) as pages loaded on demand: the first at once, the next when the list's end is
 * reached. Live events patch the loaded pages, so nothing is refetched as sessions move.
 */
export function useBoardList(f: BoardQuery, list: ListId) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: listKey(f, list),
    queryFn: ({ signal, pageParam }) => api.sessions.list({ ...f, column: list === 'all' ? undefined : list, limit: PAGE_SIZE, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    select: (d: Pages) => ({ items: itemsOf(d), more: !!d.pages.at(-1)?.nextCursor }),
    staleTime: Infinity,
  });
}

/** The keeper's stuck marks as the board's rule takes them (session id -> newest mark), if loaded. */
const marksOf = (qc: QueryClient) => qc.getQueryData<Map<string, string>>(keeperKeys.stuck);

const refetchCounts = (qc: QueryClient, filters: BoardQuery[]) => {
  for (const f of filters) void qc.invalidateQueries({ queryKey: countsKey(f), exact: true });
};

/** Inserts or replaces sessions in every cached board list (removing archived or deleted ones), counts included. */
export function upsertSessions(qc: QueryClient, sessions: readonly SessionSummary[]) {
  refetchCounts(qc, applyToBoard(qc, sessions, marksOf(qc)));
}

/** Inserts or replaces one session in the board's cache. */
export const upsertSession = (qc: QueryClient, s: SessionSummary) => upsertSessions(qc, [s]);

/** Sessions whose events arrive in a burst are refetched together; beyond this many, reloading the board is cheaper. */
const MAX_SINGLE_REFETCH = 50;

/** The summaries held in the cache for these ids (any list), to move a card before its refetch lands. */
function cachedSummaries(qc: QueryClient, states: Map<string, string>): SessionSummary[] {
  const out = new Map<string, SessionSummary>();
  for (const [, data] of qc.getQueriesData<Pages>({ queryKey: [...BOARD_KEY] })) {
    for (const s of data && 'pages' in data ? itemsOf(data) : []) {
      const state = states.get(s.id);
      if (state && !out.has(s.id)) out.set(s.id, s.state === state ? s : { ...s, state });
    }
  }
  return [...out.values()];
}

async function refetchSessions(api: ApiClient, qc: QueryClient, ids: string[]) {
  if (ids.length > MAX_SINGLE_REFETCH) return void qc.invalidateQueries({ queryKey: [...BOARD_KEY] });
  const fresh: SessionSummary[] = [];
  await Promise.all(
    ids.map(async (id) => {
      try {
        const detail = await api.sessions.get(id);
        qc.setQueryData(sessionKey(id), detail);
        fresh.push(SessionSummary.parse(detail));
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) removeFromBoard(qc, id);
      }
    }),
  );
  upsertSessions(qc, fresh);
}

/**
 * Applies session events to the board's cache for the whole authenticated app (mounted once in the shell). Events
 * are batched (150 ms): the known new states move the cards at once, then the sessions are refetched together for
 * their other fields, and counts the batch could not settle locally are refetched.
 */
export function SessionsLiveSync() {
  const api = useApi();
  const qc = useQueryClient();
  const pending = useRef(new Set<string>());
  const states = useRef(new Map<string, string>());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const schedule = (id: string, state?: string) => {
    pending.current.add(id);
    if (state) states.current.set(id, state);
    timer.current ??= setTimeout(() => {
      timer.current = undefined;
      const ids = [...pending.current];
      pending.current.clear();
      const moved = cachedSummaries(qc, states.current);
      states.current = new Map();
      if (moved.length) upsertSessions(qc, moved);
      void refetchSessions(api, qc, ids);
    }, 150);
  };

  useLiveEvent((e: AppEvent) => {
    switch (e.type) {
      case 'session.created':
      case 'session.updated':
        schedule(e.data.id, e.data.state);
        return;
      case 'session.state_changed':
        schedule(e.data.id, e.data.to);
        return;
      case 'activity.added':
        void qc.invalidateQueries({ queryKey: activitiesKey(e.data.sessionId) });
        schedule(e.data.sessionId);
        return;
      case 'session.deleted':
        removeFromBoard(qc, e.data.id);
        void qc.invalidateQueries({ queryKey: sessionKey(e.data.id) });
        void qc.invalidateQueries({ queryKey: [...BOARD_KEY], predicate: (q) => q.queryKey[3] === 'counts' });
        return;
      case 'keeper.action':
        // A stuck mark moves a session between Running and Stuck: reload the board once the marks are fresh.
        if (e.data.kind === 'stuck') void qc.invalidateQueries({ queryKey: [...BOARD_KEY] });
        return;
      case 'sessions.synced':
        // A quiet backfill publishes no per-session events: reload the board once it is done.
        if (e.data.backfill && (e.data.created || e.data.deleted)) void qc.invalidateQueries({ queryKey: [...BOARD_KEY] });
        return;
    }
  });
  return null;
}

/** Query keys of the Jules accounts and the repositories they offer (Settings → Jules accounts, the new-session picker). */
export const julesKeys = {
  all: ['jules'] as const,
  accounts: ['jules', 'accounts'] as const,
  sources: (accountId?: string) => ['jules', 'sources', accountId ?? 'all'] as const,
  sessionCount: (accountId: string) => ['jules', 'session-count', accountId] as const,
};

/** The most repositories the picker loads at once; past that it asks the server for what is typed. */
export const SOURCES_LIMIT = 1000;

/** The workspace's Jules accounts (keys as their last 4 characters). */
export function useJulesAccounts(enabled = true) {
  const api = useApi();
  return useQuery({ queryKey: julesKeys.accounts, queryFn: ({ signal }) => api.sessions.accounts.list(signal), staleTime: 30_000, enabled });
}

/**
 * The repositories the workspace's accounts (or one account) can start sessions on. The server caches Jules'
 * listing a few minutes per account; here it is kept a minute, and searched locally as the user types.
 */
export function useJulesSources(opts: { accountId?: string; enabled?: boolean } = {}) {
  const api = useApi();
  return useQuery({
    queryKey: julesKeys.sources(opts.accountId),
    queryFn: ({ signal }) => api.sessions.sources({ accountId: opts.accountId, limit: SOURCES_LIMIT }, signal),
    staleTime: 60_000,
    enabled: opts.enabled ?? true,
  });
}

/** How many sessions the mirror holds of an account, archived and gone-upstream ones included. */
export function useAccountSessionCount(accountId: string) {
  const api = useApi();
  return useQuery({
    queryKey: julesKeys.sessionCount(accountId),
    queryFn: async ({ signal }) => (await api.sessions.counts({ accountId, archived: 'all', deleted: true }, signal)).total,
    staleTime: 30_000,
  });
}
