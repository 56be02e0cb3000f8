import * as client from 'openid-client';
import type { Logger } from '../../platform/logger';

/*
 * OpenID Connect sign-in, the provider side (issue #16): discovery, the authorization URL (code flow, PKCE S256,
 * state, nonce) and the code exchange, all by openid-client v6, which checks the ID token (signature, issuer,
 * audience, expiry, nonce) and the state.
 *
 * Requests to the issuer use openid-client's own fetch, not platform/outbound: the issuer is operator config
 * (OIDC_ISSUER), never something a user sends, and is often on the operator's private network (Keycloak,
 * Authentik, Dex next to the install), which outbound's SSRF guard exists to refuse. Plain http is allowed only
 * for a loopback issuer (a provider on the same host, the tests' stand-in) or with OIDC_ALLOW_INSECURE=true.
 */

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  allowInsecure: boolean;
}

/** What the callback needs back from the start (kept in the signed flow cookie). */
export interface OidcFlow {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  next: string;
}

/** Who the provider says signed in. */
export interface OidcIdentity {
  issuer: string;
  subject: string;
  email?: string;
  emailVerified: boolean;
  name?: string;
}

/** The provider could not be reached or answered nonsense: the page says so (502), the log says why. */
export class OidcUnavailable extends Error {}
/** The callback does not hold up (wrong state, a used or forged code, a bad ID token): a 400 page. */
export class OidcRejected extends Error {}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function insecureAllowed(issuer: string, allow: boolean): boolean {
  const u = new URL(issuer);
  return u.protocol === 'http:' && (allow || LOOPBACK.has(u.hostname));
}

export function createOidc(settings: OidcSettings, log: Logger) {
  let cached: Promise<client.Configuration> | undefined;
  const insecure = insecureAllowed(settings.issuer, settings.allowInsecure);

  async function discoverOnce(): Promise<client.Configuration> {
    let last: unknown;
    // A provider started next to us may not answer yet: three tries, 0.5 s and 1 s apart.
    for (let attempt = 0; attempt < 3; attempt++) {
      if (attempt) await new Promise((r) => setTimeout(r, 500 * attempt));
      try {
        return await client.discovery(new URL(settings.issuer), settings.clientId, settings.clientSecret, undefined, {
          timeout: 10,
          ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
        });
      } catch (err) {
        last = err;
      }
    }
    throw last;
  }

  /** The discovered configuration, fetched on first use and cached; a failure is not cached (the next sign-in retries). */
  async function configuration(): Promise<client.Configuration> {
    cached ??= discoverOnce().catch((err) => {
      cached = undefined;
      log.warn({ err, issuer: settings.issuer }, 'OIDC discovery failed');
      throw new OidcUnavailable('The identity provider could not be reached');
    });
    return cached;
  }

  return {
    issuer: settings.issuer,

    /** The provider's authorization URL for a new flow, and what the callback must check. */
    async start(redirectUri: string, next: string): Promise<{ url: string; flow: OidcFlow }> {
      const config = await configuration();
      const verifier = client.randomPKCECodeVerifier();
      const flow: OidcFlow = { state: client.randomState(), nonce: client.randomNonce(), verifier, redirectUri, next };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: flow.state,
        nonce: flow.nonce,
      });
      return { url: url.href, flow };
    },

    /** Exchanges the callback's code (checking state, nonce, PKCE and the ID token) for who signed in. */
    async finish(callbackUrl: URL, flow: OidcFlow): Promise<OidcIdentity> {
      const config = await configuration();
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true }, { redirect_uri: flow.redirectUri });
      } catch (err) {
        log.warn({ err, issuer: settings.issuer }, 'OIDC callback refused');
        if (err instanceof client.ResponseBodyError || err instanceof client.AuthorizationResponseError || (err as { code?: string }).code?.startsWith('OAUTH_')) throw new OidcRejected('The sign-in response from the identity provider was refused');
        throw new OidcUnavailable('The identity provider could not be reached');
      }
      const claims = tokens.claims();
      if (!claims) throw new OidcRejected('The identity provider gave no ID token');
      let info: Record<string, unknown> = claims;
      if (claims.email === undefined && tokens.access_token) {
        try {
          info = { ...(await client.fetchUserInfo(config, tokens.access_token, claims.sub)), ...claims };
        } catch (err) {
          log.warn({ err, issuer: settings.issuer }, 'OIDC userinfo could not be read: signing in without an e-mail');
        }
      }
      const email = typeof info.email === 'string' ? info.email : undefined;
      return { issuer: settings.issuer, subject: claims.sub, email, emailVerified: email !== undefined && info.email_verified === true, name: typeof info.name === 'string' && info.name.trim() ? info.name.trim() : undefined };
    },
  };
}
export type Oidc = ReturnType<typeof createOidc>;
