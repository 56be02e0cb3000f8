import type { LlmOutcome } from '@autopilot/contracts';

/*
 * Why a recorded call failed, in the user's words: what happened and what to do about it. The Costs page's
 * error drill-down shows these next to each call (and the CLI can print them); the codes stay for filtering.
 */

const BY_OUTCOME: Record<Exclude<LlmOutcome, 'ok' | 'error'>, string> = {
  no_provider: 'No LLM provider is configured for this task: add one on Providers (or enable one, or check the routing rule’s targets).',
  all_breakers_open: 'Every provider for this task had failed repeatedly and was paused (circuit open): calls resume after the recovery window.',
  budget_exhausted: 'The LLM budget was used up: raise the daily or monthly limit on Costs, or wait for the next window.',
  invalid_output: 'The model answered, but not in the shape asked for (the answer was refused and the call retried once with more room).',
};

const BY_CODE: Record<string, string> = {
  network: 'The provider could not be reached (network error): check its base URL and that the server can reach it.',
  timeout: 'The provider did not answer in time: it may be overloaded, or the timeout too short for this model.',
  concurrency_limit: 'Too many calls were queued for this provider at once: raise its concurrency on Providers, or lower the load.',
  rate_limited: 'The provider refused the call for its rate limit (HTTP 429): calls back off; a higher tier or another provider helps.',
  auth: 'The provider refused the API key (HTTP 401/403): update the key on Providers.',
  breaker_open: 'This provider and model had failed repeatedly and was paused (circuit open) when the call came.',
  invalid_output: 'The model answered, but not in the shape asked for.',
  truncated_output: 'The model’s answer was cut off at the output limit, so it could not be used.',
};

/** The plain-words reason of a call's outcome and error code; null for a successful call. */
export function explainCall(outcome: LlmOutcome, errorCode: string | null): string | null {
  if (outcome === 'ok') return null;
  if (errorCode && BY_CODE[errorCode]) return BY_CODE[errorCode];
  const http = errorCode ? /^http_(\d{3})$/.exec(errorCode) : null;
  if (http) {
    const status = Number(http[1]);
    if (status >= 500 || status === 408) return `The provider failed on its side (HTTP ${status}): usually temporary; calls fall back to the next target.`;
    if (status === 404) return 'The provider does not know this model (HTTP 404): check the model name on Providers or in the routing rule.';
    return `The provider refused the request (HTTP ${status}): check the model name and the provider’s settings.`;
  }
  if (outcome !== 'error') return BY_OUTCOME[outcome];
  return errorCode ? `The call failed (${errorCode}).` : 'The call failed.';
}
