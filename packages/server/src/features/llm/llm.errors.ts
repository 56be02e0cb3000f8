import { AppError } from '../../platform/errors';

/** Why the gateway could not produce an answer; callers fall back (e.g. to templates) by reason. */
export type LlmErrorReason = 'budget_exhausted' | 'no_provider' | 'all_breakers_open' | 'upstream_failed';

const codeOf = {
  budget_exhausted: 'budget_exhausted',
  no_provider: 'upstream_unavailable',
  all_breakers_open: 'upstream_unavailable',
  upstream_failed: 'upstream_error',
} as const;

/**
 * A typed gateway failure. `reason` is the precise cause; `code` the API error code it maps to
 * (budget_exhausted -> 402, no_provider / all_breakers_open -> 503, upstream_failed -> 502).
 */
export class LlmError extends AppError {
  constructor(
    readonly reason: LlmErrorReason,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(codeOf[reason], message, { reason, ...details });
    this.name = 'LlmError';
  }
}

/** True when `err` is an LlmError (of one of the given reasons, if any). */
export function isLlmError(err: unknown, ...reasons: LlmErrorReason[]): err is LlmError {
  return err instanceof LlmError && (reasons.length === 0 || reasons.includes(err.reason));
}
