import { routes, type SimulateBody, type SimulateResult } from '@autopilot/contracts';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { RoutingService } from './routing.service';

const r = routes.routing;

export interface RoutingRoutesDeps {
  service: RoutingService;
  /** Explains the route a call would take (wired to the llm service, which knows providers, budget and breakers). */
  simulate(workspaceId: string, input: SimulateBody): Promise<SimulateResult>;
}

/** /api/routing: the ordered rules that pick models per call, and a simulator that explains the choice. Writes: admins. */
export function registerRoutingRoutes(app: ApiApp, deps: RoutingRoutesDeps) {
  const { service } = deps;
  app.openapi(apiRoute(r.list), async (c) => c.json({ items: await service.list(workspaceOf(c)) }, 200));
  app.openapi(apiRoute(r.replace), async (c) => c.json({ items: await service.replace(workspaceOf(c), c.req.valid('json').rules) }, 200));
  app.openapi(apiRoute(r.append), async (c) => c.json(await service.append(workspaceOf(c), c.req.valid('json')), 201));
  app.openapi(apiRoute(r.remove), async (c) => {
    await service.remove(workspaceOf(c), c.req.valid('param').id);
    return c.body(null, 204);
  });
  app.openapi(apiRoute(r.simulate), async (c) => c.json(await deps.simulate(workspaceOf(c), c.req.valid('json')), 200));
}
