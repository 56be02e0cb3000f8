import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ChannelDeliveryQuery, CreateChannelBody, UpdateChannelBody } from '@autopilot/contracts';
import { useApi } from '../../lib/api';
import { useToast } from '../../lib/toasts';

/** Query keys of the Channels pages; all under ['channels'], which lib/events.tsx invalidates on channel.delivery. */
export const channelKeys = {
  all: ['channels'] as const,
  list: ['channels', 'list'] as const,
  one: (id: string) => ['channels', 'one', id] as const,
  deliveries: (id: string, status: string) => ['channels', 'deliveries', id, status] as const,
  delivery: (id: string) => ['channels', 'delivery', id] as const,
};

export function useChannels() {
  const api = useApi();
  return useQuery({ queryKey: channelKeys.list, queryFn: ({ signal }) => api.channels.list({ limit: 200 }, signal), retry: false });
}

export function useChannel(id: string) {
  const api = useApi();
  return useQuery({ queryKey: channelKeys.one(id), queryFn: ({ signal }) => api.channels.get(id, signal), retry: false });
}

/** A channel's deliveries, newest first, one keyset page at a time. */
export function useDeliveries(id: string, status: ChannelDeliveryQuery['status'] | '') {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: channelKeys.deliveries(id, status ?? ''),
    queryFn: ({ pageParam, signal }) => api.channels.deliveries(id, { limit: 50, cursor: pageParam, ...(status ? { status } : {}) }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    retry: false,
  });
}

/** One delivery with its attempts log (loaded when a row is opened). */
export function useDelivery(id: string, enabled: boolean) {
  const api = useApi();
  return useQuery({ queryKey: channelKeys.delivery(id), queryFn: ({ signal }) => api.channels.delivery(id, signal), enabled, retry: false });
}

/** Every change to channels; the lists refetch after each, failures become a toast unless the caller shows them. */
export function useChannelActions() {
  const api = useApi();
  const qc = useQueryClient();
  const toast = useToast();
  const done = () => void qc.invalidateQueries({ queryKey: channelKeys.all });
  const failed = (what: string) => (err: Error) => toast({ title: `Could not ${what}`, body: err.message, level: 'error' });
  return {
    create: useMutation({ mutationFn: (b: CreateChannelBody) => api.channels.create(b), onSuccess: done }),
    update: useMutation({ mutationFn: (v: { id: string; body: UpdateChannelBody }) => api.channels.update(v.id, v.body), onSuccess: done, onError: failed('change the channel') }),
    remove: useMutation({ mutationFn: (id: string) => api.channels.remove(id), onSuccess: done, onError: failed('delete the channel') }),
    rotate: useMutation({ mutationFn: (id: string) => api.channels.rotateSecret(id, {}), onSuccess: done, onError: failed('rotate the secret') }),
    test: useMutation({ mutationFn: (id: string) => api.channels.test(id), onSuccess: done, onError: failed('send the test') }),
    retry: useMutation({ mutationFn: (id: string) => api.channels.retry(id), onSuccess: done, onError: failed('retry the delivery') }),
  };
}
