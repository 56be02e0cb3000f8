export { createClient, type ApiClient } from './client';
export { ApiError } from './errors';
export { createSseParser, type SseMessage } from './sse';
export { subscribeEvents, type ConnectionState, type SubscribeOptions, type Subscription } from './events';
export { withQuery, type ClientOptions, type FetchLike, type Schema } from './http';
export { fillPath, type Call, type CallInput, type Endpoint } from './route';
export type { SessionListQuery } from './sessions';
export type { KeeperLogFilter } from './keeper';
export type { RoutingRuleInput } from './routing';
