import type { LlmTask, ProviderTestResult } from '@autopilot/contracts';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import type { EventBus } from '../../platform/events/bus';
import type { Metrics } from '../../platform/metrics';
import { classifyLlmError, costUsd, createResilience, estimateCostUsd, estimateInputTokens, priceFor, type ModelFactory, type ResilienceOptions } from '../../integrations/llm';
import type { ProvidersService } from '../providers';
import type { BudgetsService } from '../budgets';
import { planRoute, resolveTarget, type RoutingService } from '../routing';
import type { LlmStore } from './llm.store';
import { actorRef, currentActor } from '../../platform/actor';
import { LlmError } from './llm.errors';
import { createLlmInsights } from './llm.insights';
import { createLlmMetrics, type LlmMetrics } from './llm.metrics';
import { createAttempter, createInflight, refOf, scrub, type Attribution, type Job, type Produced, type Target } from './llm.attempt';
import {
  TASK_OUTPUT_TOKENS,
  type LlmAttempt,
  type LlmEmbedRequest,
  type LlmEmbedResult,
  type LlmObjectRequest,
  type LlmObjectResult,
  type LlmRequest,
  type LlmResult,
  type LlmTextResult,
} from './llm.types';

export interface LlmDeps {
  providers: Pick<ProvidersService, 'resolveEnabled' | 'resolveOne'>;
  /** `settleAndRecord` (optional) writes a call's settlement and usage row together. */
  budgets: Pick<BudgetsService, 'snapshot' | 'reserve' | 'settle'> & Partial<Pick<BudgetsService, 'settleAndRecord'>>;
  routing: Pick<RoutingService, 'rules'>;
  store: LlmStore;
  models: ModelFactory;
  resilience: ResilienceOptions;
  clock: Clock;
  log: Logger;
  bus?: EventBus;
  metrics?: Metrics;
}

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
      if (state === 'half-open') return log.info({ provider: ref.provider, model: ref.model }, 'LLM circuit half-open: trying one call');
      if (state === 'open') log.warn({ provider: ref.provider, model: ref.model }, 'LLM circuit opened');
      else log.info({ provider: ref.provider, model: ref.model }, 'LLM circuit closed');
      const data = { breaker: 'llm' as const, providerId: ref.providerId, provider: ref.provider, kind: ref.kind, model: ref.model, state: state === 'open' ? ('open' as const) : ('closed' as const) };
      deps.bus?.publish(state === 'open' ? 'breaker.opened' : 'breaker.closed', ref.workspaceId, data).catch((err) => log.warn({ err }, 'could not publish breaker event'));
    },
  });
  m?.watchBreakers(() => resilience.states());
  const inflight = createInflight();
  const { record, settleAndRecord, attempt } = createAttempter({ budgets, store, resilience, clock, log, metrics: m, inflight });

  /**
   * Routes one call over its targets. `accept` drops targets that cannot serve this kind of call (e.g. embeddings
   * on a vendor without them); `degrade` allows the budget's cheaper fallback target.
   */
  /**
   * The per-key LLM spend limit (issue #16): when the actor of this call has `limits.llmUsdPerMonth`, what it spent
   * this UTC month in the workspace (one indexed sum) must be below it. Null when the call may go ahead.
   */
  async function overActorLimit(workspaceId: string): Promise<{ message: string; details: Record<string, unknown> } | null> {
    const actor = currentActor();
    const limit = actor.limits?.llmUsdPerMonth;
    if (limit === undefined || limit === null) return null;
    const now = new Date(clock.now());
    const from = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const to = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    const spent = await store.spentBy(workspaceId, actorRef(actor), from, to);
    if (spent < limit) return null;
    const month = now.toISOString().slice(0, 7);
    return {
      message: `The monthly LLM limit of ${actor.kind === 'key' ? 'this key' : actor.name} (llmUsdPerMonth ${limit} USD) is spent: ${spent.toFixed(4)} USD in ${month}`,
      details: { limit: 'llmUsdPerMonth', limitUsd: limit, spentUsd: spent, month, actor: actorRef(actor) },
    };
  }

  async function run(a: Attribution & { task: LlmTask }, job: Job, opts: { accept?: (t: Target) => boolean; degrade?: boolean } = {}): Promise<LlmResult & { produced: Produced }> {
    const started = performance.now();
    const over = await overActorLimit(a.workspaceId);
    if (over) {
      await record(a, { outcome: 'budget_exhausted' });
      throw new LlmError('budget_exhausted', over.message, over.details);
    }
    const enabled = await providers.resolveEnabled(a.workspaceId);
    const refuse = async (reason: 'no_provider' | 'all_breakers_open' | 'budget_exhausted', message: string, details: Record<string, unknown> = {}) => {
      await record(a, { outcome: reason });
      return new LlmError(reason, message, details);
    };
    if (enabled.length === 0) throw await refuse('no_provider', 'No LLM provider is configured and enabled for this workspace');
    const rules = await routing.rules(a.workspaceId);
    // The budget is read up front only when a rule looks at it; the reservation below enforces it regardless.
    const needsBudget = rules.some((r) => r.enabled && (r.match.budgetLeftBelowPct !== undefined || r.match.budgetLeftAtLeastPct !== undefined));
    const plan = planRoute(rules, enabled, {
      task: a.task,
      persona: a.persona ?? null,
      budgetLeftPct: needsBudget ? (await budgets.snapshot(a.workspaceId)).percentLeft : 100,
      hourUtc: new Date(clock.now()).getUTCHours(),
    });
    const targets = opts.accept ? plan.targets.filter(opts.accept) : plan.targets;
    if (targets.length === 0) throw await refuse('no_provider', `No enabled provider can serve a ${a.task} call`, { unresolved: plan.unresolved });

    const attempts: LlmAttempt[] = [];
    let spent = 0;
    let budgetHit = false;
    const finish = (t: Target, produced: Produced, degraded: boolean) => ({
      produced,
      provider: { id: t.provider.id, name: t.provider.name, kind: t.provider.kind },
      model: t.model,
      usage: { inputTokens: produced.inputTokens, outputTokens: produced.outputTokens },
      costUsd: spent,
      latencyMs: Math.round((performance.now() - started) * 10) / 10,
      degraded,
      attempts,
    });

    for (const t of targets) {
      if (resilience.isOpen(refOf(t))) {
        attempts.push({ provider: t.provider.name, model: t.model, outcome: 'breaker_open' });
        continue;
      }
      const o = await attempt(a, t, job, attempts, false);
      spent += o.spent;
      if (o.kind === 'ok') return finish(t, o.r, false);
      if (o.kind === 'budget') {
        budgetHit = true;
        break;
      }
    }

    if (budgetHit) {
      const budget = await budgets.snapshot(a.workspaceId);
      const d = opts.degrade !== false && budget.onExhausted === 'degrade' && budget.degradeTo ? resolveTarget(enabled, budget.degradeTo) : null;
      if (d && !resilience.isOpen(refOf(d))) {
        const o = await attempt(a, d, job, attempts, true);
        spent += o.spent;
        if (o.kind === 'ok') return finish(d, o.r, true);
        if (o.kind === 'failed') throw new LlmError('upstream_failed', `The budget fallback ${d.provider.name}/${d.model} failed`, { attempts });
      }
      throw await refuse('budget_exhausted', 'The LLM budget of this workspace is exhausted', { attempts, onExhausted: budget.onExhausted });
    }
    if (attempts.every((x) => x.outcome === 'breaker_open')) {
      throw await refuse('all_breakers_open', 'Every LLM target is unavailable (circuits open after repeated failures)', { attempts });
    }
    throw new LlmError('upstream_failed', 'Every LLM target failed', { attempts });
  }

  const insights = createLlmInsights({ providers, budgets, routing, store, resilience, clock });

  return {
    /** Generates text for a task. Throws LlmError (budget_exhausted | no_provider | all_breakers_open | upstream_failed). */
    async generateText(req: LlmRequest): Promise<LlmTextResult> {
      const job: Job = {
        inputEstimate: estimateInputTokens(req.system, req.prompt),
        limit: req.maxOutputTokens ?? TASK_OUTPUT_TOKENS[req.task].text,
        grows: false,
        call: (t, maxOutputTokens, abortSignal) =>
          models.generate(t.provider, t.model, { system: req.system, prompt: req.prompt, maxOutputTokens, temperature: req.temperature, abortSignal }),
      };
      const { produced, ...r } = await run(req, job);
      return { ...r, text: produced.text ?? '' };
    },

    /**
     * Generates an object validated against a zod schema, with a generous output limit per task; a truncated or
     * invalid answer is retried once with twice the limit before falling back to the next target.
     */
    async generateObject<T>(req: LlmObjectRequest<T>): Promise<LlmObjectResult<T>> {
      const job: Job = {
        // A structured call also sends the schema (and the SDK's instructions around it): allow for it.
        inputEstimate: estimateInputTokens(req.system, req.prompt) + 512,
        limit: Math.max(req.maxOutputTokens ?? 0, TASK_OUTPUT_TOKENS[req.task].structured),
        grows: true,
        call: (t, maxOutputTokens, abortSignal) =>
          models.generate(t.provider, t.model, { system: req.system, prompt: req.prompt, maxOutputTokens, temperature: req.temperature, schema: req.schema, abortSignal }),
      };
      const { produced, ...r } = await run(req, job);
      return { ...r, object: produced.object as T };
    },

    /**
     * Embeds texts (task `embed`) with the first provider that has an embeddings API and an embedding model
     * (`defaultModels.embed`, or a routing rule's model). Same budgets, breakers, fallback and usage recording.
     */
    async embed(req: LlmEmbedRequest): Promise<LlmEmbedResult> {
      const job: Job = {
        inputEstimate: estimateInputTokens(...req.values),
        limit: 0,
        grows: false,
        call: async (t, _max, abortSignal) => {
          const e = await models.embed(t.provider, t.model, req.values, abortSignal);
          return { inputTokens: e.inputTokens, outputTokens: 0, embeddings: e.embeddings };
        },
      };
      const accept = (t: Target) => t.provider.kind !== 'anthropic' && (t.source === 'rule' || Boolean(t.provider.defaultModels.embed));
      const { produced, ...r } = await run({ ...req, task: 'embed' }, job, { accept, degrade: false });
      return { ...r, embeddings: produced.embeddings ?? [] };
    },

    /** A tiny prompt straight to one provider (no routing, retries or breaker), reported rather than thrown. */
    async testProvider(workspaceId: string, providerId: string, model?: string): Promise<ProviderTestResult> {
      const p = await providers.resolveOne(workspaceId, providerId);
      const t: Target = { provider: p, model: model ?? p.defaultModels.default, source: 'rule' };
      const req = { workspaceId, task: 'provider_test' as const, prompt: 'Reply with the single word OK.' };
      const price = priceFor(t.model, p.pricing);
      const reservation = await budgets.reserve(workspaceId, estimateCostUsd(estimateInputTokens(req.prompt), 16, price));
      if (!reservation) return { ok: false, model: t.model, latencyMs: 0, error: { code: 'budget_exhausted', message: 'The LLM budget of this workspace is exhausted' } };
      // Tracked until settled, so drain (shutdown) waits for the release too.
      return inflight.track(
        (async (): Promise<ProviderTestResult> => {
          const t0 = performance.now();
          let r: Awaited<ReturnType<typeof models.generate>>;
          try {
            const abortSignal = AbortSignal.any([AbortSignal.timeout(deps.resilience.timeoutMs), inflight.signal]);
            r = await models.generate(p, t.model, { prompt: req.prompt, maxOutputTokens: 16, abortSignal });
          } catch (e) {
            const latencyMs = Math.round(performance.now() - t0);
            const err = classifyLlmError(e);
            await settleAndRecord(reservation, 0, req, { target: t, latencyMs, outcome: 'error', errorCode: err.code });
            return { ok: false, model: t.model, latencyMs, error: { code: err.code, message: scrub(err.message, p.apiKey) } };
          }
          // Settled outside the try: a failure while recording must not settle (and book) the call twice.
          const latencyMs = Math.round(performance.now() - t0);
          const cost = costUsd(r, price);
          await settleAndRecord(reservation, cost, req, { target: t, inputTokens: r.inputTokens, outputTokens: r.outputTokens, cost, latencyMs, outcome: 'ok' });
          return { ok: true, model: t.model, latencyMs, text: r.text.slice(0, 200), inputTokens: r.inputTokens, outputTokens: r.outputTokens, costUsd: cost };
        })(),
      );
    },

    /**
     * Shutdown: lets upstream calls in flight finish until `deadlineMs` (epoch ms), then aborts the rest; every
     * call settles or releases its budget reservation before this resolves. Calls after it fail at once.
     */
    drain: (deadlineMs: number) => inflight.drain(deadlineMs),

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
