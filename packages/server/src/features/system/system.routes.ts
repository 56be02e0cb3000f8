import { routes } from '@autopilot/contracts';
import type { ApiApp } from '../../platform/http/types';
import type { Metrics } from '../../platform/metrics';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { SystemService } from './system.service';

/** /healthz (liveness, no auth), /metrics (Prometheus text) and /api/health (authenticated detail). */
export function registerSystemRoutes(app: ApiApp, deps: { service: SystemService; metrics: Metrics }) {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/metrics', async (c) => c.body(await deps.metrics.render(), 200, { 'content-type': deps.metrics.registry.contentType }));
  app.openapi(apiRoute(routes.system.health), async (c) => c.json(await deps.service.health(workspaceOf(c)), 200));
}
