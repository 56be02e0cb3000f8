import { randomBytes, timingSafeEqual } from 'node:crypto';
import { deriveSubkey, hmacSha256, randomToken, sha256 } from '../../platform/crypto';
import type { KeyLimits, Role } from '@autopilot/contracts';
import type { KeyActorLimits } from '../../platform/http/key-limits';
import type { AuthContext } from '../../platform/http/types';

/*
 * API key text and its stored form.
 *
 * Minted keys read `ap_<id>_<secret>`: a 12-hex-character public id (shown in lists, logs and /api/me) and a
 * 43-character random secret (shown once). Rows are looked up by the id and the HMAC of the whole key is compared
 * in constant time.
 *
 * Any other text (AUTOPILOT_ADMIN_KEY is an arbitrary 16+ character string, first-wave keys read `ap_<secret>`)
 * has no public part: its id is derived as the first 12 hex characters of an HMAC of the text under a separate
 * subkey. It is stable for the same master key, and reveals nothing usable about the key.
 *
 * Stored hashes are HMAC-SHA256 under an HKDF subkey of the master key: a copy of the database alone does not let
 * anyone test guesses offline. Schemes in `api_keys.hash_scheme`:
 *   - `hmac`: HMAC(key text). Everything minted or registered now.
 *   - `hmac-sha256`: HMAC(sha256(key text)). First-wave rows (stored as plain sha256), re-hashed at start without
 *     knowing the key; the first successful use upgrades the row to `hmac` and gives it its public id.
 *   - `sha256`: a first-wave row the migration left for the service to re-hash (never authenticated as is).
 */

const MINTED = /^ap_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface KeyHasher {
  /** The stored form of a key under the `hmac` scheme. */
  hash(key: string): string;
  /** The stored form of a first-wave sha256 hash (scheme `hmac-sha256`). */
  rehashLegacy(sha256Hex: string): string;
  /** `hmac-sha256` form of a key presented in clear, to find its first-wave row. */
  legacyHash(key: string): string;
  /** The public id of any key text (embedded for minted keys, derived otherwise). */
  idOf(key: string): string;
  /** The HMAC of a session token (cookie sessions are stored by this hash). */
  sessionHash(token: string): string;
  /** The CSRF token bound to a session token (double-submit cookie + header). */
  csrfFor(token: string): string;
  /** The HMAC of a one-click log-in link token (links are stored by this hash). */
  linkHash(token: string): string;
  /** The HMAC of a workspace invitation token (invites are stored by this hash). */
  inviteHash(token: string): string;
}

/** Builds the hasher from the master key; each use gets its own HKDF subkey (distinct info labels). */
export function createKeyHasher(master: Buffer): KeyHasher {
  const keyMac = deriveSubkey(master, 'autopilot/api-key-hmac/v1');
  const idMac = deriveSubkey(master, 'autopilot/api-key-id/v1');
  const sessionMac = deriveSubkey(master, 'autopilot/session-token/v1');
  const csrfMac = deriveSubkey(master, 'autopilot/csrf-token/v1');
  const linkMac = deriveSubkey(master, 'autopilot/login-link/v1');
  const inviteMac = deriveSubkey(master, 'autopilot/invite-token/v1');
  return {
    hash: (key) => hmacSha256(keyMac, key),
    rehashLegacy: (hex) => hmacSha256(keyMac, `sha256:${hex}`),
    legacyHash: (key) => hmacSha256(keyMac, `sha256:${sha256(key)}`),
    idOf: (key) => MINTED.exec(key)?.[1] ?? hmacSha256(idMac, key).slice(0, 12),
    sessionHash: (token) => hmacSha256(sessionMac, token),
    csrfFor: (token) => hmacSha256(csrfMac, token),
    linkHash: (token) => hmacSha256(linkMac, token),
    inviteHash: (token) => hmacSha256(inviteMac, token),
  };
}

/** A new key: its public id, the full text (shown once) and what lists may display of it. */
export function mintKey(): { id: string; key: string; prefix: string } {
  let secret = randomToken(32);
  // base64url of 32 bytes is always 43 characters; the check documents the format the parser relies on.
  if (secret.length !== 43) secret = secret.slice(0, 43);
  const id = randomBytes(6).toString('hex');
  return { id, key: `ap_${id}_${secret}`, prefix: `ap_${id}_` };
}

/** What may be displayed of a key text: the public part of a minted key, nothing of any other key. */
export const displayPrefix = (key: string) => {
  const m = MINTED.exec(key);
  return m ? `ap_${m[1]}_` : '';
};

/** The public id of a key text when it is a minted key (for logs of failures: never any part of the secret). */
export const mintedIdOf = (key: string): string | undefined => MINTED.exec(key)?.[1];

/** Constant-time comparison of two hex digests. */
export function sameDigest(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ab.length === bb.length && ab.length > 0 && timingSafeEqual(ab, bb);
}

/** The columns of a key row joined with its workspace that authentication reads. */
export interface KeyAuthRow {
  workspace_id: string;
  workspace_name: string;
  id: string;
  name: string;
  prefix: string;
  public_id: string | null;
  role: string;
  /** JSON array of scopes, or null (unscoped). */
  scopes?: string | null;
  rate_per_minute?: number | null;
  requests_per_day?: number | null;
  llm_usd_per_month?: number | null;
}

/** A key row's limits (each null = none); PostgreSQL may hand numbers back as strings, SQLite as numbers. */
export function limitsOf(row: Pick<KeyAuthRow, 'rate_per_minute' | 'requests_per_day' | 'llm_usd_per_month'>): KeyLimits {
  const num = (v: unknown) => (v == null ? null : Number(v));
  return { ratePerMinute: num(row.rate_per_minute), requestsPerDay: num(row.requests_per_day), llmUsdPerMonth: num(row.llm_usd_per_month) };
}

/** The scopes stored on a key row: a list, or null for an unscoped key (or an unreadable value: never wider). */
export function scopesOf(text: string | null | undefined): string[] | null {
  if (text == null) return null;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : [];
  } catch {
    return [];
  }
}

/**
 * What a key row stands for on a request, whether the request showed the key or a session cookie minted from it.
 * The actor carries the key's limits: the per-key rate limit (platform/http/key-limits.ts) and the LLM gateway's
 * monthly spend check read them there.
 */
export const authOf = (row: KeyAuthRow, via: AuthContext['via']): AuthContext => {
  const limits: KeyActorLimits = limitsOf(row);
  return {
    workspaceId: row.workspace_id,
    workspaceName: row.workspace_name,
    keyId: row.id,
    keyName: row.name,
    keyPrefix: row.prefix,
    keyPublicId: row.public_id,
    role: row.role as Role,
    via,
    actor: { kind: 'key', id: row.id, name: row.name, limits },
    userId: null,
    scopes: scopesOf(row.scopes),
  };
};
