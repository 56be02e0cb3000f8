import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
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
import { createGithubFeature } from './index';
import type { GitHubService } from './github.service';

requirePostgresInCi();

const TOKEN = 'github_pat_GOOD_connection_test_Zq7w';
const OTHER = 'github_pat_OTHER_connection_test_Kk2m';
const WRONG = 'github_pat_WRONG_connection_test_0000';
type ErrorJson = { error: { code: string; details?: { issues?: Array<{ path: string; message: string }> } } };

describe.each(testEngines())('GitHub connection (%s)', (engine) => {
  let t: TestDb;
  let sim: GitHubSimulator;
  let server: ListeningGitHubSimulator;
  let guarded: Outbound;
  let allowed: Outbound;
  let logText = '';
  const clock: Clock = { now: () => Date.now(), sleep: async () => {} };
  const ws = randomUUID();
  let role: AuthContext['role'] = 'admin';
  const secrets = createSecretBox(randomBytes(32));

  /** An app with the feature's routes on the real shell, acting in `ws` with the current `role`. */
  function appWith(outbound: Outbound, defaultApiUrl: string): { app: ApiApp; service: GitHubService } {
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => (logText += c.toString('utf8')));
    const log = pino({ level: 'trace' }, sink);
    const feature = createGithubFeature({ db: t.db, secrets, clock, log, outbound, defaultApiUrl });
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
  const rows = () => t.db.kysely.selectFrom('github_connections' as never).selectAll().execute() as Promise<Record<string, unknown>[]>;

  beforeAll(async () => {
    t = await createTestDb(engine);
    await t.db.kysely.insertInto('workspaces').values({ id: ws, name: 'ws', created_at: new Date().toISOString() }).execute();
    sim = createGitHubSimulator({ tokens: { [TOKEN]: 'octo-bot', [OTHER]: 'other-bot' }, repos: ['acme/shop'] });
    server = await sim.listen(0);
    guarded = createOutbound({});
    // As test/reliability does: the exact host:port of the stand-in, nothing wider.
    allowed = createOutbound({ allow: new URL(server.baseUrl).host });
  });
  afterAll(async () => {
    await server?.close();
    await guarded?.close();
    await allowed?.close();
    await t?.cleanup();
  });

  it('connects with a good token at the default URL: login stored, token sealed, never returned or logged', async () => {
    const { app, service } = appWith(guarded, server.baseUrl);
    expect((await call(app, 'GET')).body).toEqual({ kind: 'none' });

    const put = await call(app, 'PUT', { token: TOKEN });
    expect(put.status).toBe(200);
    const conn = GitHubConnection.parse(put.body);
    expect(conn).toMatchObject({ kind: 'token', apiUrl: server.baseUrl, tokenLast4: 'Zq7w', login: 'octo-bot', lastError: null });
    // The live check's answer already shows the budget.
    expect(conn.kind === 'token' && conn.rateLimit.limit).toBe(5000);

    const [row] = await rows();
    expect(row).toMatchObject({ workspace_id: ws, api_url: null, token_last4: 'Zq7w', login: 'octo-bot' });
    expect(JSON.stringify(row)).not.toContain(TOKEN);
    expect(String(row.token_sealed)).toMatch(/^v1:/);

    const got = await call(app, 'GET');
    expect(got.body).toMatchObject({ kind: 'token', login: 'octo-bot' });
    expect(got.text).not.toContain(TOKEN);
    expect(put.text).not.toContain(TOKEN);

    // The workspace's client is the stored token's, and one per workspace.
    const client = await service.clientFor(ws);
    expect(client).not.toBeNull();
    expect(await client!.viewer()).toEqual({ login: 'octo-bot' });
    expect(await service.clientFor(ws)).toBe(client);

    // Replacing the token keeps createdAt and gives a new client.
    const again = await call(app, 'PUT', { token: OTHER });
    expect(again.body).toMatchObject({ login: 'other-bot', tokenLast4: 'Kk2m', createdAt: conn.kind === 'token' ? conn.createdAt : '' });
    const next = await service.clientFor(ws);
    expect(next).not.toBe(client);
    expect(await next!.viewer()).toEqual({ login: 'other-bot' });
    expect(logText).not.toContain(TOKEN);
    expect(logText).not.toContain(OTHER);
  });

  it('a token GitHub refuses is a 400 naming body.token, and nothing is stored', async () => {
    const { app } = appWith(guarded, server.baseUrl);
    const before = await rows();
    const bad = await call(app, 'PUT', { token: WRONG });
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorJson).error.details?.issues?.[0]?.path).toBe('body.token');
    expect(bad.text).not.toContain(WRONG);
    expect(await rows()).toEqual(before);
    const empty = await call(app, 'PUT', { token: '' });
    expect([empty.status, (empty.body as ErrorJson).error.details?.issues?.[0]?.path]).toEqual([400, 'body.token']);
    const url = await call(app, 'PUT', { token: TOKEN, apiUrl: 'ftp://x' });
    expect([url.status, (url.body as ErrorJson).error.details?.issues?.[0]?.path]).toEqual([400, 'body.apiUrl']);
  });

  it('viewers and members read but may not connect or disconnect (403)', async () => {
    const { app } = appWith(guarded, server.baseUrl);
    for (const r of ['viewer', 'member'] as const) {
      role = r;
      expect((await call(app, 'GET')).status).toBe(200);
      expect((await call(app, 'PUT', { token: TOKEN })).status).toBe(403);
      expect((await call(app, 'DELETE')).status).toBe(403);
    }
    role = 'admin';
  });

  it('a user-supplied apiUrl on loopback is refused unless AUTOPILOT_OUTBOUND_ALLOW names it', async () => {
    const refused = await call(appWith(guarded, 'https://api.github.com').app, 'PUT', { token: TOKEN, apiUrl: server.baseUrl });
    expect(refused.status).toBe(400);
    expect((refused.body as ErrorJson).error.details?.issues?.[0]?.path).toBe('body.apiUrl');
    const beforeLog = sim.log().length;

    const { app, service } = appWith(allowed, 'https://api.github.com');
    const ok = await call(app, 'PUT', { token: TOKEN, apiUrl: `${server.baseUrl}/` });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ apiUrl: server.baseUrl, login: 'octo-bot' });
    expect((await rows())[0]).toMatchObject({ api_url: server.baseUrl });
    expect(sim.log().length).toBe(beforeLog + 1);
    expect(await (await service.clientFor(ws))!.viewer()).toEqual({ login: 'octo-bot' });

    // The same row read by a server whose guard does not allow the address: the client still meets the guard.
    const { service: strict } = appWith(guarded, 'https://api.github.com');
    await expect((await strict.clientFor(ws))!.viewer()).rejects.toMatchObject({ name: 'GitHubUnavailable' });
  });

  it('DELETE removes the connection and its token; a second DELETE is a 404', async () => {
    const { app, service } = appWith(guarded, server.baseUrl);
    if ((await rows()).length === 0) expect((await call(app, 'PUT', { token: TOKEN })).status).toBe(200);
    const del = await call(app, 'DELETE');
    expect([del.status, del.body]).toEqual([200, { kind: 'none' }]);
    expect(await rows()).toEqual([]);
    expect((await call(app, 'GET')).body).toEqual({ kind: 'none' });
    expect(await service.clientFor(ws)).toBeNull();
    expect((await call(app, 'DELETE')).status).toBe(404);
  });
});
