import { z } from '@hono/zod-openapi';

/**
 * The resources an API key's scopes name: the features routes are declared in (contracts/routes/index.ts; a test
 * keeps the two lists equal). A scope is `<resource>:read`, `<resource>:write`, `<resource>:*` or `*`.
 */
export const API_RESOURCES = [
  'workspaces', 'system', 'events', 'sessions', 'keeper', 'providers', 'budgets', 'routing', 'llm', 'schedules', 'templates',
  'dispatch', 'batches', 'github', 'pulls', 'hooks', 'inbox', 'channels', 'people', 'audit', 'transfer',
] as const;

export const SCOPE_PATTERN = `^(\\*|(${API_RESOURCES.join('|')}):(read|write|\\*))$`;

export const Scope = z
  .string()
  .regex(new RegExp(SCOPE_PATTERN), { message: `a scope is <resource>:read|write|* or *, resource one of ${API_RESOURCES.join(', ')}` })
  .openapi({ description: '`<resource>:read`, `<resource>:write`, `<resource>:*` or `*`', example: 'sessions:read' });
