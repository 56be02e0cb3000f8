import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Role } from '@autopilot/contracts';

/** What authentication puts on the request context for every /api route. */
export interface AuthContext {
  workspaceId: string;
  workspaceName: string;
  keyId: string;
  keyName: string;
  keyPrefix: string;
  role: Role;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    auth: AuthContext;
  };
}

/** The typed app every feature registers its routes on. */
export type ApiApp = OpenAPIHono<AppEnv>;
