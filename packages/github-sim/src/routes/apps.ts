import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { isoSeconds } from '../clock.ts';
import { GhError } from '../errors.ts';
import { JSON_TYPE, paginate, param, readBody, tokenOf, type ApiHandler } from '../http.ts';
import type { RequestLog } from '../log.ts';
import type { GitHubState } from '../state.ts';
import { wireRepo, wireUser } from '../wire.ts';

/** A GitHub App at start (option `apps`) or added with POST /_sim/apps. */
export interface AppSpec {
  id: number;
  slug: string;
  name?: string;
  /** The app's RSA public key (SPKI or PKCS#1 PEM): JWTs are verified against it. */
  publicKeyPem: string;
  installations: { id: number; account: string; /** `owner/name`s; default: every repository of the account. */ repos?: string[] }[];
}

/** An installation access token issued by POST /app/installations/{id}/access_tokens. */
export interface IssuedToken { token: string; appId: number; installationId: number; expiresAt: number }

interface AppRec { spec: AppSpec; key: KeyObject; at: number }

type Api = (route: string, h: ApiHandler) => any;

const TOKEN_TTL_MS = 3_600_000;
/** GitHub refuses a JWT whose lifetime (exp - iat) or distance to exp is more than 10 minutes. */
const MAX_JWT_MS = 600_000;
/** Clock drift GitHub tolerates on `iat`. */
const DRIFT_MS = 60_000;

const b64json = (part: string): Record<string, unknown> => {
  const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
  return v;
};

/**
 * GitHub Apps: their JWT-authenticated endpoints (GET /app, GET /app/installations/{id}, POST .../access_tokens)
 * and installation tokens (`ghs_...`, one sim hour) the REST pipeline accepts as `<slug>[bot]` until they expire.
 */
export class Apps {
  apps = new Map<number, AppRec>();
  issued = new Map<string, IssuedToken>();

  constructor(private readonly now: () => number, private readonly newToken: () => string) {}

  add(spec: AppSpec, at = this.now()): AppSpec {
    if (!Number.isInteger(spec.id) || spec.id <= 0) throw new GhError(400, 'id: must be a positive integer', { field: 'id' });
    if (!/^[a-z0-9][a-z0-9-]*$/.test(spec.slug)) throw new GhError(400, 'slug: lowercase letters, digits and dashes', { field: 'slug' });
    if (this.apps.has(spec.id)) throw new GhError(422, `An app with id ${spec.id} already exists`);
    let key: KeyObject;
    try {
      key = createPublicKey(spec.publicKeyPem);
    } catch {
      throw new GhError(400, 'public_key_pem: not a PEM public key', { field: 'public_key_pem' });
    }
    if (key.asymmetricKeyType !== 'rsa') throw new GhError(400, 'public_key_pem: must be an RSA key', { field: 'public_key_pem' });
    const copy = { ...spec, installations: spec.installations.map((i) => ({ ...i, ...(i.repos ? { repos: [...i.repos] } : {}) })) };
    this.apps.set(spec.id, { spec: copy, key, at });
    return copy;
  }

  /** The app a `Bearer <JWT>` names, once its RS256 signature and its iat/exp (sim clock) check out; else GitHub's 401. */
  authenticate(c: Context): AppRec {
    const jwt = tokenOf(c);
    if (!jwt) throw new GhError(401, 'A JSON web token could not be decoded');
    const parts = jwt.split('.');
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      if (parts.length !== 3) throw new Error('parts');
      header = b64json(parts[0]);
      claims = b64json(parts[1]);
    } catch {
      throw new GhError(401, 'A JSON web token could not be decoded');
    }
    if (header.alg !== 'RS256') throw new GhError(401, "'alg' must be RS256");
    const iss = typeof claims.iss === 'number' ? claims.iss : typeof claims.iss === 'string' && /^\d+$/.test(claims.iss) ? Number(claims.iss) : NaN;
    const app = this.apps.get(iss);
    if (!app) throw new GhError(401, "'Issuer' claim ('iss') must be an Integer");
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    if (!verify('RSA-SHA256', signed, app.key, Buffer.from(parts[2], 'base64url'))) throw new GhError(401, 'A JSON web token could not be decoded');
    const now = this.now();
    const iat = Number(claims.iat) * 1000;
    const exp = Number(claims.exp) * 1000;
    if (!Number.isInteger(claims.iat) || iat > now + DRIFT_MS) {
      throw new GhError(401, "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued");
    }
    if (!Number.isInteger(claims.exp) || exp <= now) {
      throw new GhError(401, "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires");
    }
    if (exp - now > MAX_JWT_MS || exp - iat > MAX_JWT_MS) throw new GhError(401, "'Expiration time' claim ('exp') is too far in the future");
    return app;
  }

  installation(app: AppRec, id: number) {
    const inst = app.spec.installations.find((i) => i.id === id);
    if (!inst) throw new GhError(404, 'Not Found');
    return inst;
  }

  /** The installation token's record while it is valid; undefined for anything else (expired ones included). */
  valid(token: string): IssuedToken | undefined {
    const t = this.issued.get(token);
    return t && this.now() < t.expiresAt ? t : undefined;
  }

  isInstallationToken = (token: string): boolean => this.issued.has(token);

  issue(app: AppRec, installationId: number): IssuedToken {
    const t: IssuedToken = { token: this.newToken(), appId: app.spec.id, installationId, expiresAt: this.now() + TOKEN_TTL_MS };
    this.issued.set(t.token, t);
    // Expired tokens stay known (so they answer 401 "Bad credentials", not as unknown ones), up to a bound.
    if (this.issued.size > 10_000) this.issued.delete(this.issued.keys().next().value!);
    return t;
  }

  loginOf(token: string): string | undefined {
    const t = this.valid(token);
    return t ? `${this.apps.get(t.appId)!.spec.slug}[bot]` : undefined;
  }

  /**
   * The pipeline's token table with installation tokens in it: a valid installation token is known (as
   * `<slug>[bot]`), an expired one is not, other tokens as `base` says (null: any token).
   */
  tokenTable(base: Map<string, string> | null): Map<string, string> {
    const has = (t: string) => (this.isInstallationToken(t) ? this.valid(t) !== undefined : base === null || base.has(t));
    const get = (t: string) => (this.isInstallationToken(t) ? this.loginOf(t) : base?.get(t));
    return new (class extends Map<string, string> {
      override has(t: string) {
        return has(t);
      }
      override get(t: string) {
        return get(t);
      }
    })();
  }

  clear(): void {
    this.apps.clear();
    this.issued.clear();
  }
}

/** The app endpoints (JWT) and GET /installation/repositories (installation token). */
export function registerAppRoutes(app: Hono, api: Api, s: GitHubState, apps: Apps, log: RequestLog, now: () => number): void {
  // JWT routes are not the token pipeline's (a JWT is not a token and has no rate-limit bucket of its own here).
  const jwtRoute = (route: string, fn: (c: Context, a: AppRec) => { status?: number; body: unknown }) => async (c: Context) => {
    let status: number;
    let body: unknown;
    try {
      const out = fn(c, apps.authenticate(c));
      status = out.status ?? 200;
      body = out.body;
    } catch (e) {
      if (!(e instanceof GhError)) throw e;
      status = e.status;
      body = e.body();
    }
    log.record({ at: isoSeconds(now()), method: c.req.method, path: c.req.path, route: `${c.req.method} ${route}`, status, notModified: false, counted: false });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': JSON_TYPE, 'x-github-api-version-selected': '2022-11-28' } });
  };
  const at = (ms: number) => isoSeconds(ms);
  const wireApp = (a: AppRec) => ({
    id: a.spec.id, slug: a.spec.slug, node_id: `A_${a.spec.id}`, name: a.spec.name ?? a.spec.slug, description: '',
    owner: wireUser(s, a.spec.installations[0]?.account ?? a.spec.slug), external_url: `${s.origin}/apps/${a.spec.slug}`,
    html_url: `${s.origin}/apps/${a.spec.slug}`, created_at: at(a.at), updated_at: at(a.at),
    permissions: { contents: 'write', pull_requests: 'write', checks: 'read', actions: 'read', metadata: 'read' },
    events: ['pull_request', 'pull_request_review', 'check_run', 'check_suite', 'workflow_run', 'push'],
    installations_count: a.spec.installations.length,
  });
  const wireInstallation = (a: AppRec, i: AppSpec['installations'][number]) => ({
    id: i.id, account: wireUser(s, i.account), repository_selection: i.repos ? 'selected' : 'all',
    access_tokens_url: `${s.origin}/app/installations/${i.id}/access_tokens`, repositories_url: `${s.origin}/installation/repositories`,
    html_url: `${s.origin}/settings/installations/${i.id}`, app_id: a.spec.id, app_slug: a.spec.slug, target_id: s.userId(i.account),
    target_type: 'Organization', permissions: wireApp(a).permissions, events: wireApp(a).events, created_at: at(a.at), updated_at: at(a.at),
    suspended_at: null, suspended_by: null,
  });
  app.get('/app', jwtRoute('/app', (_c, a) => ({ body: wireApp(a) })));
  app.get('/app/installations', jwtRoute('/app/installations', (_c, a) => ({ body: a.spec.installations.map((i) => wireInstallation(a, i)) })));
  const I = '/app/installations/:id';
  app.get(I, jwtRoute(I, (c, a) => ({ body: wireInstallation(a, apps.installation(a, Number(param(c, 'id')))) })));
  app.post(`${I}/access_tokens`, jwtRoute(`${I}/access_tokens`, (c, a) => {
    const inst = apps.installation(a, Number(param(c, 'id')));
    const t = apps.issue(a, inst.id);
    return {
      status: 201,
      body: { token: t.token, expires_at: at(t.expiresAt), permissions: wireApp(a).permissions, repository_selection: inst.repos ? 'selected' : 'all' },
    };
  }));
  app.get('/installation/repositories', api('/installation/repositories', (c) => {
    const t = apps.valid(tokenOf(c) ?? '');
    if (!t) throw new GhError(403, 'This endpoint requires you to be authenticated as an installation.');
    const inst = apps.installation(apps.apps.get(t.appId)!, t.installationId);
    const wanted = inst.repos?.map((r) => r.toLowerCase());
    const repos = [...s.repos.values()].filter((r) =>
      wanted ? wanted.includes(`${r.owner}/${r.name}`.toLowerCase()) : r.owner.toLowerCase() === inst.account.toLowerCase());
    const page = paginate(c, repos);
    return {
      body: { total_count: repos.length, repository_selection: wanted ? 'selected' : 'all', repositories: page.items.map((r) => wireRepo(s, r)) },
      headers: page.headers,
    };
  }));
}

const appBody = z.object({
  id: z.number().int().positive(), slug: z.string().regex(/^[a-z0-9][a-z0-9-]*$/), name: z.string().min(1).optional(),
  public_key_pem: z.string().min(1),
  installations: z.array(z.object({ id: z.number().int().positive(), account: z.string().regex(/^[A-Za-z0-9_.-]+$/), repos: z.array(z.string()).optional() }).strict()).default([]),
}).strict();

/** POST /_sim/apps `{ id, slug, name?, public_key_pem, installations: [{ id, account, repos? }] }` (control API: no auth). */
export function registerAppControl(app: Hono, add: (spec: AppSpec) => AppSpec): void {
  app.post('/_sim/apps', async (c) => {
    try {
      const r = appBody.safeParse(await readBody(c));
      if (!r.success) {
        const field = r.error.issues[0].path.join('.') || '(body)';
        throw new GhError(400, `${field}: ${r.error.issues[0].message}`, { field });
      }
      const b = r.data;
      const spec = add({ id: b.id, slug: b.slug, name: b.name, publicKeyPem: b.public_key_pem, installations: b.installations });
      return c.json({ id: spec.id, slug: spec.slug, installations: spec.installations }, 201);
    } catch (e) {
      if (!(e instanceof GhError)) throw e;
      return c.json({ message: e.message, ...e.extra }, e.status as 400);
    }
  });
}
