import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { Clock } from '../../platform/clock';
import { GitHubAuthError, GitHubNotFound, GitHubRequestFailed, GitHubUnavailable } from './errors';

/**
 * GitHub App authentication: an RS256 JWT signed with the app's private key (as the app), exchanged for an
 * installation access token (as the installation, one hour), renewed before it expires.
 *
 * Signed with node:crypto rather than @octokit/auth-app: its JWT `iat`/`exp` and its token cache follow the wall
 * clock (Date.now), while every time decision here must follow the injected clock (tests move GitHub's simulated
 * clock and ours together to prove the renewal); and the token has to live behind our own client's request hook
 * (ETag cache, rate gate, typed errors, outbound guard), which a second Octokit auth strategy would bypass.
 * A JWT is 3 lines of crypto; the rest is the cache below.
 */

/** A private key that is not an RSA PEM key: the caller names its field. */
export class InvalidAppPrivateKey extends Error {}

/** The app's private key as a KeyObject; throws InvalidAppPrivateKey for anything but an RSA private key. */
export function parseAppPrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new InvalidAppPrivateKey('not a PEM private key');
  }
  if (key.asymmetricKeyType !== 'rsa') throw new InvalidAppPrivateKey(`an ${key.asymmetricKeyType ?? 'unknown'} key; GitHub Apps use RSA keys`);
  return key;
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** The app's JWT: issued 60 s in the past (GitHub's advice against clock drift), valid for GitHub's maximum of 10 minutes. */
export function signAppJwt(appId: number, key: KeyObject, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000) - 60;
  const head = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url({ iat, exp: iat + 600, iss: String(appId) })}`;
  return `${head}.${sign('RSA-SHA256', Buffer.from(head), key).toString('base64url')}`;
}

export interface InstallationAuthOptions {
  baseUrl: string;
  appId: number;
  privateKey: KeyObject;
  installationId: number;
  /** The same way out as the client's (outbound.fetch or outbound.trusted.fetch). */
  fetch: typeof globalThis.fetch;
  clock: Pick<Clock, 'now'>;
  /** A token is renewed this long before it expires (default 5 minutes). */
  renewBeforeMs?: number;
}

/** What createGitHubClient needs of a token that changes: the current one, and "that one was refused". */
export interface TokenSource {
  token(): Promise<string>;
  invalidate(token: string): void;
}

export interface InstallationAuth extends TokenSource {
  /** GET /app as the app: its slug (it acts as `<slug>[bot]`). */
  app(): Promise<{ id: number; slug: string }>;
  /** GET /app/installations/{id} as the app: the account it is installed on. */
  installation(): Promise<{ id: number; account: string }>;
  /** When the current token expires (epoch ms), null before the first. */
  expiresAt(): number | null;
  /** Tokens minted so far (health, tests). */
  minted(): number;
}

export function createInstallationAuth(o: InstallationAuthOptions): InstallationAuth {
  const base = o.baseUrl.replace(/\/+$/, '');
  const renewBeforeMs = o.renewBeforeMs ?? 5 * 60_000;
  let current: { token: string; expiresAt: number } | null = null;
  let inFlight: Promise<string> | null = null;
  let count = 0;

  /** One request as the app; GitHub's body is read for our fields only, never repeated in an error. */
  async function asApp(method: 'GET' | 'POST', path: string, op: string): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await o.fetch(`${base}${path}`, {
        method,
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${signAppJwt(o.appId, o.privateKey, o.clock.now())}`,
          'user-agent': 'jules-autopilot',
          'x-github-api-version': '2022-11-28',
        },
      });
    } catch (err) {
      throw new GitHubUnavailable(`GitHub could not be reached (${op})`, op, undefined, { cause: err });
    }
    const s = res.status;
    if (s === 401 || s === 403) throw new GitHubAuthError(`GitHub refused the app's JWT (HTTP ${s}, ${op})`, op, s);
    if (s === 404) throw new GitHubNotFound(`GitHub has no such app or installation (HTTP 404, ${op})`, op, s);
    if (s >= 500) throw new GitHubUnavailable(`GitHub is unavailable (HTTP ${s}, ${op})`, op, s);
    if (s < 200 || s >= 300) throw new GitHubRequestFailed(`GitHub refused the request (HTTP ${s}, ${op})`, op, s);
    const data = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (!data || typeof data !== 'object') throw new GitHubRequestFailed(`GitHub answered ${op} with something that is not JSON`, op, s);
    return data;
  }

  async function mint(): Promise<string> {
    const op = 'POST /app/installations/{installation_id}/access_tokens';
    const data = await asApp('POST', `/app/installations/${o.installationId}/access_tokens`, op);
    const expiresAt = typeof data.expires_at === 'string' ? Date.parse(data.expires_at) : NaN;
    if (typeof data.token !== 'string' || !data.token || !Number.isFinite(expiresAt)) {
      throw new GitHubRequestFailed(`GitHub answered ${op} without a token and its expiry`, op, 201);
    }
    current = { token: data.token, expiresAt };
    count++;
    return data.token;
  }

  return {
    async token() {
      if (current && o.clock.now() < current.expiresAt - renewBeforeMs) return current.token;
      // Concurrent requests share one mint.
      inFlight ??= mint().finally(() => (inFlight = null));
      return inFlight;
    },
    invalidate(token) {
      if (current?.token === token) current = null;
    },
    async app() {
      const d = await asApp('GET', '/app', 'GET /app');
      if (typeof d.slug !== 'string' || !d.slug || typeof d.id !== 'number') throw new GitHubRequestFailed('GitHub answered GET /app with something that is not an app', 'GET /app', 200);
      return { id: d.id, slug: d.slug };
    },
    async installation() {
      const op = 'GET /app/installations/{installation_id}';
      const d = await asApp('GET', `/app/installations/${o.installationId}`, op);
      const login = (d.account as { login?: unknown } | null | undefined)?.login;
      if (typeof login !== 'string' || !login) throw new GitHubRequestFailed(`GitHub answered ${op} without an account`, op, 200);
      return { id: o.installationId, account: login };
    },
    expiresAt: () => current?.expiresAt ?? null,
    minted: () => count,
  };
}
