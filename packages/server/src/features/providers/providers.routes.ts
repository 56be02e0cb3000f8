import { z } from '@hono/zod-openapi';
import { CreateProviderBody, ProviderInfo, ProviderList, ProviderTestResult, TestProviderBody, UpdateProviderBody, type ProviderTestResult as TestResult } from '@autopilot/contracts';
import { apiRoute, jsonBody, jsonOk } from '../../platform/http/route';
import { hasRole } from '../../platform/http/auth';
import { forbidden } from '../../platform/errors';
import type { ApiApp, AuthContext } from '../../platform/http/types';
import type { ProvidersService } from './providers.service';

const tags = ['providers'];
const idParam = z.object({ id: z.string().min(1).max(64) });

export interface ProvidersRoutesDeps {
  service: ProvidersService;
  /** Sends a tiny prompt through the gateway to the provider (wired to the llm service by main). */
  test(workspaceId: string, providerId: string, model?: string): Promise<TestResult>;
}

const requireAdmin = (auth: AuthContext) => {
  if (!hasRole(auth, 'admin')) throw forbidden('Only admins and owners manage LLM providers');
};

/** /api/providers: LLM provider configs of the workspace (keys write-only) and a connectivity test. */
export function registerProvidersRoutes(app: ApiApp, deps: ProvidersRoutesDeps) {
  const { service } = deps;

  app.openapi(apiRoute({ method: 'get', path: '/api/providers', tags, summary: 'LLM providers of this workspace', responses: { 200: jsonOk(ProviderList) } }), async (c) =>
    c.json({ items: await service.list(c.get('auth').workspaceId) }, 200),
  );

  app.openapi(
    apiRoute({ method: 'post', path: '/api/providers', tags, summary: 'Add an LLM provider (the key is stored encrypted)', request: { body: jsonBody(CreateProviderBody) }, responses: { 201: jsonOk(ProviderInfo, 'Created') } }),
    async (c) => {
      const auth = c.get('auth');
      requireAdmin(auth);
      return c.json(await service.create(auth.workspaceId, c.req.valid('json')), 201);
    },
  );

  app.openapi(apiRoute({ method: 'get', path: '/api/providers/{id}', tags, summary: 'One LLM provider', request: { params: idParam }, responses: { 200: jsonOk(ProviderInfo) } }), async (c) =>
    c.json(await service.get(c.get('auth').workspaceId, c.req.valid('param').id), 200),
  );

  app.openapi(
    apiRoute({
      method: 'patch',
      path: '/api/providers/{id}',
      tags,
      summary: 'Change an LLM provider (send apiKey to rotate it; a new baseUrl needs the apiKey again)',
      request: { params: idParam, body: jsonBody(UpdateProviderBody) },
      responses: { 200: jsonOk(ProviderInfo) },
    }),
    async (c) => {
      const auth = c.get('auth');
      requireAdmin(auth);
      return c.json(await service.update(auth.workspaceId, c.req.valid('param').id, c.req.valid('json')), 200);
    },
  );

  app.openapi(apiRoute({ method: 'delete', path: '/api/providers/{id}', tags, summary: 'Remove an LLM provider', request: { params: idParam }, responses: { 200: jsonOk(ProviderInfo) } }), async (c) => {
    const auth = c.get('auth');
    requireAdmin(auth);
    return c.json(await service.remove(auth.workspaceId, c.req.valid('param').id), 200);
  });

  app.openapi(
    apiRoute({
      method: 'post',
      path: '/api/providers/{id}/test',
      tags,
      summary: 'Send a tiny prompt to the provider and report latency, tokens and cost (or the error)',
      request: { params: idParam, body: { ...jsonBody(TestProviderBody), required: false } },
      responses: { 200: jsonOk(ProviderTestResult) },
    }),
    async (c) => {
      const auth = c.get('auth');
      requireAdmin(auth);
      const body = (c.req.valid('json') as { model?: string } | undefined) ?? {};
      return c.json(await deps.test(auth.workspaceId, c.req.valid('param').id, body.model), 200);
    },
  );
}
