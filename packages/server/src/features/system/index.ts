import type { Feature } from '../../platform/feature';
import type { Metrics } from '../../platform/metrics';
import { createSystemService, type SystemDeps, type SystemService } from './system.service';
import { registerSystemRoutes } from './system.routes';

export type { SystemService, HealthProbe } from './system.service';

/** Health (/api/health, /healthz) and metrics (/metrics) of the whole instance. */
export function createSystemFeature(deps: SystemDeps & { metrics: Metrics }): Feature<SystemService> {
  const service = createSystemService(deps);
  return { service, loops: [], routes: (app) => registerSystemRoutes(app, { service, metrics: deps.metrics }) };
}
