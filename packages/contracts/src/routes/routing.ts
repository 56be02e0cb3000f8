import { PutRoutingPolicyBody, RoutingPolicy, RoutingRule, RoutingRuleBody, SimulateBody, SimulateResult } from '../routing';
import { declareRoutes, IdParam, jsonBody, jsonOk } from './define';

const tags = ['routing'];
const admin = { minRole: 'admin', denied: 'Only admins and owners change routing policies' } as const;

/** /api/routing: the ordered rules that pick models per call, and a simulator that explains the choice. */
export const routing = declareRoutes({
  list: { method: 'get', path: '/api/routing/policies', tags, summary: 'Routing rules in evaluation order', responses: { 200: jsonOk(RoutingPolicy) } },
  replace: {
    method: 'put',
    path: '/api/routing/policies',
    tags,
    summary: 'Replace all rules (array order is evaluation order)',
    ...admin,
    request: { body: jsonBody(PutRoutingPolicyBody) },
    responses: { 200: jsonOk(RoutingPolicy) },
  },
  append: {
    method: 'post',
    path: '/api/routing/policies',
    tags,
    summary: 'Append one rule',
    ...admin,
    request: { body: jsonBody(RoutingRuleBody) },
    responses: { 201: jsonOk(RoutingRule, 'Created') },
  },
  remove: { method: 'delete', path: '/api/routing/policies/{id}', tags, summary: 'Remove one rule', ...admin, request: { params: IdParam }, responses: { 204: { description: 'Removed' } } },
  simulate: {
    method: 'post',
    path: '/api/routing/simulate',
    tags,
    summary: 'Which rule would match a call and why (and why earlier rules did not), with the resulting targets',
    request: { body: jsonBody(SimulateBody) },
    responses: { 200: jsonOk(SimulateResult) },
  },
});
