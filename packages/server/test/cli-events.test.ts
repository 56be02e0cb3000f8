import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { ChannelSaved, ChannelTestResult, HookDeliveryPage, HookEndpointPage, HookEndpointSaved, HookRulesTestResult, Notice, NoticePage, ReplayHookResult, routes, type SessionDetail } from '@autopilot/contracts';
import { ADMIN_KEY, startTestOrchestrator, type TestOrchestrator } from './harness';
import { cli, eventually, pool, tmp } from './cli-support';
import { apiError, startStandin, type Standin } from './contract-standin';
import { addBody, list } from '../src/cli/channels';
import { readJson, rulesOf, testText } from '../src/cli/hooks';
import { snoozeUntil } from '../src/cli/notifications';

/*
 * `autopilot hooks`, `notifications` and `channels` (issue #15) as child processes: against a real orchestrator
 * (listening, the Jules simulator on a manual clock; a signed Standard Webhooks delivery in, a webhook channel out to
 * a local receiver that verifies with standardwebhooks), and every flag against a contract-checked stand-in. The contract's JSON with --json (parsed with the contract schemas), tables for people,
 * secrets printed once, usage errors exit 2 before any request, API refusals exit 1 with the message and field.
 */

describe('the events commands, pure parts', () => {
  it('reads JSON files and rules, naming the option when they are not', () => {
    const dir = tmp('autopilot-cli-events-unit-');
    const good = path.join(dir, 'rules.json');
    fs.writeFileSync(good, JSON.stringify({ rules: [{ name: 'r', conditions: [], action: { kind: 'notify', title: 'x' } }] }));
    expect(rulesOf(readJson('--rules', good))).toHaveLength(1);
    expect(rulesOf([{ name: 'a' }])).toEqual([{ name: 'a' }]);
    expect(readJson('--payload', '-', () => '{"a":1}')).toEqual({ a: 1 });
    fs.writeFileSync(path.join(dir, 'bad.json'), '{nope');
    expect(() => readJson('--payload', path.join(dir, 'bad.json'))).toThrow(/--payload: .*is not JSON/);
    expect(() => readJson('--rules', path.join(dir, 'missing.json'))).toThrow(/--rules: cannot read .*ENOENT/);
    expect(() => rulesOf({ nope: 1 })).toThrow(/array of rules/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds channel bodies per kind and refuses the flags a kind does not take', () => {
    expect(list(' a, b,,c ')).toEqual(['a', 'b', 'c']);
    expect(addBody('ops', { kind: 'webhook', target: 'https://x.example/h', events: ['session.*'], severity: ['critical'] })).toEqual({ kind: 'webhook', name: 'ops', url: 'https://x.example/h', filters: { eventTypes: ['session.*'], severities: ['critical'] } });
    expect(addBody('mail', { kind: 'email', to: ['a@example.com'], repo: ['acme/shop'] })).toEqual({ kind: 'email', name: 'mail', to: ['a@example.com'], filters: { eventTypes: ['inbox.raised'], repos: ['acme/shop'] } });
    expect(addBody('s', { kind: 'slack', target: 'https://hooks.slack.com/services/T/B/X' })).toEqual({ kind: 'slack', name: 's', url: 'https://hooks.slack.com/services/T/B/X' });
    expect(() => addBody('m', { kind: 'email' })).toThrow(/needs --to/);
    expect(() => addBody('w', { kind: 'webhook' })).toThrow(/needs --target/);
    expect(() => addBody('s', { kind: 'slack', target: 'https://x.example', secret: 'whsec_x' })).toThrow(/--secret is for webhook/);
  });

  it('reads snooze times and describes a rule test', () => {
    const now = Date.parse('2026-12-02T10:00:00.000Z');
    expect(snoozeUntil('30m', now)).toBe('2026-12-02T10:30:00.000Z');
    expect(snoozeUntil('2h', now)).toBe('2026-12-02T12:00:00.000Z');
    expect(snoozeUntil('2026-12-03T08:00:00Z', now)).toBe('2026-12-03T08:00:00.000Z');
    expect(() => snoozeUntil('soon', now)).toThrow(/--until/);
    const text = testText({ matched: 1, rules: [{ ruleId: 'r1', ruleName: 'Label', matched: true, wouldRun: true, conditions: [{ path: '$.body.l', op: 'equals', held: true, values: ['jules'], error: null }], variables: { title: 'Fix', none: null }, action: 'Launch a session "Fix"' }] });
    expect(text).toContain('nothing acted');
    expect(text).toMatch(/WOULD RUN\s+Label/);
    expect(text).toContain('{{title}} = "Fix"');
    expect(text).toContain('{{none}} = (nothing selected)');
  });
});

describe('the events commands over a real orchestrator', () => {
  const JULES_KEY = 'jules-cli-events-key-0123456789';
  let sim: JulesSimulator;
  let srv: ListeningSimulator;
  let t: TestOrchestrator;
  let receiver: http.Server;
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  let home: string;
  let env: Record<string, string>;
  const run = (args: string[]) => cli(args, { env });
  const json = async <T>(args: string[], schema: { parse(v: unknown): T }): Promise<T> => {
    const r = await run([...args, '--json']);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return schema.parse(JSON.parse(r.stdout));
  };

  beforeAll(async () => {
    // The webhook channel's receiver: records what it is sent, answers 200.
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    sim = createJulesSimulator({ apiKeys: [JULES_KEY], sessions: 0, manualClock: true, seed: 5 });
    srv = await sim.listen(0, '127.0.0.1');
    t = await startTestOrchestrator({ JULES_API_KEY: JULES_KEY, JULES_API_BASE_URL: srv.baseUrl, JULES_POLL_INTERVAL_MS: '3600000', AUTOPILOT_OUTBOUND_ALLOW: `127.0.0.1:${(receiver.address() as AddressInfo).port}` }, { listen: true });
    await t.orch.keeper.loop.stop();
    home = tmp('autopilot-cli-events-');
    env = { HOME: home, AUTOPILOT_CONFIG: path.join(home, 'config.json'), AUTOPILOT_URL: t.orch.url, AUTOPILOT_KEY: ADMIN_KEY };
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await srv?.close();
    await new Promise((r) => receiver?.close(r));
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('notifications: lists the unread ones, reads and dismisses one', { timeout: 60_000 }, async () => {
    const res = await t.request('/api/sessions', { method: 'POST', json: { prompt: 'Add paging to the orders list', source: 'sources/github/acme-corp/storefront', startingBranch: 'main', requirePlanApproval: true, autoCreatePr: true } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as SessionDetail;
    for (let i = 0; i < 400 && sim.sessions().find((s) => s.id === created.julesId)?.state !== 'AWAITING_PLAN_APPROVAL'; i++) sim.clock.advance(5_000);
    await t.orch.sessions.sessions.syncAll();
    const ws = (await t.orch.db.kysely.selectFrom('workspaces').select('id').executeTakeFirstOrThrow()).id;
    await t.orch.keeper.keeperFor(ws).tick();

    const unread = await eventually(async () => {
      const p = await json(['notifications', '--unread'], NoticePage);
      return p.items.find((n) => n.kind === 'plan_held' && n.sessionId === created.id) ? p : undefined;
    });
    const held = unread.items.find((n) => n.kind === 'plan_held')!;
    const table = await run(['notifications', '--unread']);
    expect(table.stdout).toMatch(/^\d+ unread/);
    expect(table.stdout).toMatch(new RegExp(`${held.id}\\s+\\S+ \\S+\\s+warning\\s+unread\\s+keeper/plan_held`));

    expect((await json(['notifications', 'read', held.id], Notice)).status).toBe('read');
    expect((await json(['notifications', '--unread'], NoticePage)).items.some((n) => n.id === held.id)).toBe(false);
    const dismissed = await run(['notifications', 'dismiss', held.id]);
    expect(dismissed.code, dismissed.stderr).toBe(0);
    expect(dismissed.stdout).toContain('Dismissed:');
    expect((await json(['notifications'], NoticePage)).items.some((n) => n.id === held.id)).toBe(false);
    expect((await json(['notifications', '--view', 'dismissed'], NoticePage)).items.find((n) => n.id === held.id)?.status).toBe('dismissed');

    const bad = await run(['notifications', '--severity', 'loud']);
    expect(bad.code).toBe(2);
  });

  it('hooks: create prints the secret once, a signed delivery is logged, test acts on nothing, replay adds one', { timeout: 60_000 }, async () => {
    const created = await json(['hooks', 'create', 'CI deploys', '--preset', 'standard'], HookEndpointSaved);
    expect(created.secret).toMatch(/^whsec_/);
    const body = JSON.stringify({ type: 'deploy', service: 'checkout' });
    const now = new Date();
    const posted = await fetch(`${t.orch.url}/hooks/${created.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': 'msg_cli_1', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(created.secret!).sign('msg_cli_1', now, body) },
      body,
    });
    expect(posted.status, await posted.text()).toBe(202);
    const listed = await run(['hooks', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`${created.id}\\s+CI deploys\\s+standard\\s+yes`));
    expect(listed.stdout, 'the secret is never listed').not.toContain(created.secret!);
    expect((await json(['hooks', 'list'], HookEndpointPage)).items.find((e) => e.id === created.id)?.deliveries).toBe(1);
    const log = await eventually(async () => {
      const p = await json(['hooks', 'deliveries', created.id], HookDeliveryPage);
      return p.items[0] && p.items[0].status !== 'queued' ? p : undefined;
    });
    expect(log.items[0].deliveryId).toBe('msg_cli_1');
    const tested = await run(['hooks', 'test', created.id, '--delivery', log.items[0].id]);
    expect(tested.code, tested.stderr).toBe(0);
    expect(tested.stdout).toContain('nothing acted');
    const replay = await json(['hooks', 'replay', log.items[0].id], ReplayHookResult);
    expect(replay.delivery.replayOf).toBe(log.items[0].id);
    expect((await json(['hooks', 'deliveries', created.id], HookDeliveryPage)).items).toHaveLength(2);
    const refused = await run(['hooks', 'create', 'x', '--preset', 'standard', '--secret', 'not-base64-but-long-enough']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/secret/);
  });

  it('channels: add prints the signing secret once and test reaches the receiver, signed', { timeout: 60_000 }, async () => {
    const port = (receiver.address() as AddressInfo).port;
    const saved = await json(['channels', 'add', 'Ops', '--kind', 'webhook', '--target', `http://127.0.0.1:${port}/in`], ChannelSaved);
    expect(saved.secret).toMatch(/^whsec_/);
    const listed = await run(['channels', 'list']);
    expect(listed.stdout).toMatch(/Ops\s+webhook\s+yes/);
    expect(listed.stdout).not.toContain(saved.secret!);
    const tested = await json(['channels', 'test', saved.id], ChannelTestResult);
    expect(tested.ok, tested.error ?? '').toBe(true);
    const got = received.at(-1)!;
    // Verified by the standardwebhooks package itself.
    const h = (k: string) => String(got.headers[k]);
    expect(() => new Webhook(saved.secret!).verify(got.body, { 'webhook-id': h('webhook-id'), 'webhook-timestamp': h('webhook-timestamp'), 'webhook-signature': h('webhook-signature') })).not.toThrow();
  });
});

/*
 * hooks and channels against a stand-in of their API (contract-checked requests and answers, test/contract-standin):
 * exactly what each flag sends, what it prints, that a secret appears only in the answer that made it, and how a
 * refusal with a field reads, independent of what the rule runner and the channels worker do.
 */
describe('autopilot hooks and channels against the contract', () => {
  const T = '2026-12-02T10:00:00.000Z';
  const SECRET = 'whsec_c2VjcmV0LXNob3duLW9uY2UtMDEyMzQ1Njc4OQ==';
  const endpoint = {
    id: 'hk_1', name: 'CI deploys', preset: 'standard' as const, url: 'http://127.0.0.1:8080/hooks/hk_1', enabled: true, mode: 'first' as const,
    rules: [{ id: 'r1', name: 'Deploys', enabled: true, conditions: [{ path: '$.body.type', op: 'equals' as const, value: 'deploy' }], action: { kind: 'notify' as const, title: 'Deploy of {{svc}}', extract: { svc: '$.body.service' } } }],
    secretLast4: 'OQ==', reply: { apiUrl: null, tokenSet: false, tokenLast4: null }, deliveries: 1, rejected: 0, lastDeliveryAt: T, createdAt: T, updatedAt: T,
  };
  const delivery = { id: 'hd_1', endpointId: 'hk_1', deliveryId: 'msg_1', replayOf: null, status: 'processed' as const, event: 'deploy', matched: ['Deploys'], receivedAt: T, processedAt: T };
  const channel = {
    id: 'ch_1', name: 'Ops', kind: 'webhook' as const, enabled: true, disabledReason: null, target: 'https://ops.example.com/in', filters: { eventTypes: ['inbox.raised', 'channel.test'] }, secretLast4: 'OQ==',
    delivered: 3, failed: 1, pending: 0, consecutiveFailures: 0, lastDeliveryAt: T, createdAt: T, updatedAt: T,
  };
  const chDelivery = { id: 'cd_1', channelId: 'ch_1', eventId: '42', eventType: 'inbox.raised', status: 'failed' as const, attempts: 8, nextAttemptAt: null, lastError: 'HTTP 503', createdAt: T, deliveredAt: null };
  let api: Standin;
  let dir: string;
  let env: Record<string, string>;
  const run = (args: string[]) => cli(args, { env });
  const last = (route: string) => api.calls.filter((c) => c.route === route).at(-1);

  beforeAll(async () => {
    dir = tmp('autopilot-cli-standin-');
    api = await startStandin({ ...routes.hooks, ...Object.fromEntries(Object.entries(routes.channels).map(([k, v]) => [`ch_${k}`, v])) }, {
      list: () => ({ items: [endpoint], nextCursor: null }),
      create: (c) => {
        const b = c.body as { name: string; secret?: string };
        if (b.name === 'taken') throw apiError(409, 'conflict', 'An endpoint has that name', [{ path: 'body.name', message: 'already used' }]);
        return { ...endpoint, name: b.name, secret: b.secret ? null : SECRET };
      },
      get: (c) => {
        if (c.params.id !== 'hk_1') throw apiError(404, 'not_found', 'No such endpoint');
        return endpoint;
      },
      deliveries: () => ({ items: [delivery], nextCursor: 'next-page' }),
      delivery: () => ({ ...delivery, headers: { 'webhook-signature': '[redacted]' }, payload: { type: 'deploy', service: 'checkout' }, results: [{ ruleId: 'r1', ruleName: 'Deploys', kind: 'notify', outcome: 'done', detail: 'Posted "Deploy of checkout"', batchId: null, sessionId: null, notificationId: 'ntc_9' }], error: null }),
      replay: () => ({ delivery: { ...delivery, id: 'hd_2', replayOf: 'hd_1', status: 'queued', processedAt: null } }),
      test: () => ({ matched: 1, rules: [{ ruleId: 'r1', ruleName: 'Deploys', matched: true, wouldRun: true, conditions: [{ path: '$.body.type', op: 'equals', held: true, values: ['deploy'], error: null }], variables: { svc: 'search' }, action: 'Post a notification "Deploy of search"' }] }),
      ch_list: () => ({ items: [channel], nextCursor: null }),
      ch_create: (c) => ({ ...channel, name: (c.body as { name: string }).name, secret: SECRET }),
      ch_test: () => ({ ok: false, statusCode: 503, durationMs: 12, error: 'HTTP 503' }),
      ch_deliveries: () => ({ items: [chDelivery], nextCursor: null }),
      ch_retry: () => ({ ...chDelivery, status: 'delivered', attempts: 9, deliveredAt: T, lastError: null, payload: { type: 'inbox.raised' }, attemptLog: [{ n: 9, at: T, statusCode: 200, ok: true, durationMs: 30, error: null, manual: true }] }),
    });
    env = { HOME: dir, AUTOPILOT_CONFIG: path.join(dir, 'config.json'), AUTOPILOT_URL: api.url, AUTOPILOT_KEY: ADMIN_KEY };
  });
  afterAll(async () => {
    await api?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('hooks: create sends the rules file and prints the secret once; list, show, deliveries, test and replay', { timeout: 60_000 }, async () => {
    const rulesFile = path.join(dir, 'rules.json');
    fs.writeFileSync(rulesFile, JSON.stringify(endpoint.rules.map(({ id: _id, ...r }) => r)));
    const payload = path.join(dir, 'payload.json');
    fs.writeFileSync(payload, JSON.stringify({ type: 'deploy', service: 'search' }));
    const [created, createdJson, listed, shown, log, tested, testedJson, replayed] = await pool(
      [
        ['hooks', 'create', 'CI deploys', '--preset', 'standard', '--mode', 'all', '--rules', rulesFile],
        ['hooks', 'create', 'CI deploys', '--json'],
        ['hooks', 'list'],
        ['hooks', 'show', 'hk_1'],
        ['hooks', 'deliveries', 'hk_1', '--status', 'processed', '--limit', '5'],
        ['hooks', 'test', 'hk_1', '--payload', payload, '--rules', rulesFile, '--mode', 'all'],
        ['hooks', 'test', 'hk_1', '--delivery', 'hd_1', '--json'],
        ['hooks', 'replay', 'hd_1'],
      ],
      2,
      run,
    );
    for (const r of [created, createdJson, listed, shown, log, tested, testedJson, replayed]) expect(r.code, r.stderr).toBe(0);
    expect(api.calls.find((c) => c.route === 'create' && (c.body as { mode?: string }).mode === 'all')?.body).toEqual({ name: 'CI deploys', preset: 'standard', mode: 'all', rules: endpoint.rules.map(({ id: _id, ...r }) => r) });
    expect(created.stdout).toContain(`Secret (shown once, it will not be shown again; give it to the sender): ${SECRET}`);
    expect(HookEndpointSaved.parse(JSON.parse(createdJson.stdout)).secret).toBe(SECRET);
    expect(listed.stdout).toMatch(/hk_1\s+CI deploys\s+standard\s+yes\s+1 \(first\)\s+1\s+0/);
    expect(listed.stdout + shown.stdout, 'the secret only where it was made').not.toContain(SECRET);
    expect(shown.stdout).toMatch(/Payload URL:\s+http:\/\/127\.0\.0\.1:8080\/hooks\/hk_1/);
    expect(shown.stdout).toMatch(/1\s+Deploys\s+yes\s+\$\.body\.type equals "deploy"\s+notify/);
    expect(last('deliveries')?.query).toEqual({ limit: '5', status: 'processed' });
    expect(log.stdout).toMatch(/hd_1\s+2026-12-02 10:00\s+processed\s+deploy\s+Deploys/);
    expect(log.stdout).toContain('more: autopilot hooks deliveries hk_1 --cursor next-page');
    const sent = api.calls.filter((c) => c.route === 'test');
    expect(sent.find((c) => (c.body as { payload?: unknown }).payload)?.body).toEqual({ payload: { type: 'deploy', service: 'search' }, rules: endpoint.rules.map(({ id: _id, ...r }) => r), mode: 'all' });
    expect(sent.find((c) => (c.body as { deliveryId?: string }).deliveryId)?.body).toEqual({ deliveryId: 'hd_1' });
    expect(tested.stdout).toContain('nothing acted');
    expect(tested.stdout).toContain('{{svc}} = "search"');
    expect(HookRulesTestResult.parse(JSON.parse(testedJson.stdout)).matched).toBe(1);
    expect(replayed.stdout).toContain('Replay queued as hd_2');
  });

  it('hooks: usage errors exit 2 before any request; refusals exit 1 with the message and the field', { timeout: 60_000 }, async () => {
    const before = api.calls.length;
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{nope');
    const [noPayload, notJson, badPreset, taken, missing, invalid] = await pool(
      [
        ['hooks', 'test', 'hk_1'],
        ['hooks', 'test', 'hk_1', '--payload', bad],
        ['hooks', 'create', 'x', '--preset', 'gitlab'],
        ['hooks', 'create', 'taken'],
        ['hooks', 'show', 'hk_nope'],
        ['hooks', 'create', 'x', '--secret', 'short'],
      ],
      2,
      run,
    );
    expect(noPayload.code).toBe(2);
    expect(noPayload.stderr).toContain('give --payload <file> or --delivery <id>');
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('--payload');
    expect(badPreset.code).toBe(2);
    expect(api.calls.slice(before).filter((c) => c.route === 'test')).toHaveLength(0);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/conflict: An endpoint has that name \(body.name: already used\) \[HTTP 409\]/);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not_found: No such endpoint/);
    // The stand-in checks the body with the contract, as the server does: the field is named.
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/secret: /);
  });

  it('channels: add prints the signing secret once; list, test, deliveries, retry', { timeout: 60_000 }, async () => {
    const [added, listed, tested, log, retried, addedJson, usage] = await pool(
      [
        ['channels', 'add', 'Ops', '--kind', 'webhook', '--target', 'https://ops.example.com/in', '--events', 'inbox.raised,channel.test', '--severity', 'warning,critical', '--repo', 'acme/shop'],
        ['channels', 'list'],
        ['channels', 'test', 'ch_1'],
        ['channels', 'deliveries', 'ch_1', '--status', 'failed'],
        ['channels', 'retry', 'cd_1'],
        ['channels', 'add', 'Mail', '--kind', 'email', '--to', 'a@example.com,b@example.com', '--json'],
        ['channels', 'add', 'Nope', '--kind', 'slack'],
      ],
      2,
      run,
    );
    expect(added.code, added.stderr).toBe(0);
    expect(api.calls.find((c) => c.route === 'ch_create' && (c.body as { name: string }).name === 'Ops')?.body).toEqual({
      kind: 'webhook', name: 'Ops', url: 'https://ops.example.com/in', filters: { eventTypes: ['inbox.raised', 'channel.test'], severities: ['warning', 'critical'], repos: ['acme/shop'] },
    });
    expect(added.stdout).toContain(`Signing secret (shown once, it will not be shown again; the receiver verifies webhook-signature with it): ${SECRET}`);
    expect(api.calls.find((c) => c.route === 'ch_create' && (c.body as { name: string }).name === 'Mail')?.body).toEqual({ kind: 'email', name: 'Mail', to: ['a@example.com', 'b@example.com'] });
    expect(ChannelSaved.parse(JSON.parse(addedJson.stdout)).secret).toBe(SECRET);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/ch_1\s+Ops\s+webhook\s+yes\s+inbox\.raised,channel\.test\s+3\s+1\s+0/);
    expect(listed.stdout).not.toContain(SECRET);
    // A failed test exits 1 and says why.
    expect(tested.code).toBe(1);
    expect(tested.stdout).toContain('Failed: HTTP 503 (HTTP 503)');
    expect(last('ch_deliveries')?.query).toMatchObject({ status: 'failed' });
    expect(log.stdout).toMatch(/cd_1\s+2026-12-02 10:00\s+inbox\.raised\s+failed\s+8/);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toMatch(/Status:\s+delivered/);
    expect(retried.stdout).toMatch(/9\s+2026-12-02 10:00\s+yes\s+200\s+30ms\s+hand/);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('needs --target');
  });
});
