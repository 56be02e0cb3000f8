import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { LlmOutcome, UsageTask } from '@autopilot/contracts';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import { actorRef, currentActor } from '../../platform/actor';
import {
  BreakerOpen,
  classifyLlmError,
  costUsd,
  estimateCostUsd,
  priceFor,
  UpstreamInvalidOutput,
  type LlmUpstreamError,
  type Resilience,
  type TargetRef,
} from '../../integrations/llm';
import type { ResolvedProvider } from '../providers';
import type { BudgetsService, Reservation } from '../budgets';
import type { LlmUsageTable } from '../../platform/db/schema';
import type { PlannedTarget } from '../routing';
import type { LlmStore } from './llm.store';
import type { LlmMetrics } from './llm.metrics';
import { MAX_OUTPUT_TOKENS, type LlmAttempt } from './llm.types';

export type Target = PlannedTarget<ResolvedProvider>;

/** What a call produced upstream; tokens as the provider reported them. */
export interface Produced {
  inputTokens: number;
  outputTokens: number;
  text?: string;
  object?: unknown;
  embeddings?: number[][];
}

/** One kind of gateway call (text, object, embeddings): how to estimate it and how to make it against a target. */
export interface Job {
  inputEstimate: number;
  /** Output allowance reserved for (0 for embeddings). */
  limit: number;
  /** Structured output: an invalid or truncated answer is retried once with twice the limit. */
  grows: boolean;
  call(t: Target, maxOutputTokens: number, signal: AbortSignal): Promise<Produced>;
}

/** Who a call is for; ends up in the usage rows. */
export interface Attribution {
  workspaceId: string;
  task: UsageTask;
  persona?: string;
  sessionId?: string;
  apiKeyId?: string;
}

export type Outcome = ({ kind: 'ok'; r: Produced } | { kind: 'budget' } | { kind: 'failed'; err: LlmUpstreamError }) & { spent: number };

/** Keys must never leave the process: scrub them from any upstream message we keep or return. */
export const scrub = (msg: string, key: string) => (key.length >= 4 ? msg.split(key).join('[redacted]') : msg);
export const refOf = (t: Target): TargetRef => ({ workspaceId: t.provider.workspaceId, providerId: t.provider.id, provider: t.provider.name, kind: t.provider.kind, model: t.model });

export interface AttemptDeps {
  /** With `settleAndRecord`, a call's settlement and usage row are written together (one commit on SQLite). */
  budgets: Pick<BudgetsService, 'reserve' | 'settle'> & Partial<Pick<BudgetsService, 'settleAndRecord'>>;
  store: LlmStore;
  resilience: Resilience;
  clock: Clock;
  log: Logger;
  metrics?: LlmMetrics;
  /** Upstream calls in flight, aborted together at shutdown (see createInflight). */
  inflight: Inflight;
}

/** Upstream calls in flight: counted so shutdown can wait for them, and aborted together when it cannot wait longer. */
export interface Inflight {
  readonly signal: AbortSignal;
  track<T>(p: Promise<T>): Promise<T>;
  /** Waits until no call is in flight or `deadlineMs` (epoch ms) passes, then aborts the rest and waits for them to end. */
  drain(deadlineMs: number): Promise<{ aborted: number }>;
}

/** The gateway's in-flight registry (one per gateway). */
export function createInflight(): Inflight {
  const ac = new AbortController();
  // Every call in flight listens on this one shutdown signal (resilience.run): many listeners are the design, not
  // a leak, so no MaxListenersExceededWarning past 10 concurrent calls.
  setMaxListeners(0, ac.signal);
  const open = new Set<Promise<unknown>>();
  return {
    signal: ac.signal,
    track(p) {
      const settled = p.then(() => undefined, () => undefined);
      open.add(settled);
      void settled.then(() => open.delete(settled));
      return p;
    },
    async drain(deadlineMs) {
      while (open.size > 0 && Date.now() < deadlineMs) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([Promise.all(open), new Promise((r) => (timer = setTimeout(r, Math.max(0, deadlineMs - Date.now()))))]);
        clearTimeout(timer);
      }
      const aborted = open.size;
      // Past the deadline: abort what is left so each call settles (releases) its reservation before the db closes.
      ac.abort(new Error('shutting down'));
      await Promise.all(open);
      return { aborted };
    },
  };
}

/** Usage recording and the per-target step of the gateway: reserve, call under the policies, settle, record. */
export function createAttempter(deps: AttemptDeps) {
  const { budgets, store, resilience, clock, log, inflight } = deps;

  type Recorded = { target?: Target; inputTokens?: number; outputTokens?: number; cost?: number; latencyMs?: number; outcome: LlmOutcome; errorCode?: string; degraded?: boolean };

  function usageRow(a: Attribution, f: Recorded): LlmUsageTable {
    const at = clock.now();
    const p = f.target?.provider;
    const actor = currentActor();
    return {
      id: randomUUID(),
      workspace_id: a.workspaceId,
      at,
      day: new Date(at).toISOString().slice(0, 10),
      provider_id: p?.id ?? null,
      provider_name: p?.name ?? null,
      provider_kind: p?.kind ?? null,
      model: f.target?.model ?? null,
      task: a.task,
      persona: a.persona ?? null,
      session_id: a.sessionId ?? null,
      api_key_id: a.apiKeyId ?? null,
      input_tokens: f.inputTokens ?? 0,
      output_tokens: f.outputTokens ?? 0,
      cost_usd: f.cost ?? 0,
      latency_ms: Math.round(f.latencyMs ?? 0),
      outcome: f.outcome,
      error_code: f.errorCode ?? null,
      degraded: f.degraded ? 1 : 0,
      // Whether cost_usd is at a known price or the fallback (an estimate); null without a model (refused calls).
      price_known: f.target ? (priceFor(f.target.model, f.target.provider.pricing).known ? 1 : 0) : null,
      // Who caused the call (issue #16): the actor of the work running now (request, keeper, schedule, ...).
      actor: actorRef(actor),
      actor_name: actor.name,
    };
  }

  const observe = (a: Attribution, f: Recorded) => {
    const p = f.target?.provider;
    if (p && f.target) deps.metrics?.call(p.kind, f.target.model, a.task, f.outcome, f.inputTokens ?? 0, f.outputTokens ?? 0, f.cost ?? 0, (f.latencyMs ?? 0) / 1000);
  };

  /** Writes one usage row (a call that reserved nothing: refused, or settled separately). */
  async function record(a: Attribution, f: Recorded) {
    await store.insertUsage(usageRow(a, f));
    observe(a, f);
  }

  /** Settles a reservation and records the call: together when the budgets service can, else one after the other. */
  async function settleAndRecord(reservation: Reservation, cost: number, a: Attribution, f: Recorded) {
    if (budgets.settleAndRecord) {
      await budgets.settleAndRecord(reservation, cost, usageRow(a, f));
      observe(a, f);
      return;
    }
    await budgets.settle(reservation, cost);
    await record(a, f);
  }

  /** One target: reserve, call (once more with a larger limit if a structured answer came back cut off or invalid), settle, record. */
  async function attempt(a: Attribution, t: Target, job: Job, attempts: LlmAttempt[], degraded: boolean): Promise<Outcome> {
    const price = priceFor(t.model, t.provider.pricing);
    const note = (outcome: LlmAttempt['outcome'], extra: Partial<LlmAttempt> = {}) => attempts.push({ provider: t.provider.name, model: t.model, outcome, ...extra });
    let maxOut = job.limit;
    let spent = 0;
    for (let pass = 0; ; pass++) {
      const reservation = await budgets.reserve(a.workspaceId, estimateCostUsd(job.inputEstimate, maxOut, price));
      if (!reservation) {
        note('budget_exhausted');
        return { kind: 'budget', spent };
      }
      // Tracked from the call to its settlement: drain (shutdown) waits until the reservation is released, not
      // just until the upstream call ended.
      const o = await inflight.track(runPass(reservation, pass));
      if (o !== 'again') return o;
    }

    /** One pass against the target with its reservation: call, settle exactly once, record; 'again' = retry larger. */
    async function runPass(reservation: Reservation, pass: number): Promise<Outcome | 'again'> {
      const t0 = performance.now();
      // The call is awaited on its own so the reservation is settled exactly once below, whatever fails after it.
      let r: Produced;
      try {
        r = await resilience.run(refOf(t), t.provider.maxConcurrency, (signal) => job.call(t, maxOut, signal), inflight.signal);
      } catch (e) {
        const latencyMs = performance.now() - t0;
        const err = classifyLlmError(e);
        const used = err instanceof UpstreamInvalidOutput && err.usage ? err.usage : { inputTokens: 0, outputTokens: 0 };
        const cost = costUsd(used, price);
        spent += cost;
        if (err instanceof BreakerOpen) {
          await budgets.settle(reservation, cost);
          note('breaker_open');
          return { kind: 'failed', err, spent };
        }
        const message = scrub(err.message, t.provider.apiKey);
        const invalid = err instanceof UpstreamInvalidOutput;
        await settleAndRecord(reservation, cost, a, { target: t, ...used, cost, latencyMs, outcome: invalid ? 'invalid_output' : 'error', errorCode: err.code, degraded });
        note(invalid ? 'invalid_output' : 'error', { code: err.code, message });
        log.warn({ provider: t.provider.name, model: t.model, task: a.task, code: err.code, status: err.status, error: message }, 'LLM attempt failed');
        if (invalid && job.grows && pass === 0 && maxOut < MAX_OUTPUT_TOKENS && !inflight.signal.aborted) {
          maxOut = Math.min(maxOut * 2, MAX_OUTPUT_TOKENS);
          return 'again';
        }
        return { kind: 'failed', err, spent };
      }
      const latencyMs = performance.now() - t0;
      const cost = costUsd(r, price);
      spent += cost;
      await settleAndRecord(reservation, cost, a, { target: t, inputTokens: r.inputTokens, outputTokens: r.outputTokens, cost, latencyMs, outcome: 'ok', degraded });
      note('ok');
      return { kind: 'ok', r, spent };
    }
  }

  return { record, settleAndRecord, attempt };
}
