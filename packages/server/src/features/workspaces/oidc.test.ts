import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestOrchestrator, type TestOrchestrator } from '../../../test/harness';
import { engineEnv, orchestratorEngines } from '../../../test/orchestrator-engines';
import { startOidcStandIn, type OidcStandIn } from '../../../test/oidc-stand-in';
import { safeNextPath } from './oidc.routes';

/*
 * OpenID Connect sign-in end to end against a real provider (oidc-provider on 127.0.0.1): a plain HTTP client
 * follows every redirect by hand, carrying each origin's cookies, from /auth/oidc/start through the provider's
 * authorize and login to /auth/oidc/callback. The orchestrator is reached in process under its public URL.
 */

const PUBLIC = 'http://autopilot.test';
const CLIENT = { clientId: 'autopilot-test', clientSecret: 'stand-in-client-secret-0123456789' };
const ACCOUNTS = [
  { sub: 'sub-ada', email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace' },
  { sub: 'sub-bob', email: 'bob@example.com', email_verified: true, name: 'Bob' },
  { sub: 'sub-mallory', email: 'carol@example.com', email_verified: false, name: 'Not Carol' },
  { sub: 'sub-dan', email: 'dan@example.com', email_verified: true, name: 'Dan' },
];

type Jar = Map<string, Map<string, string>>;

function keep(jar: Jar, url: string, res: Response) {
  const origin = new URL(url).origin;
  const mine = jar.get(origin) ?? new Map<string, string>();
  jar.set(origin, mine);
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()));
    if (gone || value === '') mine.delete(name);
    else mine.set(name, value);
  }
}
const cookieHeader = (jar: Jar, url: string) => [...(jar.get(new URL(url).origin) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');

/** One GET with the jar's cookies: in process for the orchestrator's public origin, over the network for the provider. */
async function get(t: TestOrchestrator, jar: Jar, url: string): Promise<Response> {
  const headers = { cookie: cookieHeader(jar, url) };
  const res = url.startsWith(`${PUBLIC}/`) ? await t.orch.app.request(url, { headers }) : await fetch(url, { headers, redirect: 'manual' });
  keep(jar, url, res);
  return res;
}

interface Trip {
  /** The last response (a redirect off /auth/oidc, or a page). */
  res: Response;
  /** Where that last redirect points (relative to the orchestrator), if it is one. */
  location?: string;
  /** The provider's redirect back to us, as it was (for replays). */
  callbackUrl?: string;
  /** The flow cookie the callback received. */
  flowCookie?: string;
}

/** From /auth/oidc/start to the first answer that does not redirect within the flow. */
async function oidcSignIn(t: TestOrchestrator, jar: Jar, next?: string, stopAtCallback = false): Promise<Trip> {
  let url = `${PUBLIC}/auth/oidc/start${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`;
  const trip: Partial<Trip> = {};
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(`${PUBLIC}/auth/oidc/callback`)) {
      trip.callbackUrl = url;
      trip.flowCookie = jar.get(PUBLIC)?.get('autopilot_oidc');
      if (stopAtCallback) return { ...trip, res: new Response(null, { status: 204 }) };
    }
    const res = await get(t, jar, url);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      const target = new URL(location, url).href;
      if (target.startsWith(`${PUBLIC}/`) && !new URL(target).pathname.startsWith('/auth/oidc/')) return { ...trip, res, location: target.slice(PUBLIC.length) };
      if (!target.startsWith(`${PUBLIC}/`) && !target.startsWith('http://127.0.0.1:')) return { ...trip, res, location: target };
      url = target;
      continue;
    }
    return { ...trip, res };
  }
  throw new Error('too many redirects');
}

const me = async (t: TestOrchestrator, jar: Jar) => {
  const res = await t.orch.app.request(`${PUBLIC}/api/me`, { headers: { cookie: cookieHeader(jar, PUBLIC) } });
  return { status: res.status, body: (await res.json()) as { person: { id: string; email: string; name: string; workspaces: Array<{ id: string; role: string }> } | null } };
};

describe('safeNextPath', () => {
  it('keeps same-origin paths only', () => {
    expect(safeNextPath('/settings?tab=keys')).toBe('/settings?tab=keys');
    for (const bad of ['https://evil.example', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '/a\nb', '', undefined]) expect(safeNextPath(bad)).toBe('/sessions');
  });
});

describe.each(orchestratorEngines())('OIDC sign-in (%s)', (engine) => {
  let t: TestOrchestrator;
  let idp: OidcStandIn;
  let cleanup: () => Promise<void>;
  let adaId: string;
  beforeAll(async () => {
    idp = await startOidcStandIn({ ...CLIENT, redirectUris: [`${PUBLIC}/auth/oidc/callback`], accounts: ACCOUNTS });
    const e = await engineEnv(engine);
    cleanup = e.cleanup;
    t = await startTestOrchestrator({ ...e.env, AUTH_SIGNUP: 'open', AUTOPILOT_PUBLIC_URL: PUBLIC, OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: CLIENT.clientId, OIDC_CLIENT_SECRET: CLIENT.clientSecret, OIDC_NAME: 'Stand-in IdP' });
    // Ada signs up with a password first (the first person, with the owner key); Carol too.
    const ada = await t.request('/api/auth/signup', { method: 'POST', key: null, json: { email: 'ada@example.com', password: 'correct horse battery', name: 'Ada', ownerKey: ADMIN_KEY } });
    expect(ada.status).toBe(201);
    adaId = ((await ada.json()) as { person: { id: string } }).person.id;
    const carol = await t.request('/api/auth/signup', { method: 'POST', key: null, json: { email: 'carol@example.com', password: 'another long password', name: 'Carol' } });
    expect(carol.status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await idp?.close();
    await cleanup?.();
  });

  it('the sign-in page is offered the provider', async () => {
    const p = (await (await t.request('/api/auth/providers', { key: null })).json()) as { oidc: { name: string; startUrl: string } | null };
    expect(p.oidc).toEqual({ name: 'Stand-in IdP', startUrl: '/auth/oidc/start' });
  });

  it('a new person is created and signed in; signing in again finds the same person', async () => {
    idp.signInAs('sub-bob');
    const jar: Jar = new Map();
    const trip = await oidcSignIn(t, jar, '/settings');
    expect(trip.res.status).toBe(303);
    expect(trip.location).toBe('/settings');
    const who = await me(t, jar);
    expect(who.status).toBe(200);
    expect(who.body.person).toMatchObject({ email: 'bob@example.com', name: 'Bob' });
    expect(who.body.person!.workspaces.map((w) => w.role)).toEqual(['owner']);
    const again: Jar = new Map();
    expect((await oidcSignIn(t, again)).location).toBe('/sessions');
    expect((await me(t, again)).body.person!.id).toBe(who.body.person!.id);
    const rows = await t.orch.db.kysely.selectFrom('users').select('id').where('email', '=', 'bob@example.com').execute();
    expect(rows).toHaveLength(1);
    const ids = await t.orch.db.kysely.selectFrom('oidc_identities').selectAll().where('subject', '=', 'sub-bob').execute();
    expect(ids.map((r) => [r.issuer, r.user_id])).toEqual([[idp.issuer, who.body.person!.id]]);
  });

  it('a verified e-mail links the existing password account', async () => {
    idp.signInAs('sub-ada');
    const jar: Jar = new Map();
    expect((await oidcSignIn(t, jar)).location).toBe('/sessions');
    expect((await me(t, jar)).body.person).toMatchObject({ id: adaId, email: 'ada@example.com' });
    const ids = await t.orch.db.kysely.selectFrom('oidc_identities').select('user_id').where('subject', '=', 'sub-ada').execute();
    expect(ids).toEqual([{ user_id: adaId }]);
  });

  it('an unverified e-mail does not link an existing account (and gets no session)', async () => {
    idp.signInAs('sub-mallory');
    const jar: Jar = new Map();
    const trip = await oidcSignIn(t, jar);
    expect(trip.res.status).toBe(403);
    expect(trip.res.headers.get('content-type')).toContain('text/html');
    expect(await trip.res.text()).toContain('verified e-mail');
    expect(jar.get(PUBLIC)?.has('autopilot_session')).toBe(false);
    expect((await me(t, jar)).status).toBe(401);
    expect(await t.orch.db.kysely.selectFrom('oidc_identities').select('user_id').where('subject', '=', 'sub-mallory').execute()).toEqual([]);
  });

  it('a wrong or missing state is a 400 page; a replayed code is refused', async () => {
    idp.signInAs('sub-bob');
    const jar: Jar = new Map();
    const stopped = await oidcSignIn(t, jar, undefined, true);
    expect(stopped.callbackUrl).toContain('code=');
    const wrong = new URL(stopped.callbackUrl!);
    wrong.searchParams.set('state', 'not-the-state');
    const bad = await get(t, jar, wrong.href);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('not valid');
    // The flow cookie is single use: the right URL after that has no flow to match.
    const noFlow = await get(t, jar, stopped.callbackUrl!);
    expect(noFlow.status).toBe(400);
    expect((await me(t, jar)).status).toBe(401);

    // A complete sign-in, then its callback again with the flow cookie it had: the provider refuses the used code.
    const good: Jar = new Map();
    const done = await oidcSignIn(t, good);
    expect(done.location).toBe('/sessions');
    const replayJar: Jar = new Map([[PUBLIC, new Map([['autopilot_oidc', done.flowCookie!]])]]);
    const replay = await get(t, replayJar, done.callbackUrl!);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('refused');
    expect(replayJar.get(PUBLIC)?.has('autopilot_session')).toBe(false);

    // A forged flow cookie (its signature does not match) is no flow.
    const stopped2 = await oidcSignIn(t, new Map(), undefined, true);
    const [payload] = stopped2.flowCookie!.split('.');
    const forged: Jar = new Map([[PUBLIC, new Map([['autopilot_oidc', `${payload}.${'0'.repeat(64)}`]])]]);
    expect((await get(t, forged, stopped2.callbackUrl!)).status).toBe(400);
  });

  it('next= pointing elsewhere ends on a same-origin path', async () => {
    idp.signInAs('sub-bob');
    for (const next of ['https://evil.example', '//evil.example/x', '/\\evil.example']) {
      const trip = await oidcSignIn(t, new Map(), next);
      expect(trip.res.status).toBe(303);
      expect(trip.location).toBe('/sessions');
    }
  });
});

describe('OIDC sign-in, invite-only and an unreachable provider', () => {
  let idp: OidcStandIn;
  let t: TestOrchestrator;
  let down: TestOrchestrator;
  beforeAll(async () => {
    idp = await startOidcStandIn({ ...CLIENT, redirectUris: [`${PUBLIC}/auth/oidc/callback`], accounts: ACCOUNTS });
    t = await startTestOrchestrator({ AUTH_SIGNUP: 'invite', AUTOPILOT_PUBLIC_URL: PUBLIC, OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: CLIENT.clientId, OIDC_CLIENT_SECRET: CLIENT.clientSecret });
    down = await startTestOrchestrator({ AUTOPILOT_PUBLIC_URL: PUBLIC, OIDC_ISSUER: 'http://127.0.0.1:9', OIDC_CLIENT_ID: CLIENT.clientId, OIDC_CLIENT_SECRET: CLIENT.clientSecret });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await down?.close();
    await idp?.close();
  });

  it('invite-only refuses an unknown person with a page, and creates nobody', async () => {
    const first = await t.request('/api/auth/signup', { method: 'POST', key: null, json: { email: 'ada@example.com', password: 'correct horse battery', name: 'Ada', ownerKey: ADMIN_KEY } });
    expect(first.status).toBe(201);
    idp.signInAs('sub-dan');
    const jar: Jar = new Map();
    const trip = await oidcSignIn(t, jar);
    expect(trip.res.status).toBe(403);
    expect(await trip.res.text()).toContain('invitation');
    expect(await t.orch.db.kysely.selectFrom('users').select('email').where('email', '=', 'dan@example.com').execute()).toEqual([]);
    // A known (linked by verified e-mail) person still gets in.
    idp.signInAs('sub-ada');
    const ada: Jar = new Map();
    expect((await oidcSignIn(t, ada)).location).toBe('/sessions');
    expect((await me(t, ada)).body.person?.email).toBe('ada@example.com');
  });

  it('an unreachable provider gives a 502 page, not a stack', async () => {
    const res = await down.orch.app.request(`${PUBLIC}/auth/oidc/start`);
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(text).toContain('identity provider is unavailable');
    expect(text).not.toMatch(/at .*\.ts:\d+|ECONNREFUSED/);
  });
});

describe('OIDC configuration', () => {
  it('refuses an issuer without its client, and a plain-http issuer off loopback unless OIDC_ALLOW_INSECURE', async () => {
    const { loadConfig, ConfigError } = await import('../../platform/config');
    const base = { DATA_DIR: '/tmp/autopilot-oidc-config' };
    expect(() => loadConfig({ ...base, OIDC_ISSUER: 'https://idp.example' })).toThrow(/OIDC_CLIENT_ID and OIDC_CLIENT_SECRET/);
    const client = { OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's' };
    expect(() => loadConfig({ ...base, ...client, OIDC_ISSUER: 'http://idp.internal' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...client, OIDC_ISSUER: 'http://idp.internal' })).toThrow(/must be https/);
    expect(loadConfig({ ...base, ...client, OIDC_ISSUER: 'http://idp.internal', OIDC_ALLOW_INSECURE: 'true' }).OIDC_ALLOW_INSECURE).toBe(true);
    expect(loadConfig({ ...base, ...client, OIDC_ISSUER: 'http://127.0.0.1:4000' }).OIDC_ISSUER).toBe('http://127.0.0.1:4000');
    expect(loadConfig({ ...base, ...client, OIDC_ISSUER: 'https://idp.example' }).OIDC_ALLOW_INSECURE).toBe(false);
  });
});
