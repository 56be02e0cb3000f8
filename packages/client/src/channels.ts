import { routes, type ChannelDeliveryQuery, type CreateChannelBody, type PageQuery, type UpdateChannelBody } from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.channels;

/** Outbound channels (Slack, signed webhooks, e-mail), their deliveries and attempts. */
export function channelsApi(t: Transport) {
  const endpoint = endpoints(t);
  return {
    list: endpoint(r.list, (call) => (q: Partial<PageQuery> = {}, signal?: AbortSignal) => call({ query: { ...q }, signal })),
    create: endpoint(r.create, (call) => (body: CreateChannelBody) => call({ body })),
    get: endpoint(r.get, (call) => (id: string, signal?: AbortSignal) => call({ params: { id }, signal })),
    update: endpoint(r.update, (call) => (id: string, body: UpdateChannelBody) => call({ params: { id }, body })),
    remove: endpoint(r.remove, (call) => (id: string) => call({ params: { id } })),
    rotateSecret: endpoint(r.rotateSecret, (call) => (id: string, body: { secret?: string } = {}) => call({ params: { id }, body })),
    test: endpoint(r.test, (call) => (id: string) => call({ params: { id } })),
    deliveries: endpoint(r.deliveries, (call) => (id: string, q: Partial<Omit<ChannelDeliveryQuery, 'limit'>> & { limit?: number } = {}, signal?: AbortSignal) => call({ params: { id }, query: { ...q }, signal })),
    delivery: endpoint(r.delivery, (call) => (id: string, signal?: AbortSignal) => call({ params: { id }, signal })),
    retry: endpoint(r.retry, (call) => (id: string) => call({ params: { id } })),
  };
}
