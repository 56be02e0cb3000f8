import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Schedule } from '@autopilot/contracts';
import { useApi } from '../../lib/api';

/* Queries of the schedules pages. Everything under ['schedules'] is refetched after a change to any schedule. */

export const scheduleKeys = {
  all: ['schedules'] as const,
  list: ['schedules', 'list'] as const,
  one: (id: string) => ['schedules', 'one', id] as const,
  next: (id: string) => ['schedules', 'next', id] as const,
  runs: (id: string) => ['schedules', 'runs', id] as const,
  last: (id: string) => ['schedules', 'last-run', id] as const,
};

export function useSchedules() {
  const api = useApi();
  return useQuery({ queryKey: scheduleKeys.list, queryFn: ({ signal }) => api.schedules.list(signal), staleTime: 15_000 });
}

export function useSchedule(id: string | undefined) {
  const api = useApi();
  return useQuery({ queryKey: scheduleKeys.one(id ?? ''), queryFn: ({ signal }) => api.schedules.get(id ?? '', signal), enabled: !!id });
}

/** The next five fire times, refreshed each minute (they move as time passes). */
export function useNextRuns(id: string, updatedAt: string) {
  const api = useApi();
  return useQuery({ queryKey: [...scheduleKeys.next(id), updatedAt], queryFn: ({ signal }) => api.schedules.next(id, 5, signal), refetchInterval: 60_000 });
}

/** The newest run of a schedule (its last outcome in the list). */
export function useLastRun(id: string) {
  const api = useApi();
  return useQuery({ queryKey: scheduleKeys.last(id), queryFn: async ({ signal }) => (await api.schedules.runs(id, { limit: 1 }, signal)).items[0] ?? null, staleTime: 30_000 });
}

/** Run history, newest fire time first, in pages of 20. */
export function useRuns(id: string) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: scheduleKeys.runs(id),
    queryFn: ({ pageParam, signal }) => api.schedules.runs(id, { limit: 20, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.nextCursor ?? undefined,
    refetchInterval: 30_000,
  });
}

/** Pause, resume and delete; each refreshes the schedule's queries with the answer. */
export function useScheduleActions(id: string) {
  const api = useApi();
  const qc = useQueryClient();
  const done = (s: Schedule) => {
    qc.setQueryData(scheduleKeys.one(id), s);
    void qc.invalidateQueries({ queryKey: scheduleKeys.all });
  };
  return {
    pause: useMutation({ mutationFn: () => api.schedules.pause(id), onSuccess: done }),
    resume: useMutation({ mutationFn: () => api.schedules.resume(id), onSuccess: done }),
    remove: useMutation({
      mutationFn: () => api.schedules.remove(id),
      onSuccess: () => {
        qc.removeQueries({ queryKey: scheduleKeys.one(id) });
        void qc.invalidateQueries({ queryKey: scheduleKeys.list });
      },
    }),
  };
}
