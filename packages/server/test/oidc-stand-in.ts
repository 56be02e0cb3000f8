import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/*
 * A real OpenID Connect provider for tests (oidc-provider on 127.0.0.1, a random port): one confidential client
 * (client_secret_post, code flow with PKCE), a small user store, and a non-interactive login: its interaction
 * route signs in the account the test chose with `signInAs` and redirects back, so a browser or an HTTP client
 * following redirects goes through the real authorize -> login -> callback chain. Consent is granted for the
 * one client (first party). Not for production: development signing keys, in-memory storage.
 */

export interface OidcAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface OidcStandIn {
  issuer: string;
  /** The account the next login interaction signs in (a session at the provider is kept between flows). */
  signInAs(sub: string): void;
  /** Adds or replaces an account. */
  upsert(account: OidcAccount): void;
  close(): Promise<void>;
}

export async function startOidcStandIn(opts: { clientId: string; clientSecret: string; redirectUris: string[]; accounts: OidcAccount[] }): Promise<OidcStandIn> {
  const accounts = new Map(opts.accounts.map((a) => [a.sub, a]));
  let current = opts.accounts[0]?.sub;
  const holder: { provider?: Provider } = {};
  const server = http.createServer((req, res) => {
    const p = holder.provider;
    if (!p) return void res.writeHead(503).end();
    if (req.url?.startsWith('/interaction/')) {
      void (async () => {
        try {
          const details = await p.interactionDetails(req, res);
          if (details.prompt.name === 'login') {
            if (!current || !accounts.has(current)) return void res.writeHead(400, { 'content-type': 'text/plain' }).end('no account chosen');
            await p.interactionFinished(req, res, { login: { accountId: current } }, { mergeWithLastSubmission: false });
          } else {
            // loadExistingGrant grants the client's scopes: a consent prompt here means a test asked for something else.
            res.writeHead(400, { 'content-type': 'text/plain' }).end(`unexpected prompt ${details.prompt.name}`);
          }
        } catch (err) {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
        }
      })();
      return;
    }
    p.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  holder.provider = new Provider(issuer, {
    clients: [{ client_id: opts.clientId, client_secret: opts.clientSecret, redirect_uris: opts.redirectUris, response_types: ['code'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_post' }],
    async findAccount(_ctx, sub) {
      const a = accounts.get(sub);
      if (!a) return undefined;
      return { accountId: sub, claims: async () => ({ ...a }) };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // The e-mail claims in the ID token too (a client that reads only the ID token still sees them).
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['oidc-stand-in-cookie-key-0123456789'] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
    async loadExistingGrant(ctx) {
      const accountId = ctx.oidc.session?.accountId;
      const clientId = ctx.oidc.client?.clientId;
      if (!accountId || !clientId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(clientId);
      if (grantId) {
        const found = await ctx.oidc.provider.Grant.find(grantId);
        if (found) return found;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  return {
    issuer,
    signInAs(sub) {
      current = sub;
    },
    upsert(a) {
      accounts.set(a.sub, a);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
