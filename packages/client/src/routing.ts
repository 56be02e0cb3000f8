import { routes, type RouteBody } from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.routing;

/** One rule as sent (defaults not yet applied). */
export type RoutingRuleInput = RouteBody<typeof r.append>;

/** Routing policies: the ordered rules that pick models per call, and a simulator that explains the choice. */
export function routingApi(t: Transport) {
  const endpoint = endpoints(t);
  return {
    /** The rules in evaluation order. */
    list: endpoint(r.list, (call) => (signal?: AbortSignal) => call({ signal })),
    /** Replaces every rule; array order is evaluation order (admins and owners). */
    replace: endpoint(r.replace, (call) => (rules: readonly RoutingRuleInput[]) => call({ body: { rules: [...rules] } })),
    /** Appends one rule (admins and owners). */
    append: endpoint(r.append, (call) => (rule: RoutingRuleInput) => call({ body: rule })),
    /** Removes one rule (admins and owners). */
    remove: endpoint(r.remove, (call) => (id: string) => call({ params: { id } })),
    /** Which rule would match a call and why, with the resulting targets. */
    simulate: endpoint(r.simulate, (call) => (input: RouteBody<typeof r.simulate>) => call({ body: input })),
  };
}
