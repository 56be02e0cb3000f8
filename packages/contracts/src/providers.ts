import { z } from '@hono/zod-openapi';
import { IsoDate } from './common';

export const ProviderKind = z.enum(['openai', 'anthropic', 'gemini', 'openai-compatible']);
export type ProviderKind = z.infer<typeof ProviderKind>;

/** USD per million tokens. */
export const ModelPrice = z
  .strictObject({ inputPerMTok: z.number().min(0).max(10_000), outputPerMTok: z.number().min(0).max(10_000) })
  .openapi('ModelPrice', { example: { inputPerMTok: 3, outputPerMTok: 15 } });
export type ModelPrice = z.infer<typeof ModelPrice>;

const modelId = z.string().trim().min(1).max(200);

/** The model used for each task when a routing rule names only the provider; `default` covers the rest. */
export const DefaultModels = z
  .strictObject({
    default: modelId,
    supervisor: modelId.optional(),
    review: modelId.optional(),
    debate: modelId.optional(),
    decompose: modelId.optional(),
    summarize: modelId.optional(),
    embed: modelId.optional(),
  })
  .openapi('DefaultModels', { example: { default: 'gpt-4.1-mini', review: 'gpt-4.1' } });
export type DefaultModels = z.infer<typeof DefaultModels>;

const httpUrl = z
  .string()
  .trim()
  .max(2000)
  .url()
  .refine((v) => v.startsWith('http://') || v.startsWith('https://'), 'must start with http:// or https://')
  .openapi({ pattern: '^https?://' }); // the refine, in the document

const providerName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9-_.]*$/, 'letters, digits, - _ and . only');

export const CreateProviderBody = z
  .strictObject({
    kind: ProviderKind,
    name: providerName,
    apiKey: z.string().trim().min(1).max(4096).openapi({ description: 'Stored encrypted; only its last four characters are ever returned' }),
    baseUrl: httpUrl.optional().openapi({ description: 'Required for openai-compatible; defaults to the vendor API otherwise' }),
    priority: z.number().int().min(0).max(10_000).default(100).openapi({ description: 'Lower is tried first when no routing rule decides' }),
    enabled: z.boolean().default(true),
    maxConcurrency: z.number().int().min(1).max(1000).default(8),
    defaultModels: DefaultModels,
    pricing: z.record(modelId, ModelPrice).optional().openapi({ description: 'Per-model price overrides (USD per million tokens)' }),
  })
  .superRefine((b, ctx) => {
    if (b.kind === 'openai-compatible' && !b.baseUrl) ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'required for openai-compatible providers' });
  })
  .openapi('CreateProvider', {
    // The superRefine above, in JSON Schema: the document states what the server checks.
    if: { properties: { kind: { const: 'openai-compatible' } }, required: ['kind'] },
    then: { required: ['baseUrl'], properties: { baseUrl: { type: 'string' } } },
    example: { kind: 'anthropic', name: 'claude', apiKey: 'sk-ant-example', priority: 10, enabled: true, maxConcurrency: 8, defaultModels: { default: 'claude-sonnet-4-5', summarize: 'claude-haiku-4-5' } },
  } as Record<string, unknown>);
export type CreateProviderBody = z.infer<typeof CreateProviderBody>;

export const UpdateProviderBody = z
  .strictObject({
    name: providerName.optional(),
    apiKey: z.string().trim().min(1).max(4096).optional().openapi({ description: 'Write-only; required whenever baseUrl changes (a stored key never follows a new URL)' }),
    baseUrl: httpUrl.nullable().optional().openapi({ description: 'null = the vendor default; needs apiKey too, and cannot change for providers seeded from the environment' }),
    priority: z.number().int().min(0).max(10_000).optional(),
    enabled: z.boolean().optional(),
    maxConcurrency: z.number().int().min(1).max(1000).optional(),
    defaultModels: DefaultModels.optional(),
    pricing: z.record(modelId, ModelPrice).nullable().optional(),
  })
  // A new baseUrl needs the key again (the server also accepts the unchanged URL without it): stated for clients.
  .openapi('UpdateProvider', { dependentRequired: { baseUrl: ['apiKey'] }, example: { enabled: false, priority: 50 } } as Record<string, unknown>);
export type UpdateProviderBody = z.infer<typeof UpdateProviderBody>;

export const ProviderInfo = z
  .object({
    id: z.string(),
    kind: ProviderKind,
    name: z.string(),
    keyLast4: z.string().openapi({ description: 'The last four characters of the API key' }),
    baseUrl: z.string().nullable(),
    priority: z.number(),
    enabled: z.boolean(),
    maxConcurrency: z.number(),
    defaultModels: DefaultModels,
    pricing: z.record(z.string(), ModelPrice).nullable(),
    source: z.enum(['api', 'env']),
    createdAt: IsoDate,
    updatedAt: IsoDate,
  })
  .openapi('Provider');
export type ProviderInfo = z.infer<typeof ProviderInfo>;

export const ProviderList = z.object({ items: z.array(ProviderInfo) }).openapi('ProviderList');

export const TestProviderBody = z
  .strictObject({ model: modelId.optional().openapi({ description: 'Defaults to the provider default model' }) })
  .openapi('TestProvider', { example: { model: 'gpt-4.1-mini' } });

export const ProviderTestResult = z
  .object({
    ok: z.boolean(),
    model: z.string(),
    latencyMs: z.number(),
    text: z.string().optional(),
    inputTokens: z.number().optional(),
    outputTokens: z.number().optional(),
    costUsd: z.number().optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  })
  .openapi('ProviderTestResult');
export type ProviderTestResult = z.infer<typeof ProviderTestResult>;
