import { AppError } from '../errors';
import type { Clock } from '../clock';
import type { EnqueueOptions, JobCatalog, JobContext, JobDefinition, JobHandler } from './port';

/**
 * Rules both adapters share, so the embedded queue and BullMQ agree on defaults, validation, backoff and
 * what a timed-out or shut-down attempt means.
 */

export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 1000;
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_CONCURRENCY = 1;
/** Fraction of each backoff delay that is randomised; the same rule BullMQ applies with `backoff.jitter`. */
export const BACKOFF_JITTER = 0.2;

/** Completed jobs are kept for a while (API, debugging) and then pruned so storage stays bounded. */
export interface RetentionOptions {
  completedMaxAgeMs: number;
  completedKeep: number;
  failedMaxAgeMs: number;
  failedKeep: number;
}

export const DEFAULT_RETENTION: RetentionOptions = {
  completedMaxAgeMs: 24 * 3600_000,
  completedKeep: 1000,
  failedMaxAgeMs: 7 * 24 * 3600_000,
  failedKeep: 1000,
};

export interface ResolvedJob {
  payload: unknown;
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  delayMs: number;
  workspaceId: string | null;
  dedupeKey: string | null;
}

/** The catalog entry for a name, or a bad_request error: enqueueing an unknown job is a programming error. */
export function definitionOf(catalog: JobCatalog, name: string): JobDefinition {
  const def = Object.prototype.hasOwnProperty.call(catalog, name) ? catalog[name] : undefined;
  if (!def) throw new AppError('bad_request', `Unknown job "${name}"`);
  return def;
}

/**
 * Validates the payload with the catalog's schema and merges per-call options over the catalog's defaults.
 * Throws AppError('validation_failed') with the zod issues (never the payload itself, which may hold secrets).
 */
export function resolveJob(catalog: JobCatalog, name: string, payload: unknown, opts: EnqueueOptions = {}): ResolvedJob {
  const def = definitionOf(catalog, name);
  const parsed = def.payload.safeParse(payload);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    throw new AppError('validation_failed', `Invalid payload for job "${name}"`, { issues });
  }
  const attempts = opts.attempts ?? def.attempts ?? DEFAULT_ATTEMPTS;
  if (!Number.isInteger(attempts) || attempts < 1) throw new AppError('bad_request', 'attempts must be an integer >= 1');
  return {
    payload: parsed.data,
    attempts,
    backoffMs: Math.max(0, opts.backoffMs ?? def.backoffMs ?? DEFAULT_BACKOFF_MS),
    timeoutMs: Math.max(1, opts.timeoutMs ?? def.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    delayMs: Math.max(0, opts.delayMs ?? 0),
    workspaceId: opts.workspaceId ?? null,
    dedupeKey: opts.dedupeKey ?? null,
  };
}

/** Parallel handlers per process for a job name. */
export function concurrencyOf(catalog: JobCatalog, name: string): number {
  return Math.max(1, Math.floor(definitionOf(catalog, name).concurrency ?? DEFAULT_CONCURRENCY));
}

/**
 * Delay before the attempt after `failedAttempt` (1-based): base * 2^(n-1), minus up to 20% jitter so workers that
 * failed together (an upstream outage) do not retry in lockstep.
 */
export function backoffDelay(failedAttempt: number, baseMs: number, random: () => number = Math.random): number {
  const full = baseMs * 2 ** Math.max(0, failedAttempt - 1);
  return Math.floor(full * (1 - BACKOFF_JITTER) + random() * full * BACKOFF_JITTER);
}

/** Why an attempt's signal was aborted; handlers see it as `signal.reason`. */
export class JobTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Attempt timed out after ${timeoutMs} ms`);
    this.name = 'JobTimeoutError';
  }
}

export class JobShutdownError extends Error {
  constructor() {
    super('Worker shutting down');
    this.name = 'JobShutdownError';
  }
}

export type AttemptOutcome = { kind: 'ok' } | { kind: 'error'; message: string } | { kind: 'timeout'; message: string } | { kind: 'shutdown' };

/**
 * Runs one attempt of a handler. The attempt ends when the handler settles or when `controller` is aborted (by the
 * timeout timer here, or by a shutdown), whichever comes first: a handler that ignores its signal does not hold
 * the job (or shutdown) hostage, its late result is simply dropped.
 */
export async function runAttempt(
  handler: JobHandler<any>,
  payload: unknown,
  ctx: Omit<JobContext, 'signal'>,
  controller: AbortController,
  timeoutMs: number,
  clock: Clock,
): Promise<AttemptOutcome> {
  const timer = new AbortController();
  void clock.sleep(timeoutMs, timer.signal).then(() => {
    if (!timer.signal.aborted) controller.abort(new JobTimeoutError(timeoutMs));
  });
  const aborted = new Promise<void>((resolve) => {
    if (controller.signal.aborted) resolve();
    else controller.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  try {
    const run = Promise.resolve().then(() => handler(payload, { ...ctx, signal: controller.signal }));
    run.catch(() => undefined); // a rejection after abort has nobody left to observe it
    await Promise.race([run, aborted]);
    if (!controller.signal.aborted) return { kind: 'ok' };
  } catch (err) {
    if (!controller.signal.aborted) return { kind: 'error', message: errorMessage(err) };
  } finally {
    timer.abort();
  }
  const reason: unknown = controller.signal.reason;
  if (reason instanceof JobShutdownError) return { kind: 'shutdown' };
  return { kind: 'timeout', message: errorMessage(reason) };
}

/** A short, log-safe description of an error (message only: stacks and causes can echo payloads). */
export function errorMessage(err: unknown): string {
  const msg = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return msg.length > 2000 ? `${msg.slice(0, 2000)}…` : msg;
}
