import { embedMany, generateText, Output, type EmbeddingModel, type LanguageModel } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { ProviderKind } from '@autopilot/contracts';
import type { z } from 'zod';
import { classifyLlmError, UpstreamBadRequest, UpstreamInvalidOutput } from './errors';
import { estimateInputTokens } from './pricing';

/** What the gateway needs to reach one provider. The key is decrypted only in memory, just before use. */
export interface ProviderEndpoint {
  id: string;
  kind: ProviderKind;
  name: string;
  apiKey: string;
  baseUrl: string | null;
  /** Changes whenever the config does, so cached SDK clients are rebuilt. */
  version: string;
  /** `env` = seeded from the operator's environment: its URL is trusted. Anything else goes through the guard. */
  source?: 'env' | 'api';
}

export interface ModelFactoryOptions {
  /** The guarded fetch for URLs users supplied (platform/outbound). */
  fetch: typeof globalThis.fetch;
  /** The fetch for URLs the operator set (OPENAI_BASE_URL ...): no address check, still no redirects. */
  trustedFetch: typeof globalThis.fetch;
}

export interface ModelCall {
  system?: string;
  prompt: string;
  maxOutputTokens: number;
  temperature?: number;
  schema?: z.ZodType;
  abortSignal?: AbortSignal;
}

export interface ModelResult {
  text: string;
  object?: unknown;
  inputTokens: number;
  outputTokens: number;
  finishReason: string;
}

export interface EmbedResult {
  embeddings: number[][];
  inputTokens: number;
  /** False when the vendor reports no usage for embeddings (Gemini): inputTokens is then our estimate. */
  reported: boolean;
}

interface Factory {
  (modelId: string): LanguageModel;
  /** Absent for vendors without an embeddings API (Anthropic). */
  embedding?: (modelId: string) => EmbeddingModel;
}

/**
 * Builds AI SDK language models from provider configs, caching one SDK provider instance per config version.
 * OpenAI goes through the Responses API (the SDK default); openai-compatible servers through chat completions.
 */
export function createModelFactory(opts: ModelFactoryOptions) {
  const cache = new Map<string, { version: string; make: Factory }>();

  function providerFor(p: ProviderEndpoint): Factory {
    const hit = cache.get(p.id);
    if (hit && hit.version === p.version) return hit.make;
    const baseURL = p.baseUrl ?? undefined;
    const fetch = p.source === 'env' ? opts.trustedFetch : opts.fetch;
    let make: Factory;
    switch (p.kind) {
      case 'openai': {
        const sdk = createOpenAI({ apiKey: p.apiKey, baseURL, fetch });
        make = Object.assign((m: string) => sdk(m), { embedding: (m: string) => sdk.embedding(m) });
        break;
      }
      case 'anthropic': {
        const sdk = createAnthropic({ apiKey: p.apiKey, baseURL, fetch });
        make = (m) => sdk(m);
        break;
      }
      case 'gemini': {
        const sdk = createGoogleGenerativeAI({ apiKey: p.apiKey, baseURL, fetch });
        make = Object.assign((m: string) => sdk(m), { embedding: (m: string) => sdk.embedding(m) });
        break;
      }
      case 'openai-compatible': {
        if (!baseURL) throw new Error(`provider ${p.name} (openai-compatible) has no base URL`);
        const sdk = createOpenAICompatible({ name: p.name, apiKey: p.apiKey, baseURL, supportsStructuredOutputs: true, fetch });
        make = Object.assign((m: string) => sdk.chatModel(m), { embedding: (m: string) => sdk.embeddingModel(m) });
        break;
      }
    }
    cache.set(p.id, { version: p.version, make });
    return make;
  }

  return {
    /**
     * One generation against one provider and model, with the SDK's own retries off (the gateway's policies retry).
     * Structured calls validate against the schema; a missing, invalid or truncated object throws
     * UpstreamInvalidOutput with the tokens it consumed. Every failure is an LlmUpstreamError.
     */
    async generate(p: ProviderEndpoint, modelId: string, call: ModelCall): Promise<ModelResult> {
      try {
        const model = providerFor(p)(modelId);
        const common = {
          model,
          system: call.system,
          prompt: call.prompt,
          maxOutputTokens: call.maxOutputTokens,
          temperature: call.temperature,
          maxRetries: 0,
          abortSignal: call.abortSignal,
        };
        if (call.schema) {
          const r = await generateText({ ...common, output: Output.object({ schema: call.schema }) });
          const usage = { inputTokens: r.totalUsage.inputTokens ?? 0, outputTokens: r.totalUsage.outputTokens ?? 0 };
          if (r.finishReason === 'length') throw new UpstreamInvalidOutput('output cut off at maxOutputTokens', usage, true);
          return { text: r.text, object: r.output, ...usage, finishReason: r.finishReason };
        }
        const r = await generateText(common);
        return {
          text: r.text,
          inputTokens: r.totalUsage.inputTokens ?? 0,
          outputTokens: r.totalUsage.outputTokens ?? 0,
          finishReason: r.finishReason,
        };
      } catch (err) {
        throw classifyLlmError(err);
      }
    },

    /** Embeds texts with one provider and model (SDK retries off). Anthropic has no embeddings API: UpstreamBadRequest. */
    async embed(p: ProviderEndpoint, modelId: string, values: string[], abortSignal?: AbortSignal): Promise<EmbedResult> {
      try {
        const embedding = providerFor(p).embedding;
        if (!embedding) throw new UpstreamBadRequest(`${p.kind} has no embeddings API`, 'unsupported');
        const r = await embedMany({ model: embedding(modelId), values, maxRetries: 0, abortSignal });
        const tokens = r.usage?.tokens;
        return tokens ? { embeddings: r.embeddings, inputTokens: tokens, reported: true } : { embeddings: r.embeddings, inputTokens: estimateInputTokens(...values), reported: false };
      } catch (err) {
        throw classifyLlmError(err);
      }
    },
  };
}
export type ModelFactory = ReturnType<typeof createModelFactory>;
