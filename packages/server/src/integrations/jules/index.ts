/** The Jules integration: the API client, its wire types and its typed errors. */
export { createJulesClient, JULES_BASE_URL, type JulesClient, type JulesClientOptions, type CreateSessionInput, type Page } from './client';
export * from './errors';
export { KeyedSemaphores, Semaphore, defaultCreateLimiter } from './semaphore';
export { parseRetryAfter, type RetryMode, type TransportOptions } from './transport';
export {
  SESSION_STATES, TERMINAL_STATES, activityKind, prUrlOf, sortableTime,
  type ActivityKind, type JulesActivity, type Session as JulesSession, type SessionState, type Source as JulesSource,
} from './wire';
