import { useEffect, useRef } from 'react';
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { ApiError, type ApiClient } from '@autopilot/client';
import { SessionSummary, type AppEvent } from '@autopilot/contracts';
import { useApi } from '../../lib/api';
import { useLiveEvent } from '../../lib/events';

/** The whole (non-archived) session list, loaded once and then kept current by live events. */
export const SESSIONS_KEY = ['sessions', 'all'] as const;
export const sessionKey = (id: string) => ['session', id] as const;
export const activitiesKey = (id: string) => ['session', id, 'activities'] as const;

export interface SessionList {
  items: SessionSummary[];
  /** False while later pages are still loading (the first rows already show). */
  complete: boolean;
}

/**
 * All sessions of the workspace. The board groups, counts and filters them in memory, which stays instant for
 * 10,000 sessions and lets one live event move one card without refetching anything else.
 */
export function useSessionList() {
  const api = useApi();
  const qc = useQueryClient();
  return useQuery({
    queryKey: SESSIONS_KEY,
    queryFn: async ({ signal }): Promise<SessionList> => {
      const items = await api.sessions.listAll(
        {},
        { signal, onPage: (soFar) => qc.setQueryData<SessionList>(SESSIONS_KEY, { items: soFar.slice(), complete: false }) },
      );
      return { items, complete: true };
    },
    // Live events keep it current; a refetch happens after a stream reset or a backfill.
    staleTime: Infinity,
  });
}

function patchList(qc: QueryClient, fn: (items: SessionSummary[]) => SessionSummary[] | null) {
  qc.setQueryData<SessionList>(SESSIONS_KEY, (old) => {
    if (!old) return old;
    const next = fn(old.items);
    return next ? { ...old, items: next } : old;
  });
}

/** Inserts or replaces sessions in the cached list (removing the ones that no longer belong there), in one update. */
export function upsertSessions(qc: QueryClient, sessions: readonly SessionSummary[]) {
  if (!sessions.length) return;
  patchList(qc, (items) => {
    const byId = new Map(sessions.map((s) => [s.id, s]));
    const next: SessionSummary[] = [];
    for (const x of items) {
      const s = byId.get(x.id);
      if (!s) next.push(x);
      else {
        byId.delete(x.id);
        if (!s.archived && !s.deleted) next.push(s);
      }
    }
    // What is left is new to the list: newest first, like the server's order.
    const added = [...byId.values()].filter((s) => !s.archived && !s.deleted);
    return added.length ? [...added, ...next] : next;
  });
}

/** Inserts or replaces one session in the cached list. */
export const upsertSession = (qc: QueryClient, s: SessionSummary) => upsertSessions(qc, [s]);

function removeSession(qc: QueryClient, id: string) {
  patchList(qc, (items) => (items.some((x) => x.id === id) ? items.filter((x) => x.id !== id) : null));
}

/** Sessions whose events arrive in a burst are refetched together; beyond this many, refetching the list is cheaper. */
const MAX_SINGLE_REFETCH = 50;

async function refetchSessions(api: ApiClient, qc: QueryClient, ids: string[]) {
  if (ids.length > MAX_SINGLE_REFETCH) return void qc.invalidateQueries({ queryKey: SESSIONS_KEY });
  const fresh: SessionSummary[] = [];
  await Promise.all(
    ids.map(async (id) => {
      try {
        const detail = await api.sessions.get(id);
        qc.setQueryData(sessionKey(id), detail);
        fresh.push(SessionSummary.parse(detail));
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) removeSession(qc, id);
      }
    }),
  );
  upsertSessions(qc, fresh);
}

/**
 * Applies session events to the cache for the whole authenticated app (mounted once in the shell): the new state
 * moves the card at once, then the session is refetched in a short batch for its other fields.
 */
export function SessionsLiveSync() {
  const api = useApi();
  const qc = useQueryClient();
  const pending = useRef(new Set<string>());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const schedule = (id: string) => {
    pending.current.add(id);
    timer.current ??= setTimeout(() => {
      timer.current = undefined;
      const ids = [...pending.current];
      pending.current.clear();
      void refetchSessions(api, qc, ids);
    }, 150);
  };

  useLiveEvent((e: AppEvent) => {
    const d = e.data as { id?: string; sessionId?: string; state?: string; to?: string; backfill?: boolean; created?: number; deleted?: number };
    switch (e.type) {
      case 'session.created':
      case 'session.updated':
      case 'session.state_changed': {
        if (!d.id) return;
        const state = d.to ?? d.state;
        if (state) patchList(qc, (items) => {
          const i = items.findIndex((x) => x.id === d.id);
          if (i === -1 || items[i].state === state) return null;
          const next = items.slice();
          next[i] = { ...items[i], state };
          return next;
        });
        schedule(d.id);
        return;
      }
      case 'activity.added':
        if (d.sessionId) {
          void qc.invalidateQueries({ queryKey: activitiesKey(d.sessionId) });
          schedule(d.sessionId);
        }
        return;
      case 'session.deleted':
        if (d.id) {
          removeSession(qc, d.id);
          void qc.invalidateQueries({ queryKey: sessionKey(d.id) });
        }
        return;
      case 'sessions.synced':
        // A quiet backfill publishes no per-session events: reload the list once it is done.
        if (d.backfill && (d.created || d.deleted)) void qc.invalidateQueries({ queryKey: SESSIONS_KEY });
        return;
    }
  });
  return null;
}
