import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrchestrator, type TestOrchestrator } from './harness';

/** /api/schedules over HTTP: CRUD, the 400s naming the field, roles, tenancy, next runs and history. */
describe('schedules API', () => {
  let t: TestOrchestrator;
  let other: { id: string; key: string };
  let viewer: string;
  const body = { name: 'Weekly deps', cron: '0 7 * * 1', timezone: 'Europe/Berlin', missedRunPolicy: 'run_once', target: { kind: 'template', templateId: 'tpl_deps', variables: { repo: 'acme/web' } } };

  beforeAll(async () => {
    t = await startTestOrchestrator();
    other = await t.newWorkspace('schedules-other');
    const k = await (await t.request('/api/keys', { method: 'POST', json: { name: 'viewer', role: 'viewer' } })).json();
    viewer = k.key;
  });
  afterAll(async () => t?.close());

  const issuePath = async (res: Response) => {
    const e = (await res.json()) as { error: { details?: { issues?: Array<{ path: string }> } } };
    return (e.error.details?.issues ?? []).map((i) => i.path);
  };

  it('creates, reads, lists, changes, pauses, resumes and removes a schedule', async () => {
    const created = await t.request('/api/schedules', { method: 'POST', json: body });
    expect(created.status).toBe(201);
    const s = await created.json();
    expect(s).toMatchObject({ name: 'Weekly deps', cron: '0 7 * * 1', intervalSeconds: null, timezone: 'Europe/Berlin', enabled: true, missedRunPolicy: 'run_once', description: 'At 07:00, only on Monday (Europe/Berlin)' });
    expect(Date.parse(s.nextRunAt)).toBeGreaterThan(Date.now());
    expect((await (await t.request(`/api/schedules/${s.id}`)).json()).id).toBe(s.id);
    expect((await (await t.request('/api/schedules')).json()).items.map((x: { id: string }) => x.id)).toContain(s.id);

    const changed = await (await t.request(`/api/schedules/${s.id}`, { method: 'PATCH', json: { intervalSeconds: 900 } })).json();
    expect(changed).toMatchObject({ cron: null, intervalSeconds: 900, description: 'Every 15 minutes' });
    const paused = await (await t.request(`/api/schedules/${s.id}/pause`, { method: 'POST' })).json();
    expect(paused).toMatchObject({ enabled: false, nextRunAt: null });
    const resumed = await (await t.request(`/api/schedules/${s.id}/resume`, { method: 'POST' })).json();
    expect(resumed.enabled).toBe(true);
    expect(Date.parse(resumed.nextRunAt) - Date.now()).toBeLessThanOrEqual(900_000);

    const removed = await t.request(`/api/schedules/${s.id}`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect((await t.request(`/api/schedules/${s.id}`)).status).toBe(404);
  });

  it('answers the next runs in UTC and in the zone, with the schedule in words', async () => {
    const s = await (await t.request('/api/schedules', { method: 'POST', json: { ...body, name: 'next', cron: '30 6 * * 1-5', timezone: 'America/New_York' } })).json();
    const next = await (await t.request(`/api/schedules/${s.id}/next?count=7`)).json();
    expect(next).toMatchObject({ scheduleId: s.id, timezone: 'America/New_York', enabled: true });
    expect(next.description).toMatch(/06:30.*Monday through Friday.*America\/New_York/);
    expect(next.runs).toHaveLength(7);
    for (const r of next.runs) {
      expect(r.local).toMatch(/^\d{4}-\d\d-\d\dT06:30:00-0[45]:00$/);
      expect(Date.parse(r.local)).toBe(Date.parse(r.at));
      expect([0, 6]).not.toContain(new Date(Date.parse(r.local) - 5 * 3600_000).getUTCDay());
    }
    expect((await (await t.request(`/api/schedules/${s.id}/next`)).json()).runs).toHaveLength(5);
    expect(await issuePath(await t.request(`/api/schedules/${s.id}/next?count=500`))).toEqual(['query.count']);
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const post = (json: unknown) => t.request('/api/schedules', { method: 'POST', json });
    const bad = async (json: unknown) => {
      const res = await post(json);
      expect(res.status, JSON.stringify(json)).toBe(400);
      return (await issuePath(res)).join(' ');
    };
    expect(await bad({ ...body, cron: '0 25 * * *' })).toBe('body.cron');
    expect(await bad({ ...body, cron: '* * * * * *' })).toBe('body.cron');
    expect(await bad({ ...body, timezone: 'Europe/Atlantis' })).toMatch(/body\.timezone/);
    const { cron: _c, ...noCron } = body;
    expect(await bad({ ...noCron, intervalSeconds: 30 })).toMatch(/body\.intervalSeconds/);
    expect(await bad({ ...body, target: { kind: 'swarm', templateId: 'x' } })).toBe('body.target.kind');
    expect(await bad({ ...body, target: { kind: 'batch', templateId: 'x', sources: [] } })).toMatch(/body\.target\.sources/);
    expect(await bad({ ...body, intervalSeconds: 600 })).toMatch(/body/);
    expect((await t.request('/api/schedules', { method: 'POST', json: { ...body, name: 'dup' } })).status).toBe(201);
    const dup = await post({ ...body, name: 'dup' });
    expect(dup.status).toBe(409);
    expect(await issuePath(dup)).toEqual(['body.name']);
  });

  it('viewers read but cannot write; another workspace sees none of it', async () => {
    const s = await (await t.request('/api/schedules', { method: 'POST', json: { ...body, name: 'roles' } })).json();
    expect((await t.request(`/api/schedules/${s.id}`, { key: viewer })).status).toBe(200);
    expect((await t.request(`/api/schedules/${s.id}/runs`, { key: viewer })).status).toBe(200);
    for (const [method, path, json] of [
      ['POST', '/api/schedules', { ...body, name: 'by viewer' }],
      ['PATCH', `/api/schedules/${s.id}`, { name: 'x' }],
      ['DELETE', `/api/schedules/${s.id}`, undefined],
      ['POST', `/api/schedules/${s.id}/pause`, undefined],
      ['POST', `/api/schedules/${s.id}/resume`, undefined],
    ] as const) {
      expect((await t.request(path, { method, key: viewer, ...(json ? { json } : {}) })).status, `${method} ${path}`).toBe(403);
    }
    const list = await (await t.request('/api/schedules', { key: other.key })).json();
    expect(list.items).toEqual([]);
    for (const p of [`/api/schedules/${s.id}`, `/api/schedules/${s.id}/next`, `/api/schedules/${s.id}/runs`]) expect((await t.request(p, { key: other.key })).status, p).toBe(404);
    expect((await t.request(`/api/schedules/${s.id}/pause`, { method: 'POST', key: other.key })).status).toBe(404);
    expect((await t.request(`/api/schedules/${s.id}`, { key: null })).status).toBe(401);
  });

  it('pages the run history newest first with a cursor', async () => {
    const s = await (await t.request('/api/schedules', { method: 'POST', json: { ...body, name: 'history' } })).json();
    const { db } = t.orch;
    const me = await (await t.request('/api/me')).json();
    const base = Date.parse('2026-11-01T07:00:00Z');
    for (let i = 0; i < 5; i++) {
      await db.kysely.insertInto('schedule_runs').values({
        id: `run-${i}`, workspace_id: me.workspace.id, schedule_id: s.id, fire_at: base + i * 86_400_000, claimed_by: 'x', claimed_at: base + i * 86_400_000, attempts: 1,
        started_at: base + i * 86_400_000, finished_at: base + i * 86_400_000 + 1000, outcome: i === 2 ? 'failed' : 'ok', reason: i === 2 ? 'boom' : null, missed: 0, links: JSON.stringify([{ label: 'session', url: `https://jules.google.com/session/${i}` }]),
      }).execute();
    }
    const p1 = await (await t.request(`/api/schedules/${s.id}/runs?limit=3`)).json();
    expect(p1.items.map((r: { id: string }) => r.id)).toEqual(['run-4', 'run-3', 'run-2']);
    expect(p1.items[2]).toMatchObject({ outcome: 'failed', reason: 'boom', fireAt: '2026-11-03T07:00:00.000Z', links: [{ label: 'session', url: 'https://jules.google.com/session/2' }] });
    const p2 = await (await t.request(`/api/schedules/${s.id}/runs?limit=3&cursor=${p1.nextCursor}`)).json();
    expect(p2.items.map((r: { id: string }) => r.id)).toEqual(['run-1', 'run-0']);
    expect(p2.nextCursor).toBeNull();
    expect(await issuePath(await t.request(`/api/schedules/${s.id}/runs?cursor=nonsense`))).toEqual(['query.cursor']);
  });
});
