import { routes } from '@autopilot/contracts';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { LlmService } from './llm.service';

const r = routes.llm;

/** /api/llm: usage reports and circuit breaker states of the gateway. */
export function registerLlmRoutes(app: ApiApp, deps: { service: LlmService }) {
  app.openapi(apiRoute(r.usage), async (c) => c.json(await deps.service.usage(workspaceOf(c), c.req.valid('query')), 200));
  app.openapi(apiRoute(r.calls), async (c) => c.json(await deps.service.calls(workspaceOf(c), c.req.valid('query')), 200));
  app.openapi(apiRoute(r.breakers), (c) => c.json({ items: deps.service.breakers(workspaceOf(c)) }, 200));
}
