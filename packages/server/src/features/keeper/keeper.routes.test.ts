import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpdateKeeperSettingsBody } from '@autopilot/contracts';
import { startOrchestrator, type Orchestrator } from '../../main';
import { loadConfig } from '../../platform/config';
import { createKeeperStore } from './keeper.store';

const KEY = 'keeper-routes-owner-key-0123456789';
let orch: Orchestrator;
let dir: string;

const call = (method: string, url: string, body?: unknown, key = KEY) =>
  orch.app.request(url, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keeper-routes-'));
  // Demo mode: an in-process simulator with a few sessions; the keeper is disabled so the test drives the ledger.
  orch = await startOrchestrator(
    loadConfig({ DATA_DIR: dir, AUTOPILOT_ADMIN_KEY: KEY, LOG_LEVEL: 'silent', JULES_DEMO_SESSIONS: '5', JULES_POLL_INTERVAL_MS: '500', KEEPER_DISCOVER_INTERVAL_MS: '100000' }),
    { listen: false },
  );
  // The keeper's own loop is stopped so the ledger holds only the rows this test writes.
  await orch.keeper.loop.stop();
  await orch.sessions.sessions.syncAll();
});
afterAll(async () => {
  await orch?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('keeper routes', () => {
  it('serves default settings and merges a valid patch (the OpenAPI example is valid)', async () => {
    const r = await call('GET', '/api/keeper/settings');
    expect(r.status).toBe(200);
    expect((await r.json()).approval.policy).toBe('rules');
    const example = { enabled: true, stall: { thresholds: { IN_PROGRESS: 600_000 }, cooldownMs: 600_000, maxNudges: 2 } };
    expect(UpdateKeeperSettingsBody.safeParse(example).success).toBe(true);
    const p = await call('PUT', '/api/keeper/settings', example);
    expect(p.status).toBe(200);
    const s = await p.json();
    expect(s.stall.thresholds).toEqual({ QUEUED: 1_800_000, PLANNING: 900_000, IN_PROGRESS: 600_000 });
    expect(s.stall.maxNudges).toBe(2);
    expect((await (await call('GET', '/api/keeper/settings')).json()).stall.cooldownMs).toBe(600_000);
  });

  it('rejects bad settings with the field named', async () => {
    const bad = await call('PUT', '/api/keeper/settings', { stall: { maxNudges: -1 } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('maxNudges');
    const unknown = await call('PUT', '/api/keeper/settings', { stall: { bogus: 1 } });
    expect(unknown.status).toBe(400);
    const src = await call('PUT', '/api/keeper/settings', { approval: { perSource: [{ source: 'not a source', policy: 'never' }] } });
    expect(src.status).toBe(400);
    expect(JSON.stringify(await src.json())).toContain('perSource');
    const dup = await call('PUT', '/api/keeper/settings', { approval: { perSource: [{ source: 'github/a/b', policy: 'never' }, { source: 'sources/github/a/b', policy: 'always' }] } });
    expect(dup.status).toBe(400);
  });

  it('pauses and resumes one session and shows its keeper state', async () => {
    const list = await (await call('GET', '/api/sessions?limit=1')).json();
    const id = list.items[0].id as string;
    const paused = await call('PUT', `/api/sessions/${id}/keeper`, { paused: true });
    expect(paused.status).toBe(200);
    expect((await paused.json()).paused).toBe(true);
    const st = await (await call('GET', `/api/sessions/${id}/keeper`)).json();
    expect(st).toMatchObject({ sessionId: id, paused: true, stuck: false });
    expect(Array.isArray(st.actions)).toBe(true);
    expect((await (await call('PUT', `/api/sessions/${id}/keeper`, { paused: false })).json()).paused).toBe(false);
    expect((await call('GET', '/api/sessions/nope/keeper')).status).toBe(404);
    expect((await call('PUT', `/api/sessions/${id}/keeper`, { paused: 'yes' })).status).toBe(400);
  });

  it('lists the ledger newest first, filtered, with a cursor', async () => {
    const store = createKeeperStore(orch.db);
    const ws = (await (await call('GET', '/api/me')).json()).workspace.id as string;
    const t0 = Date.parse('2026-11-23T10:00:00Z');
    for (let i = 0; i < 5; i++) {
      await store.claim({
        id: `row-${i}`, workspace_id: ws, session_id: i < 3 ? 'sA' : 'sB', kind: i % 2 ? 'nudge' : 'approve', trigger: `t${i}`, status: 'sent',
        reason: `r${i}`, message: null, error: null, attempts: 1, holder: 'test', created_at: t0 + i * 1000, settled_at: t0 + i * 1000,
      });
    }
    const p1 = await (await call('GET', '/api/keeper/logs?sessionId=sA&limit=2')).json();
    expect(p1.items.map((x: { id: string }) => x.id)).toEqual(['row-2', 'row-1']);
    const p2 = await (await call('GET', `/api/keeper/logs?sessionId=sA&limit=2&cursor=${p1.nextCursor}`)).json();
    expect(p2.items.map((x: { id: string }) => x.id)).toEqual(['row-0']);
    expect(p2.nextCursor).toBeNull();
    const bySession = await (await call('GET', '/api/keeper/logs?sessionId=sA&action=approve')).json();
    expect(bySession.items.map((x: { id: string }) => x.id)).toEqual(['row-2', 'row-0']);
    const byTime = await (await call('GET', `/api/keeper/logs?sessionId=sA&from=${new Date(t0 + 1000).toISOString()}&to=${new Date(t0 + 3000).toISOString()}`)).json();
    expect(byTime.items.map((x: { id: string }) => x.id)).toEqual(['row-2', 'row-1']);
    expect((await call('GET', '/api/keeper/logs?cursor=garbage')).status).toBe(400);
    expect((await call('GET', '/api/keeper/logs?action=explode')).status).toBe(400);
    // The unique key: the same (session, kind, trigger) cannot be claimed twice.
    expect(await store.claim({ id: 'dup', workspace_id: ws, session_id: 'sA', kind: 'approve', trigger: 't0', status: 'pending', reason: 'again', message: null, error: null, attempts: 1, holder: 'x', created_at: t0, settled_at: null })).toBeNull();
  });

  it('lists the keeper loops in /api/health once discovered', async () => {
    const ws = (await (await call('GET', '/api/me')).json()).workspace.id as string;
    const k = orch.keeper.keeperFor(ws);
    const h = await (await call('GET', '/api/health')).json();
    expect(h.loops.map((l: { name: string }) => l.name)).toEqual(expect.arrayContaining(['keeper', `keeper:${ws}`]));
    expect(k.loop.name).toBe(`keeper:${ws}`);
    const metrics = await (await orch.app.request('/metrics')).text();
    expect(metrics).toContain('# TYPE autopilot_keeper_actions_total counter');
  });
});
