import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { ApiError } from '@autopilot/client';
import type { HookDeliveryQuery, Me } from '@autopilot/contracts';
import { useApi, useMe } from '../../lib/api';
import { RANK } from '../settings/settings-ui';
import { issuesByField } from './rules-logic';

/*
 * Queries of the Webhooks pages. Everything lives under ['hooks'], which a `hook.delivery` event invalidates
 * (lib/events.tsx): the list's counts and the delivery log follow deliveries live.
 */

export type DeliveryStatus = NonNullable<HookDeliveryQuery['status']>;

export const hookKeys = {
  all: ['hooks'] as const,
  list: ['hooks', 'list'] as const,
  one: (id: string) => ['hooks', 'one', id] as const,
  deliveries: (id: string, status: DeliveryStatus | '') => ['hooks', 'deliveries', id, status] as const,
  delivery: (id: string) => ['hooks', 'delivery', id] as const,
};

export function useEndpoints() {
  const api = useApi();
  return useQuery({ queryKey: hookKeys.list, queryFn: ({ signal }) => api.hooks.list({ limit: 100 }, signal), staleTime: 10_000 });
}

export function useEndpoint(id: string) {
  const api = useApi();
  return useQuery({ queryKey: hookKeys.one(id), queryFn: ({ signal }) => api.hooks.get(id, signal) });
}

/** The delivery log, newest first, 20 a page, optionally one status only. */
export function useDeliveries(id: string, status: DeliveryStatus | '') {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: hookKeys.deliveries(id, status),
    queryFn: ({ pageParam, signal }) => api.hooks.deliveries(id, { limit: 20, cursor: pageParam, ...(status ? { status } : {}) }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.nextCursor ?? undefined,
  });
}

export function useDelivery(id: string | null) {
  const api = useApi();
  return useQuery({ queryKey: hookKeys.delivery(id ?? ''), queryFn: ({ signal }) => api.hooks.delivery(id ?? '', signal), enabled: !!id });
}

export interface Powers {
  /** Rename, enable, rules, secrets, delete (admins and owners). */
  edit: boolean;
  /** Test rules and replay deliveries (members and up). */
  act: boolean;
}

export function powersOf(me: Me | undefined): Powers {
  const rank = me ? RANK[me.key.role] : 0;
  return { edit: rank >= RANK.admin, act: rank >= RANK.member };
}

export function usePowers(): Powers {
  return powersOf(useMe().data);
}

/** The 400's issues by field id; other errors as one message. */
export function errorFields(err: unknown): { fields: Record<string, string>; message: string } {
  if (err instanceof ApiError) return { fields: issuesByField(err.issues), message: err.message };
  return { fields: {}, message: err instanceof Error ? err.message : String(err) };
}

