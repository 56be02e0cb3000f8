import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Role } from '@autopilot/contracts';

/** What authentication puts on the request context for every /api route. */
export interface AuthContext {
  workspaceId: string;
  workspaceName: string;
  keyId: string;
  keyName: string;
  /** What may be shown of the key: `ap_<public id>_` for minted keys, '' for keys without a public part. */
  keyPrefix: string;
  /** The key's public id part (null for a first-wave key not yet upgraded). */
  keyPublicId: string | null;
  role: Role;
  /** How the request proved it: a bearer key, or a dashboard session cookie (which needs CSRF checks on writes). */
  via: 'key' | 'session';
}

/** The outcome of checking a presented key: the context, or why not (for the failure log; never the key). */
export type KeyCheck = { ok: true; auth: AuthContext; expiresAt?: number | null } | { ok: false; reason: 'unknown_key' | 'revoked' | 'expired' | 'mismatch'; keyId?: string };

export interface AppEnv {
  Variables: {
    requestId: string;
    auth: AuthContext;
  };
}

/** The typed app every feature registers its routes on. */
export type ApiApp = OpenAPIHono<AppEnv>;
