import { routes, type LlmCallOutcomeFilter, type UsageGroupBy, type UsageTask } from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.llm;

/** The LLM gateway: usage reports, recorded calls and circuit breakers. */
export function llmApi(t: Transport) {
  const endpoint = endpoints(t);
  return {
    /** Calls, tokens and cost, grouped by the given dimensions (default: by day over the last 30 days). */
    usage: endpoint(r.usage, (call) => (q: { from?: string; to?: string; groupBy?: readonly UsageGroupBy[] } = {}, signal?: AbortSignal) =>
      call({ query: { from: q.from, to: q.to, groupBy: q.groupBy?.join(',') }, signal }),
    ),
    /** Recorded calls newest first; `outcome: 'failed'` = every outcome but ok; `errorCode` e.g. rate_limited. */
    calls: endpoint(
      r.calls,
      (call) =>
        (q: { limit?: number; cursor?: string; task?: UsageTask; outcome?: LlmCallOutcomeFilter; errorCode?: string; sessionId?: string } = {}, signal?: AbortSignal) =>
          call({ query: q, signal }),
    ),
    breakers: endpoint(r.breakers, (call) => (signal?: AbortSignal) => call({ signal })),
  };
}
