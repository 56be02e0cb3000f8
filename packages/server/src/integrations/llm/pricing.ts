import type { ModelPrice } from '@autopilot/contracts';

/**
 * List prices in USD per million tokens (standard tier, no caching discounts), as published by each vendor.
 * Model ids with a date or version suffix (`claude-sonnet-4-5-20250929`) match the longest known prefix.
 * Provider configs may override any entry; unknown models cost FALLBACK_PRICE so budgets stay conservative.
 */
export const PRICING: Record<string, ModelPrice> = {
  // OpenAI
  'gpt-5': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-5-mini': { inputPerMTok: 0.25, outputPerMTok: 2 },
  'gpt-5-nano': { inputPerMTok: 0.05, outputPerMTok: 0.4 },
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'gpt-4.1-nano': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  o3: { inputPerMTok: 2, outputPerMTok: 8 },
  'o4-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  'text-embedding-3-small': { inputPerMTok: 0.02, outputPerMTok: 0 },
  'text-embedding-3-large': { inputPerMTok: 0.13, outputPerMTok: 0 },
  // Anthropic
  'claude-opus-4-1': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-opus-4': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-sonnet-4': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
  'claude-3-7-sonnet': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-3-5-haiku': { inputPerMTok: 0.8, outputPerMTok: 4 },
  // Google
  'gemini-2.5-pro': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gemini-2.5-flash': { inputPerMTok: 0.3, outputPerMTok: 2.5 },
  'gemini-2.5-flash-lite': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gemini-2.0-flash': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gemini-2.0-flash-lite': { inputPerMTok: 0.075, outputPerMTok: 0.3 },
  'text-embedding-004': { inputPerMTok: 0, outputPerMTok: 0 },
};

/** What an unknown model is assumed to cost: high enough that budgets err on the safe side. */
export const FALLBACK_PRICE: ModelPrice = { inputPerMTok: 5, outputPerMTok: 15 };

/** The price of a model: the provider's override, else the table (longest matching prefix), else FALLBACK_PRICE. */
export function priceFor(model: string, overrides?: Record<string, ModelPrice> | null): ModelPrice & { known: boolean } {
  const exact = overrides?.[model] ?? PRICING[model];
  if (exact) return { ...exact, known: true };
  const lower = model.toLowerCase().replace(/^models\//, '');
  let best: { key: string; price: ModelPrice } | undefined;
  for (const table of [overrides ?? {}, PRICING]) {
    for (const [key, price] of Object.entries(table)) {
      if ((lower === key || lower.startsWith(`${key}-`) || lower.startsWith(`${key}@`)) && (!best || key.length > best.key.length)) best = { key, price };
    }
    if (best) return { ...best.price, known: true };
  }
  return { ...FALLBACK_PRICE, known: false };
}

/** Cost in USD of a call's tokens at a price. */
export function costUsd(tokens: { inputTokens: number; outputTokens: number }, price: ModelPrice): number {
  return (tokens.inputTokens * price.inputPerMTok + tokens.outputTokens * price.outputPerMTok) / 1_000_000;
}

/**
 * A deliberately high estimate of a prompt's input tokens (about three characters per token plus framing), so a
 * reservation is rarely below the real cost.
 */
export function estimateInputTokens(...texts: Array<string | undefined>): number {
  const chars = texts.reduce((n, t) => n + (t?.length ?? 0), 0);
  return Math.ceil(chars / 3) + 32;
}

/** The reservation for a call: estimated input plus the full output allowance at the model's price. */
export function estimateCostUsd(inputTokens: number, maxOutputTokens: number, price: ModelPrice): number {
  return costUsd({ inputTokens, outputTokens: maxOutputTokens }, price);
}
