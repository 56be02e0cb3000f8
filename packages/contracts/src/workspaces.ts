import { z } from '@hono/zod-openapi';
import { ApiKeyInfo, CreatedApiKey } from './auth';
import { IsoDate } from './common';

export const WorkspaceRef = z.object({ id: z.string(), name: z.string() }).openapi('WorkspaceRef');

export const CreateWorkspaceBody = z
  .strictObject({
    name: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9][a-z0-9-_]*$/, 'lowercase letters, digits, - and _ only'),
  })
  .openapi('CreateWorkspace', { example: { name: 'team-a' } });

export const CreatedWorkspace = z
  .object({ workspace: WorkspaceRef.extend({ createdAt: IsoDate }), ownerKey: CreatedApiKey })
  .openapi('CreatedWorkspace');

export const ApiKeyList = z.object({ items: z.array(ApiKeyInfo) }).openapi('ApiKeyList');
export const WorkspaceList = z.object({ items: z.array(WorkspaceRef) }).openapi('WorkspaceList');
