import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import { createGitHubSimulator, type ListeningGitHubSimulator } from '@autopilot/github-sim';
import { startWebhookReceiver, type WebhookReceiver } from '@autopilot/senders-sim';
import { AppEvent, EventCatalog, EventTypes, type EventType, type NotificationKind } from '@autopilot/contracts';
import { startOrchestrator, type Orchestrator } from '../src/main';
import { loadConfig } from '../src/platform/config';
import { createLogger } from '../src/platform/logger';
import type { Clock } from '../src/platform/clock';
import { createTestDb, type TestDb } from '../src/platform/db/testing';
import { createMemoryBus, type EventBus } from '../src/platform/events/bus';
import type { NotificationDraft } from '../src/features/keeper/keeper.types';
import { createSchedulesFeature } from '../src/features/schedules';
import { createMembersWorld } from '../src/features/workspaces/members.testing';
import { startFakeUpstream, baseUrlFor, type FakeUpstream } from './fakes/llm-upstream';
import { buildGateway, type Gateway } from './fakes/llm-gateway';

/**
 * The event catalog holds for what the server really publishes: a running orchestrator (Jules simulator, sync,
 * keeper, the sessions API, inbound webhooks, an outbound channel to a receiver stand-in), the GitHub loop, the LLM
 * gateway against a fake provider (with a budget) and the schedules' firing tick publish while a wrapper records
 * every `publish` call before the bus sees it. Each recorded payload must be its type's in the catalog, with no field the
 * catalog does not declare; each delivered event must parse, as it travels (JSON), with the client's AppEvent
 * schema; nothing may be refused by the bus; and between them the runs must publish every type of the catalog.
 */

// The keeper's notification kinds and the catalog's are one list (tsc fails here when one side gains a kind).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const notificationKindsAgree: Same<NotificationDraft['kind'], NotificationKind> = true;

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');
const KEY = 'event-catalog-test-jules-key-0001';
const GH_TOKEN = 'github_pat_event_catalog_test_0001';
const ADMIN_KEY = 'event-catalog-test-admin-key-0123456789';

interface Published {
  type: string;
  data: unknown;
}

/** Wraps a bus's publish: every call is recorded as made, then passed on (a refused one is recorded too). */
function recordPublishes(bus: EventBus) {
  const calls: Published[] = [];
  const delivered: AppEvent[] = [];
  const refused: string[] = [];
  const inner = bus.publish.bind(bus) as (type: string, ws: string | null, data: unknown) => Promise<AppEvent>;
  (bus as unknown as { publish: typeof inner }).publish = (type, ws, data) => {
    calls.push({ type, data });
    return inner(type, ws, data).catch((err: Error) => {
      refused.push(`${type}: ${err.message}`);
      throw err;
    });
  };
  bus.subscribe((e) => delivered.push(e));
  return { calls, delivered, refused };
}

/** What is wrong with one publish call, judged by the catalog alone, on the payload as it travels (JSON). */
function problemOf(p: Published): string | null {
  if (!(EventTypes as readonly string[]).includes(p.type)) return `${p.type}: not in the event catalog`;
  const wire: unknown = JSON.parse(JSON.stringify(p.data));
  const r = EventCatalog[p.type as EventType].data.safeParse(wire);
  if (!r.success) return `${p.type}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')} in ${JSON.stringify(wire)}`;
  // Schemas drop what they do not declare: any difference is a field the catalog does not know (it would leak out).
  if (!isDeepStrictEqual(r.data, wire)) return `${p.type}: fields outside the catalog in ${JSON.stringify(wire)}`;
  return null;
}

function deliveredProblem(e: AppEvent): string | null {
  const wire: unknown = JSON.parse(JSON.stringify(e));
  const r = AppEvent.safeParse(wire);
  if (!r.success) return `${e.type}: the client's AppEvent refuses ${JSON.stringify(wire)}`;
  return isDeepStrictEqual(r.data, wire) ? null : `${e.type}: fields outside the catalog in ${JSON.stringify(wire)}`;
}

const seen = new Set<string>();
function expectConforming(rec: ReturnType<typeof recordPublishes>) {
  expect(rec.calls.length).toBeGreaterThan(0);
  expect(rec.calls.map(problemOf).filter((x) => x !== null)).toEqual([]);
  expect(rec.delivered.map(deliveredProblem).filter((x) => x !== null)).toEqual([]);
  expect(rec.refused).toEqual([]);
  for (const c of rec.calls) seen.add(c.type);
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 40_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('every published event is in the catalog and matches its schema', () => {
  describe('a running orchestrator: sync, keeper and the sessions API on the Jules simulator', () => {
    let sim: JulesSimulator;
    let srv: ListeningSimulator;
    let orch: Orchestrator;
    let receiver: WebhookReceiver;
    let dataDir: string;
    let logText = '';
    let rec: ReturnType<typeof recordPublishes>;
    const request = (p: string, init: RequestInit & { json?: unknown } = {}) =>
      Promise.resolve(orch.app.request(p, {
        ...init,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
      }));

    beforeAll(async () => {
      sim = createJulesSimulator({ apiKeys: [KEY], sessions: 6, seed: 5, speed: 60, spreadHours: 1 });
      srv = await sim.listen(0, '127.0.0.1');
      receiver = await startWebhookReceiver();
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-events-'));
      // Errors only, into a buffer: the bus logs every publish it refuses, from the first one at start.
      const sink = new PassThrough();
      sink.on('data', (c: Buffer) => (logText += c.toString('utf8')));
      const config = loadConfig({
        DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'error', AUTOPILOT_ADMIN_KEY: ADMIN_KEY, AUTH_FAILURES_PER_MINUTE: '100000',
        JULES_API_KEY: KEY, JULES_API_BASE_URL: srv.baseUrl, JULES_POLL_INTERVAL_MS: '500',
        // The webhook channel's receiver is a private address: named, like a self-hosted setup would.
        AUTOPILOT_OUTBOUND_ALLOW: `127.0.0.1:${receiver.port}`,
      });
      orch = await startOrchestrator(config, { listen: false, log: createLogger({ level: 'error', destination: sink }) });
      rec = recordPublishes(orch.bus);
    }, 60_000);
    afterAll(async () => {
      await orch?.close();
      await srv?.close();
      await receiver?.close();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('publishes only catalog events, each matching its schema', async () => {
      const created = async (prompt: string) => {
        const res = await request('/api/sessions', { method: 'POST', json: { prompt } });
        expect(res.status).toBe(201);
        return ((await res.json()) as { id: string }).id;
      };
      // The keeper approves every plan and marks a quiet finished session stuck (recording it and notifying).
      const settings = await request('/api/keeper/settings', {
        method: 'PUT',
        json: { enabled: true, intervals: { tickMs: 100, activeMs: 100, waitingMs: 100 }, approval: { policy: 'always' }, stuck: { enabled: true, quietMs: 200 }, stall: { enabled: false }, answers: { enabled: false }, selfHeal: { enabled: false }, autoContinue: { enabled: false } },
      });
      expect(settings.status).toBe(200);
      await created('Add a health check [sim:approval]');
      await created('Tidy the README [sim:stuck]');
      const doomed = await created('Rename a variable [sim:happy]');
      const types = () => new Set(rec.calls.map((c) => c.type));
      await until('sync and keeper events', () => ['session.created', 'session.updated', 'session.state_changed', 'activity.added', 'sessions.synced', 'keeper.action', 'notification.raised'].every((t) => types().has(t)));
      // Someone reads a notification: notification.updated.
      const note = ((await (await request('/api/keeper/notifications')).json()) as { items: Array<{ id: string }> }).items[0]!;
      expect((await request(`/api/keeper/notifications/${note.id}`, { method: 'PATCH', json: { read: true } })).status).toBe(200);
      await until('notification.updated', () => types().has('notification.updated'));

      // A batch of two through the dispatcher: dispatch.updated for each item, batch.progress for the batch.
      const batch = await request('/api/batches', { method: 'POST', json: { input: { kind: 'tasks', format: 'lines', text: 'Fix the typo [sim:happy]\nBump the version [sim:happy]' } } });
      expect(batch.status).toBe(201);
      await until('dispatch and batch events', () => types().has('dispatch.updated') && types().has('batch.progress'));

      expect((await request(`/api/sessions/${doomed}`, { method: 'DELETE' })).status).toBe(200);
      await until('session.deleted', () => types().has('session.deleted'));

      // A webhook channel to the receiver stand-in, for hook deliveries; its test sends channel.test at once.
      const channel = await request('/api/channels', { method: 'POST', json: { kind: 'webhook', name: 'Ops', url: `${receiver.url}/autopilot`, filters: { eventTypes: ['hook.delivery'] } } });
      expect(channel.status).toBe(201);
      const channelId = ((await channel.json()) as { id: string }).id;
      const tested = await request(`/api/channels/${channelId}/test`, { method: 'POST' });
      expect(await tested.json()).toMatchObject({ ok: true });
      // A signed Standard Webhooks delivery in: hook.delivery (queued, then processed), which the channel's worker
      // carries out to the receiver: channel.delivery.
      const endpoint = await request('/api/hooks/endpoints', { method: 'POST', json: { name: 'CI', preset: 'standard' } });
      expect(endpoint.status).toBe(201);
      const hook = (await endpoint.json()) as { id: string; secret: string };
      const body = JSON.stringify({ type: 'deploy.finished', timestamp: new Date().toISOString(), data: { env: 'staging' } });
      const at = new Date();
      const posted = await orch.app.request(`/hooks/${hook.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': 'msg_catalog_1', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(hook.secret).sign('msg_catalog_1', at, body) },
        body,
      });
      expect(posted.status).toBe(202);
      await until('hook.delivery and channel.delivery', () => types().has('hook.delivery') && types().has('channel.delivery'));
      expect(receiver.requests.length).toBeGreaterThanOrEqual(2);

      // Jules failing every call (no success in between resets the count): five failures open the account's breaker.
      const target = await created('Bump a dependency [sim:happy]');
      sim.setFaults({ rules: [{ kind: '500', count: -1 }] });
      for (let i = 0; i < 10 && !types().has('breaker.opened'); i++) await request(`/api/sessions/${target}/approve-plan`, { method: 'POST' });
      sim.setFaults({});
      await until('breaker.opened', () => types().has('breaker.opened'), 5_000);

      expectConforming(rec);
      expect(logText).not.toContain('refused to publish');
    }, 120_000);
  });

  describe('the GitHub loop: a session\'s PR on the GitHub simulator, linked and followed by the poller', () => {
    let gh: ListeningGitHubSimulator;
    let srv: ListeningSimulator;
    let orch: Orchestrator;
    let dataDir: string;

    afterAll(async () => {
      await orch?.close();
      await srv?.close();
      await gh?.close();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('publishes github.pull.updated and ci.run.updated as the catalog declares them', async () => {
      // An AUTO_CREATE_PR session opens its PR on the GitHub simulator, whose CI then runs (60 sim seconds a second).
      gh = await createGitHubSimulator({ tokens: [GH_TOKEN], speed: 60 }).listen(0);
      srv = await createJulesSimulator({ apiKeys: [KEY], sessions: 0, seed: 5, speed: 60, github: { baseUrl: gh.baseUrl, token: GH_TOKEN } }).listen(0, '127.0.0.1');
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-events-gh-'));
      const config = loadConfig({
        DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', AUTOPILOT_ADMIN_KEY: ADMIN_KEY, AUTH_FAILURES_PER_MINUTE: '100000',
        JULES_API_KEY: KEY, JULES_API_BASE_URL: srv.baseUrl, JULES_POLL_INTERVAL_MS: '500', GITHUB_API_URL: gh.baseUrl, GITHUB_POLL_INTERVAL_MS: '1000',
      });
      orch = await startOrchestrator(config, { listen: false, log: createLogger({ level: 'silent' }) });
      const rec = recordPublishes(orch.bus);
      const request = (p: string, json: unknown, method = 'POST') =>
        Promise.resolve(orch.app.request(p, { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(json) }));
      expect((await request('/api/github/connection', { token: GH_TOKEN }, 'PUT')).status).toBe(200);
      const created = await request('/api/sessions', { prompt: 'Add a CHANGELOG entry [sim:happy]', source: 'acme-corp/storefront', startingBranch: 'main', autoCreatePr: true });
      expect(created.status).toBe(201);
      const types = () => new Set(rec.calls.map((c) => c.type));
      await until('github.pull.updated and ci.run.updated', () => types().has('github.pull.updated') && types().has('ci.run.updated'));
      const pull = rec.calls.find((c) => c.type === 'github.pull.updated')!.data as { repo: string; sessionId: string };
      expect(pull).toMatchObject({ repo: 'acme-corp/storefront', sessionId: ((await created.json()) as { id: string }).id });
      expectConforming(rec);
    }, 60_000);
  });

  describe('the LLM gateway against a fake provider', () => {
    let up: FakeUpstream;
    let g: Gateway;
    afterAll(async () => {
      await up?.close();
      await g?.cleanup();
    });

    it('publishes its breaker events as the catalog declares them', async () => {
      up = await startFakeUpstream();
      g = await buildGateway({ resilience: { timeoutMs: 5_000, retries: 1, breaker: { threshold: 0.5, minRequests: 3, windowMs: 10_000, halfOpenAfterMs: 100 } } });
      const rec = recordPublishes(g.bus);
      await g.providers.create(g.workspaceId, { kind: 'openai', name: 'primary', apiKey: 'sk-primary-0001', baseUrl: baseUrlFor(up.url, 'openai'), priority: 1, enabled: true, maxConcurrency: 8, defaultModels: { default: 'gpt-4.1-mini' } });
      await g.providers.create(g.workspaceId, { kind: 'anthropic', name: 'backup', apiKey: 'sk-backup-0002', baseUrl: baseUrlFor(up.url, 'anthropic'), priority: 2, enabled: true, maxConcurrency: 8, defaultModels: { default: 'claude-haiku-4-5' } });
      let failing = true;
      up.script((c) => (c.api === 'openai-responses' && failing ? { status: 500 } : { text: `answer from ${c.api}` }));
      const ask = () => g.llm.generateText({ workspaceId: g.workspaceId, task: 'supervisor', prompt: 'next step?' });
      await ask();
      await ask();
      await until('breaker.opened', () => rec.calls.some((c) => c.type === 'breaker.opened'), 5_000);
      failing = false;
      await new Promise((r) => setTimeout(r, 150));
      await ask();
      await until('breaker.closed', () => rec.calls.some((c) => c.type === 'breaker.closed'), 5_000);

      // A tiny daily budget (a cent) and one call whose reported usage costs two: past 80% and 100% at once.
      await g.budgets.put(g.workspaceId, { dailyLimitUsd: 0.01, monthlyLimitUsd: null, onExhausted: 'error', degradeTo: null });
      up.script(() => ({ text: 'a long answer', inputTokens: 10_000, outputTokens: 10_000 }));
      await g.llm.generateText({ workspaceId: g.workspaceId, task: 'supervisor', prompt: 'next step?', maxOutputTokens: 16 });
      const percents = () => rec.calls.filter((c) => c.type === 'budget.threshold').map((c) => (c.data as { percent: number }).percent);
      await until('budget.threshold at 80% and 100%', () => percents().length === 2, 5_000);
      expect(percents().sort()).toEqual([100, 80]);
      expectConforming(rec);
    }, 60_000);
  });

  describe('the schedules firing tick on a manual clock', () => {
    let t: TestDb;
    afterAll(async () => t?.cleanup());

    it('publishes schedule.run as the catalog declares it', async () => {
      t = await createTestDb('sqlite');
      let now = Date.parse('2026-12-01T10:00:00Z');
      const clock: Clock = { now: () => now, sleep: async () => {} };
      const bus = createMemoryBus({ now: clock.now });
      const rec = recordPublishes(bus);
      const ws = randomUUID();
      await t.db.kysely.insertInto('workspaces').values({ id: ws, name: 'schedules', created_at: new Date(now).toISOString() }).execute();
      // The feature as main.ts builds it, with its default runner (each run recorded as skipped).
      const { service } = createSchedulesFeature({ db: t.db, clock, log: createLogger({ level: 'silent' }), instanceId: 'catalog', bus });
      const schedule = await service.create(ws, { name: 'Every minute', intervalSeconds: 60, timezone: 'UTC', enabled: true, missedRunPolicy: 'skip', target: { kind: 'template', templateId: 'tpl_1', variables: {} } });
      now += 60_000;
      expect(await service.tick()).toMatchObject({ fired: 1 });
      expect(rec.calls.map((c) => c.type)).toEqual(['schedule.run']);
      expect(rec.calls[0]!.data).toMatchObject({ scheduleId: schedule.id, name: 'Every minute' });
      expectConforming(rec);
      await bus.close();
    });
  });

  describe('workspaces, members and invitations (issue #16)', () => {
    it('publishes member.*, invite.* and workspace.* as the catalog declares them', async () => {
      const w = await createMembersWorld('sqlite');
      const rec = recordPublishes(w.bus);
      try {
        const founder = await w.person('Founder');
        const { workspace } = await w.workspaces.createWorkspace(await w.as(founder, w.defaultWorkspaceId), 'Catalog Team');
        const owner = await w.as(founder, workspace.id);
        const guest = await w.person('Guest');
        const invite = await w.invites.create(owner, workspace.id, { email: guest.email, role: 'member' }, 'http://127.0.0.1:8080');
        const spare = await w.invites.create(owner, workspace.id, { email: 'spare@example.com', role: 'viewer' }, 'http://127.0.0.1:8080');
        await w.invites.revoke(owner, workspace.id, spare.id);
        await w.invites.accept(invite.link!.split('/invite/')[1]!, guest);
        await w.members.setRole(owner, workspace.id, guest.id, 'viewer');
        await w.members.remove(owner, workspace.id, guest.id);
        await w.workspaces.renameWorkspace(owner, workspace.id, { name: 'Catalog Team 2', slug: 'catalog-2' });
        await w.workspaces.deleteWorkspace(owner, workspace.id, 'catalog-2');
        const types = new Set(rec.calls.map((c) => c.type));
        for (const t of ['member.added', 'member.updated', 'member.removed', 'invite.created', 'invite.accepted', 'invite.revoked', 'workspace.updated', 'workspace.deleted']) expect(types, t).toContain(t);
        // No payload carries the invitation's token.
        const token = invite.link!.split('/invite/')[1]!;
        expect(JSON.stringify(rec.calls)).not.toContain(token);
        expectConforming(rec);
      } finally {
        await w.close();
      }
    });
  });

  it('between them, the runs above published every type of the catalog', () => {
    expect(notificationKindsAgree).toBe(true);
    expect([...seen].sort()).toEqual([...EventTypes].sort());
  });

  it('every publish in the server sources names catalog types, and every catalog type has a publisher', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) files.push(p);
      }
    };
    walk(SRC);
    const named = new Set<string>();
    const unnamed: string[] = [];
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      // The first argument of every `.publish(` call: its string literals are the types it may publish.
      for (const m of text.matchAll(/\.publish\(([^,]*),/g)) {
        // Literals shaped like a type (`area.event`); others (`state === 'open' ? ...`) are the expression's own.
        const literals = [...m[1].matchAll(/'([a-z_]+(?:\.[a-z_]+)+)'/g)].map((x) => x[1]);
        if (literals.length === 0) unnamed.push(`${path.relative(SRC, f)}: publish(${m[1]}, ...)`);
        for (const l of literals) named.add(l);
      }
    }
    expect(unnamed).toEqual([]);
    expect([...named].filter((t) => !(EventTypes as readonly string[]).includes(t))).toEqual([]);
    expect([...EventTypes].filter((t) => !named.has(t))).toEqual([]);
  });
});
