import { z } from '@hono/zod-openapi';
import { IsoDate } from './common';

export const Role = z.enum(['owner', 'admin', 'member', 'viewer']);
export type Role = z.infer<typeof Role>;

/** Who the presented API key is: `GET /api/me`. */
export const Me = z
  .object({
    workspace: z.object({ id: z.string(), name: z.string() }),
    key: z.object({ id: z.string(), name: z.string(), role: Role, prefix: z.string() }),
    simulated: z.boolean().openapi({ description: 'True when Jules sessions come from the built-in simulator' }),
  })
  .openapi('Me');
export type Me = z.infer<typeof Me>;

export const ApiKeyInfo = z
  .object({
    id: z.string(),
    name: z.string(),
    role: Role,
    prefix: z.string(),
    createdAt: IsoDate,
    lastUsedAt: IsoDate.nullable(),
    revokedAt: IsoDate.nullable(),
  })
  .openapi('ApiKey');
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>;

export const CreateApiKeyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    role: Role.exclude(['owner']).default('member'),
  })
  .openapi('CreateApiKey', { example: { name: 'ci-bot', role: 'member' } });

/** The only response that ever carries a key in clear: the one that creates it. */
export const CreatedApiKey = ApiKeyInfo.extend({ key: z.string() }).openapi('CreatedApiKey');
