import type { LlmTask, ProviderKind } from '@autopilot/contracts';
import type { z } from 'zod';

/** One gateway call. Attribution fields end up in the usage rows. */
export interface LlmRequest {
  workspaceId: string;
  task: LlmTask;
  system?: string;
  prompt: string;
  /** Upper bound on generated tokens; structured calls raise it to the task's generous default. */
  maxOutputTokens?: number;
  temperature?: number;
  /** Routing rules may match on it (e.g. the keeper's reviewer persona). */
  persona?: string;
  sessionId?: string;
  apiKeyId?: string;
}

export interface LlmObjectRequest<T> extends LlmRequest {
  schema: z.ZodType<T>;
}

/** Texts to embed (task `embed`). */
export interface LlmEmbedRequest {
  workspaceId: string;
  values: string[];
  persona?: string;
  sessionId?: string;
  apiKeyId?: string;
}

/** One target tried during a call, in order. */
export interface LlmAttempt {
  provider: string;
  model: string;
  outcome: 'ok' | 'error' | 'invalid_output' | 'breaker_open' | 'budget_exhausted';
  code?: string;
  message?: string;
}

export interface LlmResult {
  provider: { id: string; name: string; kind: ProviderKind };
  model: string;
  /** Tokens of the attempt that produced the answer, as the provider reported them. */
  usage: { inputTokens: number; outputTokens: number };
  /** USD for the whole call: every attempt that consumed tokens, at the pricing table (or the provider's overrides). */
  costUsd: number;
  latencyMs: number;
  /** True when the budget's degrade policy chose the target. */
  degraded: boolean;
  attempts: LlmAttempt[];
}

export interface LlmTextResult extends LlmResult {
  text: string;
}

export interface LlmObjectResult<T> extends LlmResult {
  object: T;
}

export interface LlmEmbedResult extends LlmResult {
  /** One vector per input value, in order. */
  embeddings: number[][];
}

/** Output limits per task: text calls default to the first, structured calls get at least the second. */
export const TASK_OUTPUT_TOKENS: Record<LlmTask | 'provider_test', { text: number; structured: number }> = {
  supervisor: { text: 1024, structured: 4096 },
  review: { text: 2048, structured: 8192 },
  debate: { text: 1536, structured: 4096 },
  decompose: { text: 2048, structured: 8192 },
  summarize: { text: 1024, structured: 2048 },
  embed: { text: 256, structured: 1024 },
  provider_test: { text: 16, structured: 64 },
};

/** The ceiling for the single retry of a truncated or invalid structured answer. */
export const MAX_OUTPUT_TOKENS = 32_768;
