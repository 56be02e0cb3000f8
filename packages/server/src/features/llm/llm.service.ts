import { randomUUID } from 'node:crypto';
import type { LlmOutcome, ProviderTestResult, UsageTask } from '@autopilot/contracts';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import type { EventBus } from '../../platform/events/bus';
import {
  BreakerOpen,
  classifyLlmError,
  costUsd,
  createResilience,
  estimateCostUsd,
  estimateInputTokens,
  priceFor,
  UpstreamInvalidOutput,
  type LlmUpstreamError,
  type ModelFactory,
  type ModelResult,
  type ResilienceOptions,
  type TargetRef,
} from '../../integrations/llm';
import type { ProvidersService, ResolvedProvider } from '../providers/providers.service';
import type { BudgetsService } from '../budgets/budgets.service';
import type { RoutingService } from '../routing/routing.service';
import { planRoute, resolveTarget, type PlannedTarget } from '../routing/routing.engine';
import type { LlmStore } from './llm.store';
import { LlmError } from './llm.errors';
import { createLlmInsights } from './llm.insights';
import { createLlmMetrics, type LlmMetrics } from './llm.metrics';
import type { Metrics } from '../../platform/metrics';
import { MAX_OUTPUT_TOKENS, TASK_OUTPUT_TOKENS, type LlmAttempt, type LlmObjectRequest, type LlmObjectResult, type LlmRequest, type LlmResult, type LlmTextResult } from './llm.types';

export interface LlmDeps {
  providers: Pick<ProvidersService, 'resolveEnabled' | 'resolveOne'>;
  budgets: Pick<BudgetsService, 'snapshot' | 'reserve' | 'settle'>;
  routing: Pick<RoutingService, 'rules'>;
  store: LlmStore;
  models: ModelFactory;
  resilience: ResilienceOptions;
  clock: Clock;
  log: Logger;
  bus?: EventBus;
  metrics?: Metrics;
}

type Target = PlannedTarget<ResolvedProvider>;
type Outcome = { kind: 'ok'; r: ModelResult; cost: number } | { kind: 'budget' } | { kind: 'failed'; err: LlmUpstreamError };

/** Keys must never leave the process: scrub them from any upstream message we keep or return. */
const scrub = (msg: string, key: string) => (key.length >= 4 ? msg.split(key).join('[redacted]') : msg);
const refOf = (t: Target): TargetRef => ({ workspaceId: t.provider.workspaceId, providerId: t.provider.id, provider: t.provider.name, kind: t.provider.kind, model: t.model });

/**
 * The LLM gateway: every model call of every feature goes through here. Per call: enabled providers -> routing
 * plan (rules, then defaults) -> for each target, skip open circuits, reserve the estimated cost, call under
 * bulkhead/retry/breaker/timeout, settle the real cost and record usage; fall back to the next target on
 * failure. Budget exhaustion follows the workspace policy (degrade to a cheaper target, or budget_exhausted).
 */
export function createLlmService(deps: LlmDeps) {
  const { providers, budgets, routing, store, models, clock, log } = deps;
  const m: LlmMetrics | undefined = deps.metrics ? createLlmMetrics(deps.metrics) : undefined;
  const resilience = createResilience(deps.resilience, {
    onStateChange(ref, state) {
      m?.breakerChanged(ref, state);
      if (state === 'half-open') return log.info({ provider: ref.provider, model: ref.model }, 'LLM circuit half-open: trying one call');
      if (state === 'open') log.warn({ provider: ref.provider, model: ref.model }, 'LLM circuit opened');
      else log.info({ provider: ref.provider, model: ref.model }, 'LLM circuit closed');
      const data = { providerId: ref.providerId, provider: ref.provider, kind: ref.kind, model: ref.model, state };
      deps.bus?.publish(state === 'open' ? 'breaker.opened' : 'breaker.closed', ref.workspaceId, data).catch((err) => log.warn({ err }, 'could not publish breaker event'));
    },
  });
  m?.watchBreakers(() => resilience.states());

  async function record(req: { workspaceId: string; task: UsageTask; persona?: string; sessionId?: string; apiKeyId?: string }, f: {
    target?: Target;
    inputTokens?: number;
    outputTokens?: number;
    cost?: number;
    latencyMs?: number;
    outcome: LlmOutcome;
    errorCode?: string;
    degraded?: boolean;
  }) {
    const at = clock.now();
    const p = f.target?.provider;
    await store.insertUsage({
      id: randomUUID(),
      workspace_id: req.workspaceId,
      at,
      day: new Date(at).toISOString().slice(0, 10),
      provider_id: p?.id ?? null,
      provider_name: p?.name ?? null,
      provider_kind: p?.kind ?? null,
      model: f.target?.model ?? null,
      task: req.task,
      persona: req.persona ?? null,
      session_id: req.sessionId ?? null,
      api_key_id: req.apiKeyId ?? null,
      input_tokens: f.inputTokens ?? 0,
      output_tokens: f.outputTokens ?? 0,
      cost_usd: f.cost ?? 0,
      latency_ms: Math.round(f.latencyMs ?? 0),
      outcome: f.outcome,
      error_code: f.errorCode ?? null,
      degraded: f.degraded ? 1 : 0,
    });
    if (p && f.target) m?.call(p.kind, f.target.model, req.task, f.outcome, f.inputTokens ?? 0, f.outputTokens ?? 0, f.cost ?? 0, (f.latencyMs ?? 0) / 1000);
  }

  /** One target: reserve, call (once more with a larger limit if a structured answer came back cut off or invalid), settle, record. */
  async function attempt(req: LlmRequest & { task: UsageTask }, t: Target, schema: LlmObjectRequest<unknown>['schema'] | undefined, limit: number, attempts: LlmAttempt[], degraded: boolean): Promise<Outcome & { spent: number }> {
    const price = priceFor(t.model, t.provider.pricing);
    // A structured call also sends the schema (and the SDK's instructions around it): allow for it.
    const inputEstimate = estimateInputTokens(req.system, req.prompt) + (schema ? 512 : 0);
    let maxOut = limit;
    let spent = 0;
    for (let pass = 0; ; pass++) {
      const reservation = await budgets.reserve(req.workspaceId, estimateCostUsd(inputEstimate, maxOut, price));
      if (!reservation) {
        attempts.push({ provider: t.provider.name, model: t.model, outcome: 'budget_exhausted' });
        return { kind: 'budget', spent };
      }
      const t0 = performance.now();
      try {
        const r = await resilience.run(refOf(t), t.provider.maxConcurrency, (signal) =>
          models.generate(t.provider, t.model, { system: req.system, prompt: req.prompt, maxOutputTokens: maxOut, temperature: req.temperature, schema, abortSignal: signal }),
        );
        const latencyMs = performance.now() - t0;
        const cost = costUsd(r, price);
        spent += cost;
        await budgets.settle(reservation, cost);
        await record(req, { target: t, inputTokens: r.inputTokens, outputTokens: r.outputTokens, cost, latencyMs, outcome: 'ok', degraded });
        attempts.push({ provider: t.provider.name, model: t.model, outcome: 'ok' });
        return { kind: 'ok', r, cost, spent };
      } catch (e) {
        const latencyMs = performance.now() - t0;
        const err = classifyLlmError(e);
        const used = err instanceof UpstreamInvalidOutput && err.usage ? err.usage : { inputTokens: 0, outputTokens: 0 };
        const cost = costUsd(used, price);
        spent += cost;
        await budgets.settle(reservation, cost);
        const message = scrub(err.message, t.provider.apiKey);
        if (err instanceof BreakerOpen) {
          attempts.push({ provider: t.provider.name, model: t.model, outcome: 'breaker_open' });
          return { kind: 'failed', err, spent };
        }
        const invalid = err instanceof UpstreamInvalidOutput;
        await record(req, { target: t, ...used, cost, latencyMs, outcome: invalid ? 'invalid_output' : 'error', errorCode: err.code, degraded });
        attempts.push({ provider: t.provider.name, model: t.model, outcome: invalid ? 'invalid_output' : 'error', code: err.code, message });
        log.warn({ provider: t.provider.name, model: t.model, task: req.task, code: err.code, status: err.status, error: message }, 'LLM attempt failed');
        if (invalid && schema && pass === 0 && maxOut < MAX_OUTPUT_TOKENS) {
          maxOut = Math.min(maxOut * 2, MAX_OUTPUT_TOKENS);
          continue;
        }
        return { kind: 'failed', err, spent };
      }
    }
  }

  async function run(req: LlmRequest, schema?: LlmObjectRequest<unknown>['schema']): Promise<LlmResult & { text: string; object?: unknown }> {
    const started = performance.now();
    const limits = TASK_OUTPUT_TOKENS[req.task];
    const limit = schema ? Math.max(req.maxOutputTokens ?? 0, limits.structured) : (req.maxOutputTokens ?? limits.text);
    const enabled = await providers.resolveEnabled(req.workspaceId);
    const refuse = async (reason: 'no_provider' | 'all_breakers_open' | 'budget_exhausted', message: string, details: Record<string, unknown> = {}) => {
      await record(req, { outcome: reason });
      return new LlmError(reason, message, details);
    };
    if (enabled.length === 0) throw await refuse('no_provider', 'No LLM provider is configured and enabled for this workspace');
    const rules = await routing.rules(req.workspaceId);
    // The budget is read up front only when a rule looks at it; the reservation below enforces it regardless.
    const needsBudget = rules.some((r) => r.enabled && (r.match.budgetLeftBelowPct !== undefined || r.match.budgetLeftAtLeastPct !== undefined));
    const plan = planRoute(rules, enabled, {
      task: req.task,
      persona: req.persona ?? null,
      budgetLeftPct: needsBudget ? (await budgets.snapshot(req.workspaceId)).percentLeft : 100,
      hourUtc: new Date(clock.now()).getUTCHours(),
    });
    if (plan.targets.length === 0) throw await refuse('no_provider', 'No routing target resolves to an enabled provider', { unresolved: plan.unresolved });

    const attempts: LlmAttempt[] = [];
    let spent = 0;
    let budgetHit = false;
    const finish = (t: Target, o: Extract<Outcome, { kind: 'ok' }>, degraded: boolean) => ({
      text: o.r.text,
      object: o.r.object,
      provider: { id: t.provider.id, name: t.provider.name, kind: t.provider.kind },
      model: t.model,
      usage: { inputTokens: o.r.inputTokens, outputTokens: o.r.outputTokens },
      costUsd: spent,
      latencyMs: Math.round((performance.now() - started) * 10) / 10,
      degraded,
      attempts,
    });

    for (const t of plan.targets) {
      if (resilience.isOpen(refOf(t))) {
        attempts.push({ provider: t.provider.name, model: t.model, outcome: 'breaker_open' });
        continue;
      }
      const o = await attempt(req, t, schema, limit, attempts, false);
      spent += o.spent;
      if (o.kind === 'ok') return finish(t, o, false);
      if (o.kind === 'budget') {
        budgetHit = true;
        break;
      }
    }

    if (budgetHit) {
      const budget = await budgets.snapshot(req.workspaceId);
      const d = budget.onExhausted === 'degrade' && budget.degradeTo ? resolveTarget(enabled, budget.degradeTo) : null;
      if (d && !resilience.isOpen(refOf(d))) {
        const o = await attempt(req, d, schema, limit, attempts, true);
        spent += o.spent;
        if (o.kind === 'ok') return finish(d, o, true);
        if (o.kind === 'failed') throw new LlmError('upstream_failed', `The budget fallback ${d.provider.name}/${d.model} failed`, { attempts });
      }
      throw await refuse('budget_exhausted', 'The LLM budget of this workspace is exhausted', { attempts, onExhausted: budget.onExhausted });
    }
    if (attempts.every((a) => a.outcome === 'breaker_open')) {
      throw await refuse('all_breakers_open', 'Every LLM target is unavailable (circuits open after repeated failures)', { attempts });
    }
    throw new LlmError('upstream_failed', 'Every LLM target failed', { attempts });
  }

  const insights = createLlmInsights({ providers, budgets, routing, store, resilience, clock });

  return {
    /** Generates text for a task. Throws LlmError (budget_exhausted | no_provider | all_breakers_open | upstream_failed). */
    async generateText(req: LlmRequest): Promise<LlmTextResult> {
      const { object: _ignored, ...r } = await run(req);
      return r;
    },

    /**
     * Generates an object validated against a zod schema, with a generous output limit per task; a truncated or
     * invalid answer is retried once with twice the limit before falling back to the next target.
     */
    async generateObject<T>(req: LlmObjectRequest<T>): Promise<LlmObjectResult<T>> {
      const { text: _text, object, ...r } = await run(req, req.schema);
      return { ...r, object: object as T };
    },

    /** A tiny prompt straight to one provider (no routing, retries or breaker), reported rather than thrown. */
    async testProvider(workspaceId: string, providerId: string, model?: string): Promise<ProviderTestResult> {
      const p = await providers.resolveOne(workspaceId, providerId);
      const t: Target = { provider: p, model: model ?? p.defaultModels.default, source: 'rule' };
      const req = { workspaceId, task: 'provider_test' as const, prompt: 'Reply with the single word OK.' };
      const price = priceFor(t.model, p.pricing);
      const reservation = await budgets.reserve(workspaceId, estimateCostUsd(estimateInputTokens(req.prompt), 16, price));
      if (!reservation) return { ok: false, model: t.model, latencyMs: 0, error: { code: 'budget_exhausted', message: 'The LLM budget of this workspace is exhausted' } };
      const t0 = performance.now();
      try {
        const r = await models.generate(p, t.model, { prompt: req.prompt, maxOutputTokens: 16, abortSignal: AbortSignal.timeout(deps.resilience.timeoutMs) });
        const latencyMs = Math.round(performance.now() - t0);
        const cost = costUsd(r, price);
        await budgets.settle(reservation, cost);
        await record(req, { target: t, inputTokens: r.inputTokens, outputTokens: r.outputTokens, cost, latencyMs, outcome: 'ok' });
        return { ok: true, model: t.model, latencyMs, text: r.text.slice(0, 200), inputTokens: r.inputTokens, outputTokens: r.outputTokens, costUsd: cost };
      } catch (e) {
        const latencyMs = Math.round(performance.now() - t0);
        const err = classifyLlmError(e);
        await budgets.settle(reservation, 0);
        await record(req, { target: t, latencyMs, outcome: 'error', errorCode: err.code });
        return { ok: false, model: t.model, latencyMs, error: { code: err.code, message: scrub(err.message, p.apiKey) } };
      }
    },

    simulate: insights.simulate,
    usage: insights.usage,
    calls: insights.calls,
    breakers: insights.breakers,
    healthComponents: insights.healthComponents,

    /** Drops cached breakers of a provider whose config changed or was deleted. */
    forgetProvider: (providerId: string) => resilience.forget(providerId),
  };
}
export type LlmService = ReturnType<typeof createLlmService>;
