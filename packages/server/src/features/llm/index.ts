/** The gateway's public face for other features (e.g. the keeper's supervisor). */
export { createLlmService, type LlmService, type LlmDeps } from './llm.service';
export { LlmError, isLlmError, type LlmErrorReason } from './llm.errors';
export type { LlmRequest, LlmObjectRequest, LlmEmbedRequest, LlmResult, LlmTextResult, LlmObjectResult, LlmEmbedResult, LlmAttempt } from './llm.types';
