import { routes, type DispatchIntentQuery, type UpdateDispatchLimitsBody } from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.dispatch;

/** The dispatcher: each Jules account's quota and forecast, and every create queued, being sent or sent. */
export function dispatchApi(t: Transport) {
  const endpoint = endpoints(t);
  return {
    accounts: endpoint(r.accounts, (call) => (signal?: AbortSignal) => call({ signal })),
    account: endpoint(r.account, (call) => (accountId: string, signal?: AbortSignal) => call({ params: { accountId }, signal })),
    updateLimits: endpoint(r.updateLimits, (call) => (accountId: string, body: UpdateDispatchLimitsBody) => call({ params: { accountId }, body })),
    intents: endpoint(r.intents, (call) => (q: Partial<Omit<DispatchIntentQuery, 'limit'>> & { limit?: number } = {}, signal?: AbortSignal) => call({ query: { ...q }, signal })),
    intent: endpoint(r.intent, (call) => (id: string, signal?: AbortSignal) => call({ params: { id }, signal })),
    cancel: endpoint(r.cancel, (call) => (id: string) => call({ params: { id } })),
    retry: endpoint(r.retry, (call) => (id: string) => call({ params: { id } })),
  };
}
