import { routes, type PutBudgetBody } from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.budgets;

/** The workspace's daily and monthly LLM budgets: limits, spend, reservations and the exhaustion policy. */
export function budgetsApi(t: Transport) {
  const endpoint = endpoints(t);
  return {
    get: endpoint(r.get, (call) => (signal?: AbortSignal) => call({ signal })),
    put: endpoint(r.put, (call) => (body: Partial<PutBudgetBody>) => call({ body })),
  };
}
