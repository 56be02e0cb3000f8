import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Role } from '@autopilot/contracts';
import type { Actor } from '../actor';

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
  /**
   * Who is acting: the key (kind `key`), or the signed-in person (kind `person`; then `keyId` and `keyName` are ''
   * and `userId` is set). Attribution and the audit trail use this, never keyId.
   */
  actor: Actor;
  /** The signed-in person's id (a person's session cookie); null for keys. */
  userId: string | null;
  /** The key's scopes (`<resource>:<read|write|*>`, `*`); null = everything its role allows (people, unscoped keys). */
  scopes: string[] | null;
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
