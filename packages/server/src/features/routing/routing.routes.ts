import { z } from '@hono/zod-openapi';
import { PutRoutingPolicyBody, RoutingPolicy, RoutingRule, RoutingRuleBody, SimulateBody, SimulateResult, type SimulateResult as Simulated } from '@autopilot/contracts';
import { apiRoute, jsonBody, jsonOk } from '../../platform/http/route';
import { hasRole } from '../../platform/http/auth';
import { forbidden } from '../../platform/errors';
import type { ApiApp, AuthContext } from '../../platform/http/types';
import type { RoutingService } from './routing.service';

const tags = ['routing'];

export interface RoutingRoutesDeps {
  service: RoutingService;
  /** Explains the route a call would take (wired to the llm service, which knows providers, budget and breakers). */
  simulate(workspaceId: string, input: z.infer<typeof SimulateBody>): Promise<Simulated>;
}

const requireAdmin = (auth: AuthContext) => {
  if (!hasRole(auth, 'admin')) throw forbidden('Only admins and owners change routing policies');
};

/** /api/routing: the ordered rules that pick models per call, and a simulator that explains the choice. */
export function registerRoutingRoutes(app: ApiApp, deps: RoutingRoutesDeps) {
  const { service } = deps;

  app.openapi(apiRoute({ method: 'get', path: '/api/routing/policies', tags, summary: 'Routing rules in evaluation order', responses: { 200: jsonOk(RoutingPolicy) } }), async (c) =>
    c.json({ items: await service.list(c.get('auth').workspaceId) }, 200),
  );

  app.openapi(
    apiRoute({ method: 'put', path: '/api/routing/policies', tags, summary: 'Replace all rules (array order is evaluation order)', request: { body: jsonBody(PutRoutingPolicyBody) }, responses: { 200: jsonOk(RoutingPolicy) } }),
    async (c) => {
      const auth = c.get('auth');
      requireAdmin(auth);
      return c.json({ items: await service.replace(auth.workspaceId, c.req.valid('json').rules) }, 200);
    },
  );

  app.openapi(
    apiRoute({ method: 'post', path: '/api/routing/policies', tags, summary: 'Append one rule', request: { body: jsonBody(RoutingRuleBody) }, responses: { 201: jsonOk(RoutingRule, 'Created') } }),
    async (c) => {
      const auth = c.get('auth');
      requireAdmin(auth);
      return c.json(await service.append(auth.workspaceId, c.req.valid('json')), 201);
    },
  );

  app.openapi(
    apiRoute({
      method: 'delete',
      path: '/api/routing/policies/{id}',
      tags,
      summary: 'Remove one rule',
      request: { params: z.object({ id: z.string().min(1).max(64) }) },
      responses: { 204: { description: 'Removed' } },
    }),
    async (c) => {
      const auth = c.get('auth');
      requireAdmin(auth);
      await service.remove(auth.workspaceId, c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    apiRoute({
      method: 'post',
      path: '/api/routing/simulate',
      tags,
      summary: 'Which rule would match a call and why (and why earlier rules did not), with the resulting targets',
      request: { body: jsonBody(SimulateBody) },
      responses: { 200: jsonOk(SimulateResult) },
    }),
    async (c) => c.json(await deps.simulate(c.get('auth').workspaceId, c.req.valid('json')), 200),
  );
}
