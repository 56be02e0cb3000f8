import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox, loadOrCreateMasterKey } from '../src/platform/crypto';
import { ADMIN_KEY, startTestOrchestrator, type TestOrchestrator } from './harness';
import { engineEnv, orchestratorEngines } from './orchestrator-engines';

/*
 * The issue's "done when": export from an orchestrator on SQLite, import into one on PostgreSQL (SQLite again when
 * no TEST_DATABASE_URL: the format is the same, the engines' value conversions are then only half tested), the
 * same workspace comes out, no secret is in the file, a second import changes nothing; with a passphrase the
 * secrets come back and work; a wrong passphrase or one bad line is a 400 naming it and writes nothing; another
 * workspace's rows never appear.
 */
const target = orchestratorEngines().includes('postgres') ? 'postgres' : 'sqlite';
const ENV = { JULES_DEMO_SESSIONS: '0', JULES_DEMO_NEW_SESSION_MS: '0', AUTOPILOT_OUTBOUND_ALLOW: '127.0.0.1' };

const secrets = {
  provider: `sk-ant-${randomBytes(12).toString('hex')}`,
  jules: `jules-key-${randomBytes(12).toString('hex')}`,
  hook: `lin_wh_${randomBytes(12).toString('hex')}`,
  channel: `whsec_${randomBytes(24).toString('base64')}`,
};
// A webhook channel's URL is shown by the API (only a Slack URL, the credential itself, is masked): sealed with
// the rest of the destination at rest, and so a secret of the file too.
const channelUrl = `http://127.0.0.1:9/hook-${randomBytes(6).toString('hex')}`;

type Json = Record<string, any>;

describe(`workspace export from SQLite, import into ${target}`, () => {
  let src: TestOrchestrator;
  let dst: TestOrchestrator;
  let cleanup: () => Promise<void>;
  let other: { id: string; key: string };

  const json = async (t: TestOrchestrator, path: string, init: Parameters<TestOrchestrator['request']>[1] = {}) => {
    const res = await t.request(path, init);
    const body = res.headers.get('content-type')?.includes('json') ? ((await res.json()) as Json) : await res.text();
    return { status: res.status, body: body as any };
  };
  const exportText = async (t: TestOrchestrator, opts: { key?: string; passphrase?: string; tables?: string } = {}) => {
    const res = opts.passphrase
      ? await t.request('/api/export', { method: 'POST', key: opts.key, json: { passphrase: opts.passphrase, ...(opts.tables ? { tables: opts.tables.split(',') } : {}) } })
      : await t.request(`/api/export${opts.tables ? `?tables=${opts.tables}` : ''}`, { key: opts.key });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    return res.text();
  };
  const importFile = (t: TestOrchestrator, text: string, opts: { passphrase?: string; dryRun?: boolean; key?: string } = {}) =>
    json(t, `/api/import${opts.dryRun ? '?dryRun=true' : ''}`, {
      method: 'POST',
      key: opts.key,
      body: text,
      headers: { 'content-type': 'application/x-ndjson', ...(opts.passphrase ? { 'x-autopilot-passphrase': opts.passphrase } : {}) },
    });

  /** What the APIs answer about the workspace's configuration, minus what is the server's own (ids of the workspace, counters, times of use). */
  const snapshot = async (t: TestOrchestrator) => {
    const list = async (p: string) => {
      const b = (await json(t, p)).body;
      return (b.items ?? b.providers ?? b.accounts ?? b.rules ?? b) as Json[];
    };
    const drop = (o: Json, keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
    const byName = (a: Json[]) => [...a].sort((x, y) => String(x.name).localeCompare(String(y.name)));
    return {
      templates: byName(await list('/api/templates')),
      schedules: byName(await list('/api/schedules')).map((s) => drop(s, ['nextRuns', 'lastRun'])),
      providers: byName((await list('/api/providers')).filter((p) => p.source === 'api')).map((p) => drop(p, ['health', 'breaker', 'inFlight'])),
      accounts: byName((await list('/api/jules/accounts')).filter((a) => a.origin === 'api')).map((a) => drop(a, ['lastSyncAt', 'lastError', 'lastFullSyncAt', 'health', 'status'])),
      hooks: byName(await list('/api/hooks/endpoints')).map((h) => drop(h, ['url', 'deliveries', 'rejected', 'lastDeliveryAt'])),
      channels: byName(await list('/api/channels')).map((c) => drop(c, ['delivered', 'failed', 'pending', 'consecutiveFailures', 'lastDeliveryAt'])),
      keeper: (await json(t, '/api/keeper/settings')).body,
      budget: drop((await json(t, '/api/budgets')).body, ['spent', 'reserved', 'day', 'month', 'reservations', 'usage', 'daySpentUsd', 'monthSpentUsd']),
    };
  };

  beforeAll(async () => {
    src = await startTestOrchestrator(ENV);
    const e = await engineEnv(target);
    cleanup = e.cleanup;
    dst = await startTestOrchestrator({ ...ENV, ...e.env });

    // A populated workspace: templates, a schedule, a provider with a key, a Jules account with a key, a webhook
    // endpoint with a secret, a channel with a URL and signing secret, keeper settings, a budget, a routing rule.
    const tpl = await json(src, '/api/templates', { method: 'POST', json: { name: 'Fix an issue', prompt: 'Fix issue {{issue}} in {{repo}}', sources: ['acme/api'], tags: ['bugs', 'ops'], variables: [{ name: 'repo', type: 'repo', required: true }, { name: 'issue', type: 'number', required: true }] } });
    expect(tpl.status, JSON.stringify(tpl.body)).toBe(201);
    expect((await json(src, '/api/templates', { method: 'POST', json: { name: 'Release notes', prompt: 'Write the release notes' } })).status).toBe(201);
    const sched = await json(src, '/api/schedules', { method: 'POST', json: { name: 'Weekly fixes', cron: '0 7 * * 1', timezone: 'Europe/Berlin', enabled: true, missedRunPolicy: 'run_once', target: { kind: 'template', templateId: tpl.body.id, variables: { repo: 'acme/api', issue: '1' } } } });
    expect(sched.status, JSON.stringify(sched.body)).toBe(201);
    const prov = await json(src, '/api/providers', { method: 'POST', json: { kind: 'anthropic', name: 'claude', apiKey: secrets.provider, priority: 10, enabled: true, maxConcurrency: 4, defaultModels: { default: 'claude-sonnet-4-5' } } });
    expect(prov.status, JSON.stringify(prov.body)).toBe(201);
    const hook = await json(src, '/api/hooks/endpoints', { method: 'POST', json: { name: 'Linear', preset: 'linear', secret: secrets.hook, rules: [] } });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const ch = await json(src, '/api/channels', { method: 'POST', json: { kind: 'webhook', name: 'Ops receiver', url: channelUrl, secret: secrets.channel } });
    expect(ch.status, JSON.stringify(ch.body)).toBe(201);
    const keeper = (await json(src, '/api/keeper/settings')).body;
    const put = await json(src, '/api/keeper/settings', { method: 'PUT', json: { ...keeper, enabled: !keeper.enabled } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect((await json(src, '/api/budgets', { method: 'PUT', json: { dailyLimitUsd: 5, monthlyLimitUsd: 100, onExhausted: 'error' } })).status).toBe(200);
    expect((await json(src, '/api/routing/policies', { method: 'POST', json: { name: 'reviews on Claude', match: { tasks: ['review'] }, targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }] } })).status).toBeLessThan(300);
    // A Jules account added through the API checks its key live; the test's Jules is a closed port, so the row is
    // written as the sessions feature writes it (sealed with the source's master key).
    const box = createSecretBox(loadOrCreateMasterKey(undefined, src.dataDir).key);
    const ws = (await json(src, '/api/me')).body;
    await src.orch.db.kysely.insertInto('jules_accounts').values({ id: crypto.randomUUID(), workspace_id: ws.workspace?.id ?? ws.workspaceId, name: 'team jules', origin: 'api', api_key_sealed: box.encrypt(secrets.jules), key_last4: secrets.jules.slice(-4), base_url: 'http://127.0.0.1:9/v1alpha', created_at: new Date().toISOString(), last_sync_at: null, last_full_sync_at: null, last_archived_sync_at: null, last_error: null }).execute();

    other = await src.newWorkspace('Other team');
    expect((await json(src, '/api/templates', { method: 'POST', key: other.key, json: { name: 'Other team only', prompt: 'not yours' } })).status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await src?.close();
    await dst?.close();
    await cleanup?.();
  });

  it('lists the exportable tables with their secret columns', async () => {
    const { body } = await json(src, '/api/export/tables');
    const providers = body.tables.find((t: Json) => t.name === 'llm_providers');
    expect(providers).toMatchObject({ default: true, secrets: ['api_key_sealed'] });
    expect(body.tables.map((t: Json) => t.name)).not.toContain('api_keys');
    const unknown = await json(src, '/api/export?tables=templates,api_keys');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.issues[0]).toMatchObject({ path: 'query.tables', message: expect.stringContaining('"api_keys"') });
  });

  it('exports without any secret, and never another workspace’s rows', async () => {
    const text = await exportText(src);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ format: 'autopilot-export', version: 1, secrets: 'omitted' });
    expect(lines.at(-1)).toMatchObject({ end: true, rows: expect.objectContaining({ templates: 2, llm_providers: 1, jules_accounts: 1, hook_endpoints: 1, channels: 1 }) });
    for (const [name, value] of Object.entries(secrets)) expect(text.includes(value), `${name} in the export`).toBe(false);
    expect(text).not.toContain('Other team only');
    const otherText = await exportText(src, { key: other.key });
    expect(otherText).toContain('Other team only');
    expect(otherText).not.toContain('Fix an issue');
  });

  it('lets admins export and only owners import', async () => {
    const mint = async (role: string) => (await json(src, '/api/keys', { method: 'POST', json: { name: `t-${role}`, role } })).body.key as string;
    const [member, admin] = [await mint('member'), await mint('admin')];
    expect((await src.request('/api/export', { key: member })).status).toBe(403);
    const text = await exportText(src, { key: admin });
    expect((await importFile(src, text, { key: admin })).status).toBe(403);
    const plain = await json(src, '/api/import', { method: 'POST', body: text, headers: { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(text)) } });
    expect(plain.status).toBe(415);
    expect(plain.body.error.details.issues[0].message).toContain('application/x-ndjson');
    // An owner's empty file is a 400 naming the body.
    const empty = await importFile(src, '', { key: ADMIN_KEY });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details.issues[0].path).toBe('body');
  });

  it('imports into the other engine: the same workspace; a second import changes nothing', async () => {
    const text = await exportText(src);
    const dry = await importFile(dst, text, { dryRun: true });
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body.tables.templates).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    expect((await json(dst, '/api/templates')).body.items).toHaveLength(0);

    const first = await importFile(dst, text);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.tables.templates).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    expect(first.body.tables.template_tags.inserted).toBe(2);
    const [a, b] = await Promise.all([snapshot(src), snapshot(dst)]);
    // Secrets were left out: what the target shows of them differs, and such rows wait disabled for a person.
    const noSecret = (s: Awaited<ReturnType<typeof snapshot>>) => ({
      ...s,
      providers: s.providers.map(({ keyLast4: _k, enabled: _e, ...p }) => p),
      accounts: s.accounts.map(({ keyLast4: _k, ...x }) => x),
      hooks: s.hooks.map(({ secretLast4: _s, enabled: _e, ...h }) => h),
      channels: s.channels.map(({ secretLast4: _s, enabled: _e, disabledReason: _d, ...c }) => c),
    });
    expect(noSecret(b)).toEqual(noSecret(a));
    expect(b.templates.length).toBe(2);
    expect(b.providers[0].enabled).toBe(false);
    expect(b.hooks[0].enabled).toBe(false);

    const second = await importFile(dst, text);
    expect(second.status).toBe(200);
    for (const [table, c] of Object.entries<Json>(second.body.tables)) expect(c, table).toMatchObject({ inserted: 0, updated: 0 });
    expect(second.body.tables.templates.unchanged).toBe(2);
  });

  it('with a passphrase the secrets come back, sealed again under the target’s key, and work', async () => {
    const passphrase = 'correct horse battery staple';
    const text = await exportText(src, { passphrase });
    for (const [name, value] of Object.entries(secrets)) expect(text.includes(value), `${name} in the sealed export`).toBe(false);
    expect(JSON.parse(text.split('\n')[0])).toMatchObject({ secrets: 'sealed', kdf: { name: 'scrypt' } });

    const wrong = await importFile(dst, text, { passphrase: 'not the passphrase' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details.issues).toEqual([expect.objectContaining({ path: 'header.x-autopilot-passphrase', message: expect.stringContaining('wrong passphrase') })]);
    const none = await importFile(dst, text);
    expect(none.body.error.details.issues[0].path).toBe('header.x-autopilot-passphrase');

    const ok = await importFile(dst, text, { passphrase });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.tables.llm_providers).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    const box = createSecretBox(loadOrCreateMasterKey(undefined, dst.dataDir).key);
    const k = dst.orch.db.kysely;
    const provider = await k.selectFrom('llm_providers').selectAll().where('name', '=', 'claude').executeTakeFirstOrThrow();
    expect(box.decrypt(provider.api_key_sealed)).toBe(secrets.provider);
    const account = await k.selectFrom('jules_accounts').selectAll().where('name', '=', 'team jules').executeTakeFirstOrThrow();
    expect(box.decrypt(account.api_key_sealed)).toBe(secrets.jules);
    const channel = await k.selectFrom('channels').selectAll().executeTakeFirstOrThrow();
    expect(JSON.parse(box.decrypt(channel.config_sealed))).toMatchObject({ url: channelUrl, secret: secrets.channel });
    // The webhook endpoint takes a delivery signed with the original secret (Linear: HMAC-SHA256 hex of the body).
    const endpoint = await k.selectFrom('hook_endpoints').selectAll().executeTakeFirstOrThrow();
    expect(box.decrypt(endpoint.secret_sealed)).toBe(secrets.hook);
    await k.updateTable('hook_endpoints').set({ enabled: 1 }).where('id', '=', endpoint.id).execute();
    const payload = JSON.stringify({ action: 'create', type: 'Issue', webhookTimestamp: Date.now(), data: { id: 'x', title: 'Imported' } });
    const signed = await dst.orch.app.request(`/hooks/${endpoint.id}`, { method: 'POST', body: payload, headers: { 'content-type': 'application/json', 'linear-signature': createHmac('sha256', secrets.hook).update(payload).digest('hex'), 'linear-delivery': crypto.randomUUID() } });
    expect(signed.status, await signed.clone().text()).toBeLessThan(300);

    const again = await importFile(dst, text, { passphrase });
    for (const [table, c] of Object.entries<Json>(again.body.tables)) expect(c, table).toMatchObject({ inserted: 0, updated: 0 });
  });

  it('a file with one bad line imports nothing and names the line', async () => {
    const text = await exportText(src, { tables: 'templates,schedules' });
    const lines = text.trim().split('\n');
    const n = lines.findIndex((l) => l.includes('"table":"schedules"'));
    const bad = JSON.parse(lines[n]);
    bad.row.name = 42;
    lines[n] = JSON.stringify(bad);
    const fresh = await dst.newWorkspace('Fresh');
    const r = await importFile(dst, `${lines.join('\n')}\n`, { key: fresh.key });
    expect(r.status).toBe(400);
    const paths = r.body.error.details.issues.map((i: Json) => i.path);
    expect(paths).toContain(`line.${n + 1}.row.name`);
    // The edited line also breaks the checksum: both are named, and nothing was written.
    expect(paths).toContain(`line.${lines.length}.sha256`);
    expect((await json(dst, '/api/templates', { key: fresh.key })).body.items).toHaveLength(0);
  });

  it('takes files up to IMPORT_BODY_LIMIT_BYTES (a 413 past it), above the JSON bodies\' limit', async () => {
    const small = await startTestOrchestrator({ ...ENV, IMPORT_BODY_LIMIT_BYTES: '4096', BODY_LIMIT_BYTES: '1024' });
    try {
      const text = await exportText(src, { tables: 'templates' });
      expect(text.length).toBeGreaterThan(1024);
      expect(text.length).toBeLessThan(4096);
      const fits = await importFile(small, text, { dryRun: true });
      expect(fits.status, JSON.stringify(fits.body)).toBe(200);
      const big = await importFile(small, text + ' '.repeat(5000), { dryRun: true });
      expect(big.status).toBe(413);
    } finally {
      await small.close();
    }
  }, 60_000);

  it('refuses rows whose keys belong to another workspace of the same server', async () => {
    const text = await exportText(src, { tables: 'templates' });
    const r = await importFile(src, text, { key: other.key });
    expect(r.status).toBe(400);
    expect(r.body.error.details.issues[0]).toMatchObject({ path: 'line.2.row.id', message: expect.stringContaining('another workspace') });
  });
});
