import { routes, type ProviderTestResult } from '@autopilot/contracts';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { ProvidersService } from './providers.service';

const r = routes.providers;

export interface ProvidersRoutesDeps {
  service: ProvidersService;
  /** Sends a tiny prompt through the gateway to the provider (wired to the llm service by main). */
  test(workspaceId: string, providerId: string, model?: string): Promise<ProviderTestResult>;
}

/** /api/providers: LLM provider configs of the workspace (keys write-only) and a connectivity test. Writes: admins. */
export function registerProvidersRoutes(app: ApiApp, deps: ProvidersRoutesDeps) {
  const { service } = deps;
  app.openapi(apiRoute(r.list), async (c) => c.json({ items: await service.list(workspaceOf(c)) }, 200));
  app.openapi(apiRoute(r.create), async (c) => c.json(await service.create(workspaceOf(c), c.req.valid('json')), 201));
  app.openapi(apiRoute(r.get), async (c) => c.json(await service.get(workspaceOf(c), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.update), async (c) => c.json(await service.update(workspaceOf(c), c.req.valid('param').id, c.req.valid('json')), 200));
  app.openapi(apiRoute(r.remove), async (c) => c.json(await service.remove(workspaceOf(c), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.test), async (c) => {
    const body = (c.req.valid('json') as { model?: string } | undefined) ?? {};
    return c.json(await deps.test(workspaceOf(c), c.req.valid('param').id, body.model), 200);
  });
}
