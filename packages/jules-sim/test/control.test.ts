import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '../src/index.ts';
import { KEY } from './helpers.ts';

let sim: JulesSimulator;
let srv: ListeningSimulator;
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${srv.baseUrl}${path}`, { ...init, headers: { 'x-goog-api-key': KEY, 'content-type': 'application/json' } });
const ctl = async (path: string, body?: unknown): Promise<any> => {
  const res = await fetch(`${srv.origin}/_sim${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return res.json();
};

beforeAll(async () => {
  sim = createJulesSimulator({ manualClock: true, seed: 3, sessions: 12, apiKeys: [KEY] });
  srv = await sim.listen(0);
});
afterAll(() => srv.close());

describe('/_sim control API over HTTP', () => {
  it('advances the clock and reports sim time', async () => {
    const before = await ctl('/clock');
    const after = await ctl('/clock', { advanceSeconds: 90 });
    expect(after.nowMs - before.nowMs).toBe(90_000);
    expect(after.now).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect((await ctl('/clock', { advanceMs: 500 })).nowMs).toBe(after.nowMs + 500);
  });

  it('stats has exactly the documented shape and counts by operation and status', async () => {
    await ctl('/stats/reset', {});
    await api('/sessions');
    await api('/sessions?pageToken=bad');
    await api('/sources/github/acme-corp/storefront');
    const stats = await ctl('/stats');
    expect(Object.keys(stats)).toEqual(['requests', 'sessions']);
    expect(Object.keys(stats.requests)).toEqual(['total', 'byRoute', 'byStatus']);
    expect(stats.requests).toEqual({ total: 3, byRoute: { 'sessions.list': 2, 'sources.get': 1 }, byStatus: { 200: 2, 400: 1 } });
    expect(Object.values(stats.sessions.byState as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(12);
  });

  it('logs requests with wall-clock time, route, session, state and archived flag before the call', async () => {
    const since = new Date().toISOString();
    const [row] = await ctl('/sessions');
    await api(`/sessions/${row.id}:archive`, { method: 'POST', body: '{}' });
    await api(`/sessions/${row.id}`);
    const log = await ctl(`/log?since=${encodeURIComponent(since)}`);
    expect(log.slice(-2)).toEqual([
      { at: expect.any(String), method: 'POST', route: 'sessions.archive', sessionId: row.id, stateBefore: row.state, archivedBefore: false, status: 200 },
      { at: expect.any(String), method: 'GET', route: 'sessions.get', sessionId: row.id, stateBefore: row.state, archivedBefore: true, status: 200 },
    ]);
    expect(log.every((e: any) => e.at >= since)).toBe(true);
    expect(await ctl('/log?limit=1')).toHaveLength(1);
  });

  it('lists sessions with behaviour and forces states (PAUSED, FAILED with reason)', async () => {
    const rows = await ctl('/sessions');
    expect(rows).toHaveLength(12);
    expect(rows[0]).toEqual(expect.objectContaining({ id: expect.any(String), behaviour: expect.any(String), state: expect.any(String), archived: expect.any(Boolean) }));
    const id = rows[1].id;
    expect((await ctl(`/sessions/${id}/state`, { state: 'PAUSED' })).state).toBe('PAUSED');
    expect((await ctl(`/sessions/${id}/state`, { state: 'FAILED', reason: 'Out of disk' })).state).toBe('FAILED');
    const acts = (await (await api(`/sessions/${id}/activities?pageSize=100`)).json()) as any;
    expect(acts.activities.at(-1).sessionFailed).toEqual({ reason: 'Out of disk' });
    expect((await ctl(`/sessions/${id}/state`, { state: 'NOPE' })).error.status).toBe('INVALID_ARGUMENT');
  });

  it('sets and reads faults; reset restores the initial world', async () => {
    const set = await ctl('/faults', { rules: [{ op: 'sessions.get', kind: '500', count: 3 }], concurrencyLimit: 3, concurrencyMode: 'queue' });
    expect(set.rules[0]).toMatchObject({ remaining: 3 });
    expect((await ctl('/faults', { rules: [{ kind: 'nope' }] })).error.status).toBe('INVALID_ARGUMENT');
    await api('/sessions', { method: 'POST', body: JSON.stringify({ prompt: 'extra' }) });
    expect(await ctl('/sessions')).toHaveLength(13);
    expect((await ctl('/reset', {})).ok).toBe(true);
    expect(await ctl('/sessions')).toHaveLength(12);
    expect((await ctl('/faults')).rules).toBeUndefined();
    expect((await ctl('/stats')).requests.total).toBe(0);
  });
});
