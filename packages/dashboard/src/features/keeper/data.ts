import { useQuery } from '@tanstack/react-query';
import { isStuck, type SessionSummary } from '@autopilot/contracts';
import { useApi } from '../../lib/api';

/** Every keeper query lives under ['keeper', ...]: a `keeper.action` event invalidates them all (lib/events). */
export const keeperKeys = {
  settings: ['keeper', 'settings'] as const,
  stuck: ['keeper', 'stuck'] as const,
  session: (id: string) => ['keeper', 'session', id] as const,
  logs: ['keeper', 'logs'] as const,
  notifications: ['keeper', 'notifications'] as const,
};

/**
 * When the keeper last marked each session stuck. The summary list carries no stuck flag, so the board reads the
 * keeper's `stuck` ledger entries (few) and applies the keeper's own rule: still IN_PROGRESS and no activity since.
 */
export function useStuckMarks() {
  const api = useApi();
  return useQuery({
    queryKey: keeperKeys.stuck,
    queryFn: async ({ signal }) => {
      const marks = new Map<string, string>();
      for (const a of await api.keeper.allLogs({ action: 'stuck' }, signal)) {
        const prev = marks.get(a.sessionId);
        if (!prev || prev < a.createdAt) marks.set(a.sessionId, a.createdAt);
      }
      return marks;
    },
    // A key without keeper access, or a server without the keeper, simply shows no stuck sessions.
    retry: false,
    staleTime: 60_000,
  });
}

/** The keeper's stuck rule for one session, given the marks from useStuckMarks (the contracts' rule). */
export function stuckBy(marks: Map<string, string> | undefined) {
  return (s: SessionSummary): boolean => isStuck(s, marks?.get(s.id));
}
