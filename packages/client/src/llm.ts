import {
  BreakerList,
  BudgetStatus,
  LlmCallPage,
  ProviderInfo,
  ProviderList,
  ProviderTestResult,
  UsageReport,
  type CreateProviderBody,
  type PutBudgetBody,
  type UpdateProviderBody,
  type UsageGroupBy,
} from '@autopilot/contracts';
import type { Transport } from './http';

const enc = encodeURIComponent;

/** LLM providers (keys write-only), budgets, usage reports, recorded calls and circuit breakers. */
export function llmApi(t: Transport) {
  const { request } = t;
  return {
    providers: {
      list: (signal?: AbortSignal) => request({ method: 'GET', path: '/api/providers', schema: ProviderList, signal }),
      get: (id: string) => request({ method: 'GET', path: `/api/providers/${enc(id)}`, schema: ProviderInfo }),
      create: (body: Partial<CreateProviderBody> & Pick<CreateProviderBody, 'kind' | 'name' | 'apiKey' | 'defaultModels'>) =>
        request({ method: 'POST', path: '/api/providers', body, schema: ProviderInfo }),
      update: (id: string, body: UpdateProviderBody) => request({ method: 'PATCH', path: `/api/providers/${enc(id)}`, body, schema: ProviderInfo }),
      remove: (id: string) => request({ method: 'DELETE', path: `/api/providers/${enc(id)}`, schema: ProviderInfo }),
      /** Sends a tiny prompt through the provider; failures come back as `ok: false` with the error, not thrown. */
      test: (id: string, model?: string) => request({ method: 'POST', path: `/api/providers/${enc(id)}/test`, body: model ? { model } : {}, schema: ProviderTestResult }),
    },
    budgets: {
      get: (signal?: AbortSignal) => request({ method: 'GET', path: '/api/budgets', schema: BudgetStatus, signal }),
      put: (body: Partial<PutBudgetBody>) => request({ method: 'PUT', path: '/api/budgets', body, schema: BudgetStatus }),
    },
    /** Calls, tokens and cost, grouped by the given dimensions (default: by day over the last 30 days). */
    usage: (q: { from?: string; to?: string; groupBy?: readonly UsageGroupBy[] } = {}, signal?: AbortSignal) =>
      request({ method: 'GET', path: '/api/llm/usage', query: { from: q.from, to: q.to, groupBy: q.groupBy?.join(',') }, schema: UsageReport, signal }),
    calls: (q: { limit?: number; cursor?: string; task?: string; outcome?: string; sessionId?: string } = {}, signal?: AbortSignal) =>
      request({ method: 'GET', path: '/api/llm/calls', query: q, schema: LlmCallPage, signal }),
    breakers: (signal?: AbortSignal) => request({ method: 'GET', path: '/api/llm/breakers', schema: BreakerList, signal }),
  };
}
