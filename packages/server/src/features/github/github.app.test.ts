import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { createGitHubSimulator, type GitHubSimulator, type ListeningGitHubSimulator } from '@autopilot/github-sim';
import { GitHubConnection } from '@autopilot/contracts/github';
import type { Clock } from '../../platform/clock';
import { createSecretBox } from '../../platform/crypto';
import { createTestDb, requirePostgresInCi, testEngines, type TestDb } from '../../platform/db/testing';
import { createHttpApp } from '../../platform/http/app';
import type { ApiApp, AuthContext } from '../../platform/http/types';
import { createOutbound, type Outbound } from '../../platform/outbound';
import { createGithubFeature, type GitHubFeatureDeps } from './index';
import type { GitHubService } from './github.service';

requirePostgresInCi();

const pemPair = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } });
const keys = pemPair();
const otherKeys = pemPair();
/** The key's base64 body: what must never appear anywhere once it has been sent. */
const KEY_BODY = keys.privateKey.split('\n').slice(1, -2).join('');
const APP_ID = 31337;
const INSTALLATION = 4711;
const DEMO_TOKEN = 'ghp_demo_simulator_token_Dm0x';
type ErrorJson = { error: { code: string; details?: { issues?: Array<{ path: string; message: string }> } } };

describe.each(testEngines())('GitHub App connection (%s)', (engine) => {
  let t: TestDb;
  let sim: GitHubSimulator;
  let server: ListeningGitHubSimulator;
  let outbound: Outbound;
  let logText = '';
  // Our clock is the simulator's: moving it moves both (the installation token's hour included).
  const clock: Clock = { now: () => sim.clock.now(), sleep: async () => {} };
  const ws = randomUUID();
  const demoWs = randomUUID();
  const secrets = createSecretBox(randomBytes(32));
  const body = { appId: APP_ID, privateKey: keys.privateKey, installationId: INSTALLATION };

  function appWith(extra: Partial<GitHubFeatureDeps> = {}, role: AuthContext['role'] = 'admin'): { app: ApiApp; service: GitHubService } {
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => (logText += c.toString('utf8')));
    const log = pino({ level: 'trace' }, sink);
    const feature = createGithubFeature({ db: t.db, secrets, clock, log, outbound, defaultApiUrl: server.baseUrl, ...extra });
    const app = createHttpApp({ log, bodyLimitBytes: 100_000 });
    app.use('/api/*', async (c, next) => {
      c.set('auth', { workspaceId: ws, workspaceName: 'ws', keyId: 'k', keyName: 'k', keyPrefix: '', keyPublicId: null, role, via: 'key', actor: { kind: 'key', id: 'k', name: 'k' }, userId: null, scopes: null });
      await next();
    });
    feature.routes(app);
    return { app, service: feature.service };
  }
  const call = async (app: ApiApp, method: string, json?: unknown) => {
    const res = await app.request('/api/github/connection', {
      method,
      ...(json === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) }),
    });
    const text = await res.text();
    return { status: res.status, text, body: text ? JSON.parse(text) : null };
  };
  const issuePath = (r: { body: unknown }) => (r.body as ErrorJson).error.details?.issues?.[0]?.path;
  const mints = () => sim.log({ route: 'POST /app/installations/:id/access_tokens' }).filter((e) => e.status === 201).length;

  beforeAll(async () => {
    t = await createTestDb(engine);
    for (const id of [ws, demoWs]) await t.db.kysely.insertInto('workspaces').values({ id, name: id, created_at: new Date().toISOString() }).execute();
    sim = createGitHubSimulator({
      manualClock: true,
      tokens: { [DEMO_TOKEN]: 'demo-user' },
      repos: ['acme/shop', 'acme/api', 'other/x'],
      apps: [{ id: APP_ID, slug: 'jules-autopilot', publicKeyPem: keys.publicKey, installations: [{ id: INSTALLATION, account: 'acme' }] }],
    });
    server = await sim.listen(0);
    outbound = createOutbound({});
  });
  afterAll(async () => {
    await server?.close();
    await outbound?.close();
    await t?.cleanup();
  });

  it('connects an app installation: checked live, key sealed, slug and account shown, key never returned or logged', async () => {
    const { app, service } = appWith();
    const put = await call(app, 'PUT', body);
    expect(put.status).toBe(200);
    const conn = GitHubConnection.parse(put.body);
    expect(conn).toMatchObject({
      kind: 'app', apiUrl: server.baseUrl, appId: APP_ID, installationId: INSTALLATION, appSlug: 'jules-autopilot', account: 'acme',
      login: 'jules-autopilot[bot]', repositories: 2, lastError: null,
    });
    expect(conn.kind === 'app' && conn.rateLimit.limit).toBe(5000);
    expect(conn.kind === 'app' && Date.parse(conn.tokenExpiresAt!)).toBe(Math.floor(sim.clock.now() / 1000) * 1000 + 3_600_000);
    expect(mints()).toBe(1);

    const row = (await t.db.kysely.selectFrom('github_connections').selectAll().where('workspace_id', '=', ws).executeTakeFirstOrThrow()) as Record<string, unknown>;
    expect(row).toMatchObject({ kind: 'app', app_id: String(APP_ID), installation_id: String(INSTALLATION), app_slug: 'jules-autopilot', account: 'acme', login: 'jules-autopilot[bot]' });
    expect(String(row.token_sealed)).toMatch(/^v1:/);
    expect(JSON.stringify(row)).not.toContain(KEY_BODY.slice(0, 40));

    const got = await call(app, 'GET');
    expect(got.body).toMatchObject({ kind: 'app', appSlug: 'jules-autopilot', account: 'acme' });
    for (const text of [put.text, got.text, logText, JSON.stringify(sim.log())]) {
      expect(text).not.toContain(KEY_BODY.slice(0, 40));
      expect(text).not.toContain('PRIVATE KEY');
    }
    // The client acts as the installation.
    const client = (await service.clientFor(ws))!;
    const pulls = await client.octokit.rest.pulls.list({ owner: 'acme', repo: 'shop' });
    expect(pulls.status).toBe(200);
    expect((await client.viewer()).login).toBe('jules-autopilot[bot]');
  });

  it('the installation token is renewed before it expires (manual clock), in the same client: ETag cache and budget kept', async () => {
    const { service } = appWith();
    const client = (await service.clientFor(ws))!;
    expect(await service.clientFor(ws)).toBe(client);
    const before = mints();
    const repo = () => client.octokit.rest.repos.get({ owner: 'acme', repo: 'shop' });
    expect((await repo()).status).toBe(200);
    expect(mints()).toBe(before + 1); // a new service: its client mints its own token

    // 54 minutes on: still the same token.
    sim.advance(54 * 60);
    await repo();
    expect(mints()).toBe(before + 1);
    // 56 minutes: inside the 5-minute window before expiry, a new token is minted before the request.
    sim.advance(2 * 60);
    const notModifiedBefore = client.status().notModified;
    expect((await repo()).status).toBe(200);
    expect(mints()).toBe(before + 2);
    // The same client answered from its ETag cache with the new token: 304, free of rate limit.
    expect(client.status().notModified).toBe(notModifiedBefore + 1);
    const last = sim.log({ route: 'GET /repos/:owner/:repo' }).at(-1)!;
    expect(last).toMatchObject({ status: 304, notModified: true });

    // Far past every expiry (3 hours): still working, a token minted once for it.
    sim.advance(3 * 3600);
    expect((await client.octokit.rest.pulls.list({ owner: 'acme', repo: 'api' })).status).toBe(200);
    expect(mints()).toBe(before + 3);
    const shown = await service.connection(ws);
    expect(shown.kind === 'app' && Date.parse(shown.tokenExpiresAt!)).toBe(Math.floor(sim.clock.now() / 1000) * 1000 + 3_600_000);
    expect(logText).not.toContain(KEY_BODY.slice(0, 40));
  });

  it('refusals name the field: bad PEM, a key of another app, no such installation, a token mixed in; nothing stored', async () => {
    const { app } = appWith();
    const before = await call(app, 'GET');
    const notPem = await call(app, 'PUT', { ...body, privateKey: 'not a key' });
    expect([notPem.status, issuePath(notPem)]).toEqual([400, 'body.privateKey']);
    // PEM-shaped but not a key.
    const garbled = await call(app, 'PUT', { ...body, privateKey: '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n' });
    expect([garbled.status, issuePath(garbled)]).toEqual([400, 'body.privateKey']);
    const otherKey = await call(app, 'PUT', { ...body, privateKey: otherKeys.privateKey });
    expect([otherKey.status, issuePath(otherKey)]).toEqual([400, 'body.privateKey']);
    expect(otherKey.text).not.toContain(otherKeys.privateKey.split('\n')[1]);
    const noInst = await call(app, 'PUT', { ...body, installationId: 999 });
    expect([noInst.status, issuePath(noInst)]).toEqual([400, 'body.installationId']);
    const mixed = await call(app, 'PUT', { ...body, token: 'ghp_x' });
    expect(mixed.status).toBe(400);
    const noId = await call(app, 'PUT', { privateKey: keys.privateKey, installationId: INSTALLATION });
    expect([noId.status, issuePath(noId)]).toEqual([400, 'body.appId']);
    expect((await call(app, 'GET')).body).toEqual(before.body);
    expect(logText).not.toContain(otherKeys.privateKey.split('\n')[1]);
    // Members may not connect an app either.
    expect((await call(appWith({}, 'member').app, 'PUT', body)).status).toBe(403);
  });

  it('demo mode connects the default workspace with the simulator token once, when it has no connection', async () => {
    const { service } = appWith({ demo: { workspaceId: demoWs, token: DEMO_TOKEN } });
    expect(await service.workspaces()).toEqual(expect.arrayContaining([ws, demoWs]));
    expect(await service.connection(demoWs)).toMatchObject({ kind: 'token', login: 'demo-user', apiUrl: server.baseUrl, tokenLast4: 'Dm0x' });
    expect((await (await service.clientFor(demoWs))!.viewer()).login).toBe('demo-user');
    // A workspace that already has a connection keeps it.
    const { service: again } = appWith({ demo: { workspaceId: ws, token: DEMO_TOKEN } });
    expect(await again.connection(ws)).toMatchObject({ kind: 'app' });
    expect(logText).not.toContain(DEMO_TOKEN);
  });
});
