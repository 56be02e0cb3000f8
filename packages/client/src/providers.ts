import { routes, type CreateProviderBody, type UpdateProviderBody } from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.providers;

/** LLM providers of the workspace (keys write-only) and a connectivity test. */
export function providersApi(t: Transport) {
  const endpoint = endpoints(t);
  return {
    list: endpoint(r.list, (call) => (signal?: AbortSignal) => call({ signal })),
    get: endpoint(r.get, (call) => (id: string, signal?: AbortSignal) => call({ params: { id }, signal })),
    create: endpoint(r.create, (call) => (body: Partial<CreateProviderBody> & Pick<CreateProviderBody, 'kind' | 'name' | 'apiKey' | 'defaultModels'>) => call({ body })),
    update: endpoint(r.update, (call) => (id: string, body: UpdateProviderBody) => call({ params: { id }, body })),
    remove: endpoint(r.remove, (call) => (id: string) => call({ params: { id } })),
    /** Sends a tiny prompt through the provider; failures come back as `ok: false` with the error, not thrown. */
    test: endpoint(r.test, (call) => (id: string, model?: string) => call({ params: { id }, body: model ? { model } : {} })),
  };
}
