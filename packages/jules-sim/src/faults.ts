import { z } from 'zod';
import { createRng, mixSeed, type Rng } from './rng.ts';
import { SimError, retryInfo } from './errors.ts';

/** Operation names, as used by fault rules, stats and the request log. */
export const OPS = [
  'sources.list', 'sources.get', 'sessions.create', 'sessions.get', 'sessions.list', 'sessions.approvePlan',
  'sessions.sendMessage', 'sessions.archive', 'sessions.unarchive', 'sessions.delete', 'activities.list',
  'activities.get',
] as const;
export type Op = (typeof OPS)[number];

const KINDS = ['429', '500', '503', '404', '401', '403', 'slow', 'malformed', 'truncated'] as const;
export type FaultKind = (typeof KINDS)[number];

const ruleSchema = z.strictObject({
  /** Operation(s) the rule applies to; omitted = every API operation. */
  op: z.union([z.enum(OPS), z.array(z.enum(OPS))]).optional(),
  /** Only requests about this session. */
  sessionId: z.string().optional(),
  kind: z.enum(KINDS),
  /** How many matching requests the rule hits (default 1); -1 = every one until the faults are replaced. */
  count: z.number().int().min(-1).optional(),
  retryAfterSeconds: z.number().min(0).optional(),
  /** 429/503: send the `Retry-After` header (default true) and a google.rpc.RetryInfo detail (default true). */
  retryAfterHeader: z.boolean().optional(),
  retryInfo: z.boolean().optional(),
  delayMs: z.number().min(0).optional(),
});

/** Per-minute request quota of each API key (the live API's per-project quotas answer 429 RESOURCE_EXHAUSTED). */
const minuteQuotaSchema = z.strictObject({
  /** API requests each key may make per sim-clock minute (a fixed window starting on the minute). */
  requests: z.number().int().min(0),
  /** Send `Retry-After` (seconds to the next minute) with the 429 (default true). */
  retryAfterHeader: z.boolean().optional(),
  /** Send google.rpc.RetryInfo in `error.details` (default true). */
  retryInfo: z.boolean().optional(),
});

/**
 * The live service under parallel load: when more than `maxInFlight` creates of one account are in flight at
 * once, each of them fails with probability `failRate` as 400 FAILED_PRECONDITION "Could not get source" (the
 * misleading error Jules answers instead of a 429). Optionally a create succeeds but its response is lost.
 */
const parallelCreatesSchema = z.strictObject({
  /** Creates in flight at once (per world) that the service takes without trouble (default 2). */
  maxInFlight: z.number().int().min(0).optional(),
  /** Probability that a create beyond `maxInFlight` fails with "Could not get source" (default 0.8). */
  failRate: z.number().min(0).max(1).optional(),
  /**
   * Probability that a create that was not failed succeeds on the service but its response is lost (default 0):
   * over HTTP the connection is dropped, in process it answers 504 DEADLINE_EXCEEDED. The session exists.
   */
  lostResponseRate: z.number().min(0).max(1).optional(),
  /** Lost responses only among creates beyond `maxInFlight` (default true); false = any create. */
  lostOnlyUnderLoad: z.boolean().optional(),
  /** Real milliseconds each create takes before it answers (default 0), so parallel HTTP creates overlap. */
  latencyMs: z.number().min(0).max(60_000).optional(),
});

/** The fault configuration accepted by POST /_sim/faults, the `faults` option and `--faults`. */
export const faultConfigSchema = z.strictObject({
  rules: z.array(ruleSchema).optional(),
  rates: z.strictObject({
    '429': z.number().min(0).max(1).optional(),
    '500': z.number().min(0).max(1).optional(),
    '503': z.number().min(0).max(1).optional(),
    slow: z.number().min(0).max(1).optional(),
    malformed: z.number().min(0).max(1).optional(),
    truncated: z.number().min(0).max(1).optional(),
  }).optional(),
  /** Operations the random rates apply to (default: all). */
  rateOps: z.array(z.enum(OPS)).optional(),
  slowMs: z.number().min(0).optional(),
  retryAfterSeconds: z.number().min(0).optional(),
  activities404AfterCreateMs: z.number().min(0).optional(),
  concurrencyLimit: z.number().int().min(0).optional(),
  concurrencyMode: z.enum(['429', 'queue']).optional(),
  dailyQuota: z.number().int().min(0).optional(),
  minuteQuota: minuteQuotaSchema.optional(),
  /** activities.list answers 400 INVALID_ARGUMENT (BadRequest on `filter`) to any filter, as an API that lacks it would. */
  rejectActivityFilter: z.boolean().optional(),
  /** New activities leave the session's `updateTime` unchanged (the live API sometimes does); state changes still move it. */
  freezeUpdateTime: z.boolean().optional(),
  /** Parallel-create failures like the live service's under load (see {@link parallelCreatesSchema}). */
  parallelCreates: parallelCreatesSchema.optional(),
});

export type FaultConfig = z.infer<typeof faultConfigSchema>;
export type FaultRule = z.infer<typeof ruleSchema>;
export type ParallelCreatesConfig = z.infer<typeof parallelCreatesSchema>;

/** What the parallel-create fault does to one create: fail it, lose its response, or nothing. */
export type ParallelOutcome = 'ok' | 'could-not-get-source' | 'response-lost';

/** The live service's error for a create under parallel load (it is not about the source at all). */
export function couldNotGetSource(): SimError {
  const e = new SimError('FAILED_PRECONDITION', 'Precondition check failed: Could not get source.');
  e.reason = 'parallel-create';
  return e;
}

/** What to do to one request. */
export interface FaultDecision {
  error?: SimError;
  delayMs?: number;
  corrupt?: 'malformed' | 'truncated';
}

/** How a 429/503 tells the client when to come back: the header, RetryInfo in `details`, both or neither. */
export interface RetryHint { seconds: number; header?: boolean; info?: boolean }

/** A 429 or 503 carrying the hint the way it is configured. */
export function retryableError(status: 'RESOURCE_EXHAUSTED' | 'UNAVAILABLE', message: string, hint: RetryHint): SimError {
  const headers: Record<string, string> = hint.header === false ? {} : { 'Retry-After': String(hint.seconds) };
  return new SimError(status, message, headers, hint.info === false ? [] : [retryInfo(hint.seconds)]);
}

function errorFor(kind: FaultKind, hint: RetryHint): SimError | undefined {
  switch (kind) {
    case '429':
      return retryableError('RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).', hint);
    case '500':
      return new SimError('INTERNAL', 'Internal error encountered.');
    case '503':
      return retryableError('UNAVAILABLE', 'The service is currently unavailable.', hint);
    case '404':
      return new SimError('NOT_FOUND', 'Requested entity was not found.');
    case '401':
      return new SimError('UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    case '403':
      return new SimError('PERMISSION_DENIED', 'The caller does not have permission.');
    default:
      return undefined;
  }
}

/** Holds the active fault configuration and decides, per request, which fault (if any) applies. */
export class FaultController {
  private cfg: FaultConfig = {};
  private remaining: number[] = [];
  private rng: Rng;
  /** A stream of its own, so switching the parallel-create fault on does not move the rates' draws. */
  private parallelRng: Rng;

  constructor(private readonly seed: number) {
    this.rng = createRng(mixSeed(seed, 0xfa17));
    this.parallelRng = createRng(mixSeed(seed, 0xc0de));
  }

  /**
   * Decides the parallel-create fault for one create, with `inFlight` creates of its world in flight (itself
   * included). Draws come from a seeded stream in the order creates reach this point, so a run replays.
   */
  parallelCreate(inFlight: number): ParallelOutcome {
    const p = this.cfg.parallelCreates;
    if (!p) return 'ok';
    const loaded = inFlight > (p.maxInFlight ?? 2);
    if (loaded && this.parallelRng.next() < (p.failRate ?? 0.8)) return 'could-not-get-source';
    const lost = p.lostResponseRate ?? 0;
    if (lost > 0 && (loaded || p.lostOnlyUnderLoad === false) && this.parallelRng.next() < lost) return 'response-lost';
    return 'ok';
  }

  /** Replaces the configuration (validated); rule counters start afresh. */
  set(config: unknown): FaultConfig {
    const r = faultConfigSchema.safeParse(config ?? {});
    if (!r.success) throw new SimError('INVALID_ARGUMENT', `invalid fault config: ${z.prettifyError(r.error)}`);
    this.cfg = r.data;
    this.remaining = (r.data.rules ?? []).map((x) => x.count ?? 1);
    this.rng = createRng(mixSeed(this.seed, 0xfa17));
    this.parallelRng = createRng(mixSeed(this.seed, 0xc0de));
    return this.get();
  }

  /** The configuration with each rule's remaining count. */
  get(): FaultConfig & { rules?: (FaultRule & { remaining: number })[] } {
    return { ...this.cfg, rules: this.cfg.rules?.map((x, i) => ({ ...x, remaining: this.remaining[i] })) };
  }

  get config(): FaultConfig {
    return this.cfg;
  }

  /** Decides the fault for one API request: the first matching rule wins; otherwise the seeded rates. */
  decide(op: Op, sessionId?: string): FaultDecision {
    const rules = this.cfg.rules ?? [];
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i];
      if (this.remaining[i] === 0) continue;
      const ops = r.op === undefined ? undefined : Array.isArray(r.op) ? r.op : [r.op];
      if (ops && !ops.includes(op)) continue;
      if (r.sessionId && r.sessionId !== sessionId) continue;
      if (this.remaining[i] > 0) this.remaining[i]--;
      return this.decision(r.kind, r, r.delayMs);
    }
    const rates = this.cfg.rates;
    if (!rates || (this.cfg.rateOps && !this.cfg.rateOps.includes(op))) return {};
    const out: FaultDecision = {};
    for (const kind of ['429', '500', '503'] as const) {
      if (rates[kind] && this.rng.next() < rates[kind]!) return this.decision(kind);
    }
    if (rates.slow && this.rng.next() < rates.slow) out.delayMs = this.cfg.slowMs ?? 2000;
    if (rates.malformed && this.rng.next() < rates.malformed) out.corrupt = 'malformed';
    else if (rates.truncated && this.rng.next() < rates.truncated) out.corrupt = 'truncated';
    return out;
  }

  private decision(kind: FaultKind, rule?: FaultRule, delayMs?: number): FaultDecision {
    if (kind === 'slow') return { delayMs: delayMs ?? this.cfg.slowMs ?? 2000 };
    if (kind === 'malformed' || kind === 'truncated') return { corrupt: kind };
    const seconds = rule?.retryAfterSeconds ?? this.cfg.retryAfterSeconds ?? 1;
    return { error: errorFor(kind, { seconds, header: rule?.retryAfterHeader, info: rule?.retryInfo }) };
  }
}

/** Corrupts a JSON body the way a broken proxy or a dropped connection would. */
export function corruptBody(body: string, how: 'malformed' | 'truncated'): string {
  if (how === 'truncated') return body.slice(0, Math.max(1, Math.floor(body.length / 2)));
  return '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>\n';
}
