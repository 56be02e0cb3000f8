import { isDispatchIntent } from '@autopilot/contracts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '@autopilot/contracts';
import { startOrchestrator, type Orchestrator } from '../../server/src/main';
import { loadConfig } from '../../server/src/platform/config';
import { ApiError, createClient, type ConnectionState } from '../src/index';

const ADMIN_KEY = 'client-test-admin-key-0123456789';
let orch: Orchestrator;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-client-'));
  orch = await startOrchestrator(loadConfig({ DATA_DIR: dataDir, PORT: '0', AUTOPILOT_ADMIN_KEY: ADMIN_KEY, LOG_LEVEL: 'silent', JULES_DEMO_SESSIONS: '0' }));
});

afterAll(async () => {
  await orch?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Resolves when `check` passes, polling briefly; fails the test (by timeout) otherwise. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

describe('createClient against a real orchestrator', () => {
  it('reads /api/me and /api/health through the contract schemas', async () => {
    const client = createClient({ baseUrl: orch.url, apiKey: ADMIN_KEY });
    const me = await client.me();
    expect(me.workspace.name).toBe('default');
    expect(me.key.role).toBe('owner');
    expect(me.simulated).toBe(true);
    const health = await client.health();
    expect(health.components.map((c) => c.name)).toContain('database');
    expect(health.mode.database).toBe('sqlite');
  });

  it('throws ApiError with the server error shape for a bad key', async () => {
    const client = createClient({ baseUrl: orch.url, apiKey: 'not-a-real-key-at-all' });
    const err = await client.me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 401, code: 'unauthorized', message: 'Invalid or revoked API key' });
    expect((err as ApiError).requestId).toBeTruthy();
  });

  it('names the bad field of a rejected body in details', async () => {
    const client = createClient({ baseUrl: orch.url, apiKey: ADMIN_KEY });
    const err = (await client.keys.create({ name: '' }).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(400);
    expect(err.code).toBe('validation_failed');
    expect(JSON.stringify(err.details)).toContain('body.name');
    // details is the one object shape; the issues are at hand without digging.
    expect(Array.isArray(err.details)).toBe(false);
    expect(err.issues.map((i) => i.path)).toEqual(['body.name']);
    expect(Object.keys(err.fieldErrors())).toEqual(['name']);
    expect(err.fieldErrors().name).toBe(err.issues[0].message);
  });

  it('creates, lists and revokes keys, reading the key in clear only once', async () => {
    const client = createClient({ baseUrl: orch.url, apiKey: () => ADMIN_KEY });
    const created = await client.keys.create({ name: 'ci', role: 'viewer' });
    expect(created.key.length).toBeGreaterThan(16);
    const viewer = createClient({ baseUrl: orch.url, apiKey: created.key });
    expect((await viewer.me()).key.role).toBe('viewer');
    const listed = await client.keys.list();
    expect(listed.items.find((k) => k.id === created.id)).not.toHaveProperty('key');
    const revoked = await client.keys.revoke(created.id);
    expect(revoked.revokedAt).not.toBeNull();
    await expect(viewer.me()).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('reports an unreachable server as a retryable network_error', async () => {
    const client = createClient({ baseUrl: 'http://127.0.0.1:1', apiKey: ADMIN_KEY });
    const err = (await client.me().catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe('network_error');
    expect(err.retryable).toBe(true);
  });

  it('rejects a response that breaks the contract with invalid_response', async () => {
    const fakeFetch = async () => new Response(JSON.stringify({ workspace: 'nope' }), { status: 200, headers: { 'content-type': 'application/json' } });
    const err = (await createClient({ baseUrl: '', apiKey: 'k', fetch: fakeFetch }).me().catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe('invalid_response');
    expect(JSON.stringify(err.details)).toContain('workspace');
  });
});

describe('client.events', () => {
  it('receives live events, and after a dropped connection resumes with Last-Event-ID without losing any', async () => {
    // A fetch whose event-stream bodies the test can cut, to simulate a network drop mid-stream.
    const cuts: (() => void)[] = [];
    const sentIds: (string | null)[] = [];
    const cuttableFetch = async (input: string, init?: RequestInit) => {
      const res = await fetch(input, init);
      if (!input.endsWith('/api/events') || !res.body) return res;
      sentIds.push(new Headers(init?.headers).get('last-event-id'));
      const reader = res.body.getReader();
      let ctrl!: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({
        start: (c) => void (ctrl = c),
        pull: async (c) => {
          const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
          if (done) c.close();
          else c.enqueue(value);
        },
      });
      cuts.push(() => {
        ctrl.error(new TypeError('network drop'));
        void reader.cancel();
      });
      return new Response(body, { status: res.status, headers: res.headers });
    };

    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const states: ConnectionState[] = [];
    const got: AppEvent[] = [];
    const client = createClient({ baseUrl: orch.url, apiKey: ADMIN_KEY, fetch: cuttableFetch });
    // Only this test's events count: the orchestrator's own loops publish too.
    const ours = (e: AppEvent) => (e.type === 'session.created' || e.type === 'session.state_changed') && e.data.id === 's1';
    const sub = client.events({ onEvent: (e) => ours(e) && got.push(e), onState: (s) => states.push(s), sleep: () => gate });
    const ws = (await client.me()).workspace.id;

    await until(() => states.includes('connected'));
    await orch.bus.publish('session.created', ws, { id: 's1', julesId: 'j1', accountId: 'a1', state: 'QUEUED', title: 'one' });
    await until(() => got.length === 1);
    await until(() => sub.lastEventId === got[0].id);

    cuts[0]();
    await until(() => states.at(-1) === 'reconnecting');
    // Published while the client is disconnected: must arrive through the replay on reconnect.
    await orch.bus.publish('session.state_changed', ws, { id: 's1', julesId: 'j1', from: 'QUEUED', to: 'IN_PROGRESS' });
    await orch.bus.publish('session.state_changed', ws, { id: 's1', julesId: 'j1', from: 'IN_PROGRESS', to: 'COMPLETED' });
    release();

    await until(() => got.length === 3);
    expect(got.map((e) => (e.type === 'session.state_changed' ? e.data.to : null))).toEqual([null, 'IN_PROGRESS', 'COMPLETED']);
    expect(sentIds).toHaveLength(2);
    expect(sentIds[0]).toBeNull();
    // The resume point is the last event seen before the drop: ours, or a later one from the orchestrator.
    expect(BigInt(sentIds[1]!) >= BigInt(got[0].id)).toBe(true);
    expect(BigInt(sentIds[1]!) < BigInt(got[1].id)).toBe(true);
    expect(states.at(-1)).toBe('connected');
    sub.close();
    await until(() => states.at(-1) === 'closed');
  });

  it('stops for good on a bad key and reports the error', async () => {
    const errors: (ApiError | undefined)[] = [];
    const states: ConnectionState[] = [];
    const client = createClient({ baseUrl: orch.url, apiKey: 'wrong-key-wrong-key' });
    client.events({ onEvent: () => {}, onState: (s, info) => (states.push(s), errors.push(info.error)) });
    await until(() => states.at(-1) === 'closed');
    expect(errors.find(Boolean)).toMatchObject({ status: 401, code: 'unauthorized' });
  });
});

describe('client.sessions and client.keeper against the demo simulator', () => {
  let demo: Orchestrator;
  let dir: string;
  let client: ReturnType<typeof createClient>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-client-sessions-'));
    demo = await startOrchestrator(
      loadConfig({ DATA_DIR: dir, PORT: '0', AUTOPILOT_ADMIN_KEY: ADMIN_KEY, LOG_LEVEL: 'silent', JULES_DEMO_SESSIONS: '0', JULES_DEMO_SPEED: '60', JULES_POLL_INTERVAL_MS: '500' }),
    );
    client = createClient({ baseUrl: demo.url, apiKey: ADMIN_KEY });
    await client.keeper.updateSettings({ enabled: false }); // keep the approval session waiting for the test
  });

  afterAll(async () => {
    await demo?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates a session, finds it with filters across pages, reads its activities and approves its plan', async () => {
    const created = await client.sessions.create({
      prompt: '[sim:approval] Add retries to the webhook sender',
      source: 'sources/github/acme-corp/storefront',
      startingBranch: 'main',
      requirePlanApproval: true,
    });
    if (isDispatchIntent(created)) throw new Error('the demo account has no limits: the create is sent at once');
    expect(created.source).toBe('sources/github/acme-corp/storefront');
    for (let i = 0; i < 3; i++) await client.sessions.create({ prompt: `[sim:happy] filler ${i}`, source: 'sources/github/acme-corp/storefront', startingBranch: 'main' });

    let s = await client.sessions.get(created.id);
    while (s.state !== 'AWAITING_PLAN_APPROVAL') {
      await new Promise((r) => setTimeout(r, 100));
      s = await client.sessions.get(created.id);
    }
    const byState = await client.sessions.list({ state: ['AWAITING_PLAN_APPROVAL', 'QUEUED'], text: 'webhook sender' });
    expect(byState.items.map((x) => x.id)).toEqual([created.id]);
    // Pages of one row: listAll follows the cursor until the end and reports each page.
    const seen: number[] = [];
    const all = await client.sessions.listAll({ limit: 1 }, { onPage: (so) => seen.push(so.length) });
    expect(all).toHaveLength(4);
    expect(seen).toEqual([1, 2, 3, 4]);

    const acts = await client.sessions.allActivities(created.id);
    expect(acts.some((a) => a.kind === 'planGenerated')).toBe(true);
    const approved = await client.sessions.approvePlan(created.id);
    expect(approved.id).toBe(created.id);
    expect(approved.state).not.toBe('AWAITING_PLAN_APPROVAL');
  });

  it('rejects a bad filter and an unknown session with the error shape', async () => {
    await expect(client.sessions.list({ state: 'in progress' })).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
    await expect(client.sessions.get('no-such-session')).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });

  it('reads and changes keeper settings and pauses the keeper for one session', async () => {
    const settings = await client.keeper.settings();
    expect(settings.enabled).toBe(false);
    const changed = await client.keeper.updateSettings({ approval: { policy: 'never' } });
    expect(changed.approval.policy).toBe('never');
    const [one] = await client.sessions.listAll();
    expect((await client.keeper.setSessionPaused(one.id, true)).paused).toBe(true);
    expect((await client.keeper.session(one.id)).paused).toBe(true);
    const page = await client.keeper.logs({ limit: 5 });
    expect(Array.isArray(page.items)).toBe(true);
  });
});
