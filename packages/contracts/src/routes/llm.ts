import { BreakerList, LlmCallPage, LlmCallsQuery, UsageQuery, UsageReport } from '../llm';
import { declareRoutes, jsonOk } from './define';

const tags = ['llm'];

/** /api/llm: usage reports, recorded calls and circuit breaker states of the gateway. */
export const llm = declareRoutes({
  usage: {
    method: 'get',
    path: '/api/llm/usage',
    tags,
    summary: 'LLM calls, tokens and cost aggregated by day, provider, model, task and/or API key',
    request: { query: UsageQuery },
    responses: { 200: jsonOk(UsageReport) },
  },
  calls: {
    method: 'get',
    path: '/api/llm/calls',
    tags,
    summary: 'Recorded LLM calls, newest first (filter by task, outcome, session)',
    request: { query: LlmCallsQuery },
    responses: { 200: jsonOk(LlmCallPage) },
  },
  breakers: { method: 'get', path: '/api/llm/breakers', tags, summary: 'Circuit breaker state per provider and model', responses: { 200: jsonOk(BreakerList) } },
});
