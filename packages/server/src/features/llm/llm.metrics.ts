import type { Metrics } from '../../platform/metrics';
import type { BreakerStateName, TargetRef } from '../../integrations/llm';

const stateValue: Record<BreakerStateName, number> = { closed: 0, 'half-open': 1, open: 2, isolated: 3 };

/** Prometheus series of the gateway: calls, tokens, cost, latency, and one gauge per circuit breaker. */
export function createLlmMetrics(metrics: Metrics) {
  const calls = metrics.counter('autopilot_llm_calls_total', 'LLM upstream attempts by provider kind, model, task and outcome', ['provider', 'model', 'task', 'outcome']);
  const tokens = metrics.counter('autopilot_llm_tokens_total', 'LLM tokens by provider kind, model and direction', ['provider', 'model', 'direction']);
  const cost = metrics.counter('autopilot_llm_cost_usd_total', 'LLM cost in USD by provider kind and model', ['provider', 'model']);
  const latency = metrics.histogram('autopilot_llm_latency_seconds', 'LLM upstream latency by provider kind and model', ['provider', 'model'], [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);
  let source: () => Array<TargetRef & { state: BreakerStateName }> = () => [];
  // Labelled by provider id (opaque; /api/providers maps it to a name), kind and model: /metrics is unauthenticated.
  metrics.gauge('autopilot_llm_breaker_state', 'Circuit breaker per provider config and model: 0 closed, 1 half-open, 2 open, 3 isolated', ['provider_id', 'kind', 'model'], (g) => {
    g.reset();
    for (const b of source()) g.set({ provider_id: b.providerId, kind: b.kind, model: b.model }, stateValue[b.state]);
  });
  return {
    call(provider: string, model: string, task: string, outcome: string, input: number, output: number, usd: number, seconds: number) {
      calls.inc({ provider, model, task, outcome });
      if (input) tokens.inc({ provider, model, direction: 'input' }, input);
      if (output) tokens.inc({ provider, model, direction: 'output' }, output);
      if (usd) cost.inc({ provider, model }, usd);
      if (outcome === 'ok') latency.observe({ provider, model }, seconds);
    },
    watchBreakers(fn: () => Array<TargetRef & { state: BreakerStateName }>) {
      source = fn;
    },
  };
}
export type LlmMetrics = ReturnType<typeof createLlmMetrics>;
