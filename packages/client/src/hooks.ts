import { routes, type CreateHookEndpointBody, type HookDeliveryQuery, type PageQuery, type RotateHookSecretBody, type TestHookRulesBody, type UpdateHookEndpointBody } from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.hooks;

/** Inbound webhooks: endpoints and their rules, the delivery log, replay, rule tests. */
export function hooksApi(t: Transport) {
  const endpoint = endpoints(t);
  return {
    list: endpoint(r.list, (call) => (q: Partial<PageQuery> = {}, signal?: AbortSignal) => call({ query: { ...q }, signal })),
    create: endpoint(r.create, (call) => (body: CreateHookEndpointBody) => call({ body })),
    get: endpoint(r.get, (call) => (id: string, signal?: AbortSignal) => call({ params: { id }, signal })),
    update: endpoint(r.update, (call) => (id: string, body: UpdateHookEndpointBody) => call({ params: { id }, body })),
    remove: endpoint(r.remove, (call) => (id: string) => call({ params: { id } })),
    rotateSecret: endpoint(r.rotateSecret, (call) => (id: string, body: RotateHookSecretBody = {}) => call({ params: { id }, body })),
    test: endpoint(r.test, (call) => (id: string, body: TestHookRulesBody) => call({ params: { id }, body })),
    deliveries: endpoint(r.deliveries, (call) => (id: string, q: Partial<Omit<HookDeliveryQuery, 'limit'>> & { limit?: number } = {}, signal?: AbortSignal) => call({ params: { id }, query: { ...q }, signal })),
    delivery: endpoint(r.delivery, (call) => (id: string, signal?: AbortSignal) => call({ params: { id }, signal })),
    replay: endpoint(r.replay, (call) => (id: string) => call({ params: { id } })),
  };
}
