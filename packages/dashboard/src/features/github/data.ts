import { useEffect, useMemo, useRef } from 'react';
import { useQuery, useQueryClient, type QueryKey } from '@tanstack/react-query';
import type { AppEvent, PullRequest } from '@autopilot/contracts';
import { useApi } from '../../lib/api';
import { useLiveEvent } from '../../lib/events';
import { pullsApi } from './api';
import { pullsBySession } from './logic';

/** Query keys of the GitHub views (all under 'github', so a reset refetches them with everything else). */
export const githubKeys = {
  all: ['github'] as const,
  board: ['github', 'pulls', 'board'] as const,
  session: (id: string) => ['github', 'pulls', 'session', id] as const,
  pull: (id: string) => ['github', 'pulls', 'one', id] as const,
  ci: ['github', 'ci'] as const,
  connection: ['github', 'connection'] as const,
  webhook: ['github', 'webhook'] as const,
  automation: ['github', 'automation'] as const,
};

/** The GitHub loop's API for the logged-in user. */
export function usePullsApi() {
  const api = useApi();
  return useMemo(() => pullsApi(api), [api]);
}

/**
 * Invalidates `key` at most once per `ms` while `match` events arrive: a push that reruns twenty checks refetches
 * once, not twenty times (the first event starts the window, the refetch runs at its end with everything seen).
 */
export function useCoalescedInvalidate(match: (e: AppEvent) => boolean, keys: () => QueryKey[], ms = 400) {
  const qc = useQueryClient();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const keysRef = useRef(keys);
  keysRef.current = keys;
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  useLiveEvent((e) => {
    if (!match(e) || timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      for (const k of keysRef.current()) void qc.invalidateQueries({ queryKey: k });
    }, ms);
  });
}

// One join per answer, shared by every card that reads it (cards are many, the answer is one).
const joined = new WeakMap<object, Map<string, PullRequest>>();
const EMPTY = new Map<string, PullRequest>();

/**
 * The board's PR for one session: every card reads the same query (ONE page of linked PRs, most recently changed
 * first, fetched once per board load), joined by sessionId client-side; no per-card request.
 */
export function useBoardPull(sessionId: string): PullRequest | undefined {
  const pulls = usePullsApi();
  const q = useQuery({ queryKey: githubKeys.board, queryFn: ({ signal }) => pulls.list({ limit: 500 }, signal), staleTime: 30_000, retry: false });
  const data = q.data;
  if (!data) return EMPTY.get(sessionId);
  let map = joined.get(data);
  if (!map) joined.set(data, (map = pullsBySession(data.items)));
  return map.get(sessionId);
}

/** Keeps the board's PR badges live (mounted once by the sessions page). */
export function useBoardPullsLive() {
  useCoalescedInvalidate((e) => e.type === 'github.pull.updated', () => [githubKeys.board], 1000);
}
