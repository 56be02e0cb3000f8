import { describe, expect, it } from 'vitest';
import { APICallError } from 'ai';
import { TaskCancelledError } from 'cockatiel';
import { costUsd, FALLBACK_PRICE, priceFor } from './pricing';
import { classifyLlmError, UpstreamAuth, UpstreamBadRequest, UpstreamRateLimited, UpstreamUnavailable } from './errors';

describe('pricing', () => {
  it('finds exact ids, dated/versioned ids by longest prefix, and overrides first', () => {
    expect(priceFor('gpt-4.1-mini')).toMatchObject({ inputPerMTok: 0.4, outputPerMTok: 1.6, known: true });
    // gpt-4.1-mini-2025-04-14 must match gpt-4.1-mini, not gpt-4.1.
    expect(priceFor('gpt-4.1-mini-2025-04-14')).toMatchObject({ inputPerMTok: 0.4, known: true });
    expect(priceFor('claude-sonnet-4-5-20250929')).toMatchObject({ inputPerMTok: 3, outputPerMTok: 15 });
    expect(priceFor('models/gemini-2.5-flash-lite')).toMatchObject({ inputPerMTok: 0.1 });
    expect(priceFor('gpt-4o', { 'gpt-4o': { inputPerMTok: 1, outputPerMTok: 2 } })).toMatchObject({ inputPerMTok: 1, outputPerMTok: 2 });
    expect(priceFor('my-local-llama')).toEqual({ ...FALLBACK_PRICE, known: false });
  });

  it('cost is tokens x price per million', () => {
    expect(costUsd({ inputTokens: 1_000_000, outputTokens: 500_000 }, { inputPerMTok: 3, outputPerMTok: 15 })).toBe(10.5);
    expect(costUsd({ inputTokens: 1234, outputTokens: 567 }, { inputPerMTok: 0.4, outputPerMTok: 1.6 })).toBeCloseTo(0.0014008, 12);
  });
});

describe('upstream error classification', () => {
  const apiError = (statusCode?: number) => new APICallError({ message: 'boom', url: 'http://x', requestBodyValues: {}, statusCode });
  it('maps statuses to retry/breaker behaviour', () => {
    expect(classifyLlmError(apiError(500))).toBeInstanceOf(UpstreamUnavailable);
    expect(classifyLlmError(apiError(429))).toBeInstanceOf(UpstreamRateLimited);
    expect(classifyLlmError(apiError(401))).toBeInstanceOf(UpstreamAuth);
    expect(classifyLlmError(apiError(400))).toBeInstanceOf(UpstreamBadRequest);
    expect(classifyLlmError(apiError(undefined)).code).toBe('network');
    expect(classifyLlmError(new TaskCancelledError()).code).toBe('timeout');
    expect(classifyLlmError(apiError(503))).toMatchObject({ retryable: true, tripsBreaker: true, code: 'http_503' });
    expect(classifyLlmError(apiError(401))).toMatchObject({ retryable: false, tripsBreaker: false });
  });
});
