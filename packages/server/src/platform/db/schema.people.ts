/*
 * People (issue #16): local accounts, their workspace memberships, invitations, password resets and OpenID Connect
 * identities. Shared by the workspaces feature's people (accounts, sign-in, sessions) and members (workspaces,
 * members, invites) parts.
 */

/** A person. `email` is stored trimmed and lower-cased (unique); `password_hash` is argon2id (null: OIDC only). */
export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  created_at: string;
  last_login_at: string | null;
  /** When the account was disabled (ISO); a disabled person cannot sign in and their sessions stop working. */
  disabled_at: string | null;
}

/** A person's role in a workspace: one row per (workspace, person). */
export interface MembershipsTable {
  workspace_id: string;
  user_id: string;
  /** owner | admin | member | viewer */
  role: string;
  created_at: string;
  /** The actor that added them ("person:<id>", "key:<id>", "signup"). */
  added_by: string | null;
}

/** An invitation by e-mail: a single-use token (stored as its HMAC) for one role in one workspace. */
export interface InvitesTable {
  id: string;
  workspace_id: string;
  email: string;
  role: string;
  token_hash: string;
  created_at: string;
  /** Epoch ms. */
  expires_at: number;
  created_by: string | null;
  accepted_at: string | null;
  accepted_by: string | null;
  revoked_at: string | null;
}

/** A password-reset token (stored as its HMAC), single use. */
export interface PasswordResetsTable {
  token_hash: string;
  user_id: string;
  created_at: string;
  /** Epoch ms. */
  expires_at: number;
  used_at: number | null;
}

/** A person's identity at an OpenID Connect provider (issuer + subject), linked to one account. */
export interface OidcIdentitiesTable {
  issuer: string;
  subject: string;
  user_id: string;
  email: string | null;
  created_at: string;
}

/** A person's dashboard session: the cookie token's HMAC, in the workspace they are looking at now. */
export interface UserSessionsTable {
  token_hash: string;
  user_id: string;
  workspace_id: string;
  created_at: string;
  expires_at: number;
}
