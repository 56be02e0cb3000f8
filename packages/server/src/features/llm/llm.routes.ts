import { BreakerList, LlmCallPage, LlmCallsQuery, UsageQuery, UsageReport } from '@autopilot/contracts';
import { apiRoute, jsonOk } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { LlmService } from './llm.service';

const tags = ['llm'];

/** /api/llm: usage reports and circuit breaker states of the gateway. */
export function registerLlmRoutes(app: ApiApp, deps: { service: LlmService }) {
  app.openapi(
    apiRoute({
      method: 'get',
      path: '/api/llm/usage',
      tags,
      summary: 'LLM calls, tokens and cost aggregated by day, provider, model, task and/or API key',
      request: { query: UsageQuery },
      responses: { 200: jsonOk(UsageReport) },
    }),
    async (c) => c.json(await deps.service.usage(c.get('auth').workspaceId, c.req.valid('query')), 200),
  );
  app.openapi(
    apiRoute({
      method: 'get',
      path: '/api/llm/calls',
      tags,
      summary: 'Recorded LLM calls, newest first (filter by task, outcome, session)',
      request: { query: LlmCallsQuery },
      responses: { 200: jsonOk(LlmCallPage) },
    }),
    async (c) => c.json(await deps.service.calls(c.get('auth').workspaceId, c.req.valid('query')), 200),
  );
  app.openapi(
    apiRoute({ method: 'get', path: '/api/llm/breakers', tags, summary: 'Circuit breaker state per provider and model', responses: { 200: jsonOk(BreakerList) } }),
    (c) => c.json({ items: deps.service.breakers(c.get('auth').workspaceId) }, 200),
  );
}
