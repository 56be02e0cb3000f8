import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO, startSim, statusOf, TOKEN, type Harness } from './helpers.ts';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const APP = { id: 4242, slug: 'autopilot-app', publicKeyPem: PUBLIC_PEM, installations: [{ id: 77, account: 'acme' }, { id: 78, account: 'globex', repos: ['globex/one'] }] };

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
/** An RS256 JWT as a GitHub App signs it (claims overridable). */
function jwt(claims: Record<string, unknown>, key: KeyObject = privateKey, alg = 'RS256'): string {
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${sign('RSA-SHA256', Buffer.from(head), key).toString('base64url')}`;
}

let h: Harness;
let nowS: () => number;
const call = async (path: string, o: { method?: string; bearer?: string; body?: unknown } = {}) => {
  const res = await fetch(`${h.baseUrl}${path}`, {
    method: o.method ?? 'GET',
    headers: { ...(o.bearer ? { authorization: `Bearer ${o.bearer}` } : {}), ...(o.body ? { 'content-type': 'application/json' } : {}) },
    ...(o.body ? { body: JSON.stringify(o.body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as any };
};
const goodJwt = () => jwt({ iat: nowS() - 60, exp: nowS() + 540, iss: String(APP.id) });

beforeEach(async () => {
  h = await startSim({ apps: [APP], repos: [REPO, 'acme/api', 'globex/one', 'globex/two'] });
  nowS = () => Math.floor(h.sim.clock.now() / 1000);
});
afterEach(() => h.close());

describe('GitHub Apps', () => {
  it('GET /app and GET /app/installations/{id} with a JWT signed by the app key', async () => {
    const app = await call('/app', { bearer: goodJwt() });
    expect(app).toMatchObject({ status: 200, body: { id: 4242, slug: 'autopilot-app', installations_count: 2 } });
    const inst = await call('/app/installations/77', { bearer: goodJwt() });
    expect(inst).toMatchObject({ status: 200, body: { id: 77, app_id: 4242, account: { login: 'acme' }, repository_selection: 'all' } });
    expect((await call('/app/installations/999', { bearer: goodJwt() })).status).toBe(404);
    // The JWT routes are logged (never with the JWT).
    expect(h.sim.log({ route: 'GET /app' })).toHaveLength(1);
    expect(JSON.stringify(h.sim.log())).not.toContain(goodJwt().slice(-20));
  });

  it('refuses a bad JWT with 401 as GitHub: other key, wrong iss, expired, too long, issued in the future, not a JWT, HS256', async () => {
    const t = nowS();
    const bad = [
      jwt({ iat: t - 60, exp: t + 540, iss: '4242' }, other.privateKey),
      jwt({ iat: t - 60, exp: t + 540, iss: '999' }),
      jwt({ iat: t - 700, exp: t - 100, iss: '4242' }),
      jwt({ iat: t, exp: t + 601, iss: '4242' }),
      jwt({ iat: t + 120, exp: t + 500, iss: '4242' }),
      jwt({ iat: t - 60, exp: t + 540, iss: '4242' }, privateKey, 'HS256'),
      'not-a-jwt',
      TOKEN,
    ];
    for (const b of bad) {
      const r = await call('/app/installations/77/access_tokens', { method: 'POST', bearer: b });
      expect(r.status, b.slice(0, 30)).toBe(401);
      expect(r.body.message).toEqual(expect.any(String));
    }
    expect((await call('/app')).status).toBe(401);
    // A JWT good now is refused once the sim clock passes its exp.
    const j = goodJwt();
    h.sim.advance(541);
    expect((await call('/app', { bearer: j })).status).toBe(401);
  });

  it('an installation token works as <slug>[bot] on the REST API for one sim hour, then 401', async () => {
    const minted = await call('/app/installations/77/access_tokens', { method: 'POST', bearer: goodJwt() });
    expect(minted.status).toBe(201);
    expect(minted.body.token).toMatch(/^ghs_[0-9a-f]{36}$/);
    expect(Date.parse(minted.body.expires_at)).toBe(Math.floor(h.sim.clock.now() / 1000) * 1000 + 3_600_000);
    const gh = h.octokit(minted.body.token);
    expect((await gh.users.getAuthenticated()).data.login).toBe('autopilot-app[bot]');
    const repos = await gh.apps.listReposAccessibleToInstallation();
    expect(repos.data.repositories.map((r) => r.full_name).sort()).toEqual(['acme/api', 'acme/shop']);
    expect(repos.data.total_count).toBe(2);
    // Opening a PR as the installation: the PR's author is the bot.
    h.sim.pushBranch(REPO, 'bot-change', { 'a.txt': 'a' });
    const pr = await gh.pulls.create({ owner: 'acme', repo: 'shop', head: 'bot-change', base: 'main', title: 'From the app' });
    expect(pr.data.user?.login).toBe('autopilot-app[bot]');
    // A user token may not list installation repositories.
    expect(await statusOf(h.gh.apps.listReposAccessibleToInstallation())).toMatchObject({ status: 403 });

    h.sim.advance(3599);
    expect((await gh.users.getAuthenticated()).status).toBe(200);
    h.sim.advance(1);
    expect(await statusOf(gh.users.getAuthenticated())).toMatchObject({ status: 401, message: expect.stringContaining('Bad credentials') });
    // A new token from the same installation works again; a different one each time.
    const again = await call('/app/installations/77/access_tokens', { method: 'POST', bearer: goodJwt() });
    expect(again.body.token).not.toBe(minted.body.token);
    expect((await h.octokit(again.body.token).users.getAuthenticated()).data.login).toBe('autopilot-app[bot]');
  });

  it('an installation on selected repositories lists only them', async () => {
    const minted = await call('/app/installations/78/access_tokens', { method: 'POST', bearer: goodJwt() });
    const repos = await h.octokit(minted.body.token).apps.listReposAccessibleToInstallation();
    expect(repos.data).toMatchObject({ total_count: 1, repository_selection: 'selected' });
    expect(repos.data.repositories.map((r) => r.full_name)).toEqual(['globex/one']);
  });

  it('POST /_sim/apps adds an app at run time; a bad body is a 400 naming the field', async () => {
    const added = await call('/_sim/apps', { method: 'POST', body: { id: 5, slug: 'second', public_key_pem: PUBLIC_PEM, installations: [{ id: 9, account: 'acme' }] } });
    expect(added).toMatchObject({ status: 201, body: { id: 5, slug: 'second' } });
    const t = nowS();
    expect((await call('/app', { bearer: jwt({ iat: t, exp: t + 300, iss: 5 }) })).body).toMatchObject({ slug: 'second' });
    expect(await call('/_sim/apps', { method: 'POST', body: { id: 6, slug: 'x', public_key_pem: 'nope' } })).toMatchObject({ status: 400, body: { field: 'public_key_pem' } });
    expect(await call('/_sim/apps', { method: 'POST', body: { id: 'x', slug: 'x', public_key_pem: PUBLIC_PEM } })).toMatchObject({ status: 400, body: { field: 'id' } });
    expect((await call('/_sim/apps', { method: 'POST', body: { id: 5, slug: 'again', public_key_pem: PUBLIC_PEM } })).status).toBe(422);
  });
});
