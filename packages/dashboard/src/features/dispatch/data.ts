import { useEffect, useMemo } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../lib/api';
import { useLiveEvent } from '../../lib/events';
import { throttle } from './quota-logic';

export const dispatchKeys = {
  all: ['dispatch'] as const,
  accounts: ['dispatch', 'accounts'] as const,
};

/** How often the quota is read without events: estimates move with the clock even when nothing happens. */
export const QUOTA_REFRESH_MS = 30_000;
/** At most one refetch per this window while `dispatch.updated` events arrive. */
export const LIVE_THROTTLE_MS = 1_000;

/**
 * Every Jules account's quota (one query shared by every widget on the page): refetched every 30 s, and after
 * `dispatch.updated` events, throttled so a batch moving many creates at once asks once.
 */
export function useDispatchAccounts() {
  const api = useApi();
  const qc = useQueryClient();
  const query = useQuery({ queryKey: dispatchKeys.accounts, queryFn: ({ signal }) => api.dispatch.accounts(signal), refetchInterval: QUOTA_REFRESH_MS, staleTime: 5_000 });
  const refetch = useMemo(() => throttle(() => void qc.invalidateQueries({ queryKey: dispatchKeys.accounts }), LIVE_THROTTLE_MS), [qc]);
  useEffect(() => () => refetch.cancel(), [refetch]);
  useLiveEvent((e) => {
    if (e.type === 'dispatch.updated') refetch.call();
  });
  return query;
}
