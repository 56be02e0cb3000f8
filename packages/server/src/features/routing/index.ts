import type { Clock } from '../../platform/clock';
import type { Db } from '../../platform/db';
import type { Feature } from '../../platform/feature';
import type { ApiApp } from '../../platform/http/types';
import { createRoutingStore } from './routing.store';
import { createRoutingService, type RoutingService } from './routing.service';
import { registerRoutingRoutes, type RoutingRoutesDeps } from './routing.routes';

export type { RoutingService } from './routing.service';
/** The routing engine (pure functions) the gateway plans its calls with. */
export { planRoute, resolveTarget, modelFor, evaluateRule, type PlannedTarget, type RoutePlan, type RoutableProvider, type RouteContext } from './routing.engine';

/** What the simulate route needs of the gateway (the llm feature's service has it). */
export interface RouteSimulator {
  simulate: RoutingRoutesDeps['simulate'];
}

/** Routing rules per workspace. Like providers, its routes receive the gateway (created after it) at registration. */
export interface RoutingFeature extends Omit<Feature<RoutingService>, 'routes'> {
  routes(app: ApiApp, gateway: RouteSimulator): void;
}

export function createRoutingFeature(deps: { db: Db; clock: Clock }): RoutingFeature {
  const service = createRoutingService({ store: createRoutingStore(deps.db), clock: deps.clock });
  return { service, loops: [], routes: (app, gateway) => registerRoutingRoutes(app, { service, simulate: (ws, input) => gateway.simulate(ws, input) }) };
}
