import type { Clock } from '../../platform/clock';
import type { Config } from '../../platform/config';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Feature } from '../../platform/feature';
import type { Logger } from '../../platform/logger';
import type { Metrics } from '../../platform/metrics';
import type { Outbound } from '../../platform/outbound';
import { createModelFactory, type ModelFactory } from '../../integrations/llm';
import type { ProvidersService } from '../providers';
import type { BudgetsService } from '../budgets';
import type { RoutingService } from '../routing';
import { createLlmStore } from './llm.store';
import { createLlmService, type LlmService } from './llm.service';
import { registerLlmRoutes } from './llm.routes';

/** The gateway's public face for other features (e.g. the keeper's supervisor). */
export { createLlmService, type LlmService, type LlmDeps } from './llm.service';
export { LlmError, isLlmError, type LlmErrorReason } from './llm.errors';
export type { LlmRequest, LlmObjectRequest, LlmEmbedRequest, LlmResult, LlmTextResult, LlmObjectResult, LlmEmbedResult, LlmAttempt } from './llm.types';

export interface LlmFeatureDeps {
  db: Db;
  /** Resolves providers and tells the gateway when one changes (it then drops its breakers and clients). */
  providers: ProvidersService;
  budgets: BudgetsService;
  routing: RoutingService;
  /** Model calls leave through here (user-supplied base URLs guarded, the operator's trusted). */
  outbound: Pick<Outbound, 'fetch' | 'trusted'>;
  /** Replaces the model factory built on `outbound` (tests). */
  models?: ModelFactory;
  config: Pick<Config, 'LLM_TIMEOUT_MS' | 'LLM_RETRIES' | 'LLM_RETRY_BASE_MS' | 'LLM_BREAKER_THRESHOLD' | 'LLM_BREAKER_MIN_REQUESTS' | 'LLM_BREAKER_WINDOW_MS' | 'LLM_BREAKER_HALF_OPEN_MS'>;
  clock: Clock;
  log: Logger;
  bus?: EventBus;
  metrics?: Metrics;
}

/** The LLM gateway: every model call of every feature goes through its service. */
export function createLlmFeature(deps: LlmFeatureDeps): Feature<LlmService> {
  const { config } = deps;
  const service = createLlmService({
    providers: deps.providers,
    budgets: deps.budgets,
    routing: deps.routing,
    store: createLlmStore(deps.db),
    models: deps.models ?? createModelFactory({ fetch: deps.outbound.fetch, trustedFetch: deps.outbound.trusted.fetch }),
    resilience: {
      timeoutMs: config.LLM_TIMEOUT_MS,
      retries: config.LLM_RETRIES,
      retryBaseMs: config.LLM_RETRY_BASE_MS,
      retryMaxMs: Math.max(config.LLM_RETRY_BASE_MS * 16, 1),
      breaker: {
        threshold: config.LLM_BREAKER_THRESHOLD,
        minRequests: config.LLM_BREAKER_MIN_REQUESTS,
        windowMs: config.LLM_BREAKER_WINDOW_MS,
        halfOpenAfterMs: config.LLM_BREAKER_HALF_OPEN_MS,
      },
    },
    clock: deps.clock,
    log: deps.log,
    bus: deps.bus,
    metrics: deps.metrics,
  });
  deps.providers.onChanged((id) => service.forgetProvider(id));
  return { service, loops: [], routes: (app) => registerLlmRoutes(app, { service }) };
}
