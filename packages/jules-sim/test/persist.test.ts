import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createJulesSimulator, loadSnapshot, persistSimulator, type JulesSimulator, type SimSnapshot } from '../src/index.ts';

const KEY = 'k';
const START = Date.parse('2026-03-01T10:00:00Z');

async function call(sim: JulesSimulator, method: string, p: string, body?: unknown): Promise<any> {
  const res = await sim.app.request(`/v1alpha/${p}`, {
    method, headers: { 'x-goog-api-key': KEY, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, `${method} ${p}`).toBe(200);
  return res.json();
}

/** Every session (archived too) with its whole activity list, as the API serves them. */
async function world(sim: JulesSimulator) {
  const out: Record<string, { session: any; activities: any[] }> = {};
  for (const filter of ['', '&filter=archived%20%3D%20true']) {
    const page = await call(sim, 'GET', `sessions?pageSize=100${filter}`);
    for (const s of page.sessions ?? []) {
      const acts = await call(sim, 'GET', `sessions/${s.id}/activities?pageSize=100`);
      out[s.id] = { session: s, activities: acts.activities ?? [] };
    }
  }
  return out;
}

const roundTrip = (s: SimSnapshot): SimSnapshot => JSON.parse(JSON.stringify(s));
const make = (extra: Parameters<typeof createJulesSimulator>[0] = {}) =>
  createJulesSimulator({ manualClock: true, seed: 11, sessions: 12, spreadHours: 1, apiKeys: [KEY], startTime: START, ...extra });

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmpdir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-persist-'));
  dirs.push(d);
  return d;
};

describe('snapshot and restore', () => {
  it('a restored world is the same world and moves on exactly as the original does', async () => {
    const a = make();
    const created = await call(a, 'POST', 'sessions', {
      prompt: 'Fix the login redirect loop', sourceContext: { source: 'sources/github/acme-corp/storefront', githubRepoContext: { startingBranch: 'main' } }, requirePlanApproval: true,
    });
    a.clock.advance(45_000);
    await call(a, 'POST', 'sessions', { prompt: 'Write docs for the CLI [sim:question]' });
    const snap = roundTrip(a.snapshot());
    expect(snap.worlds[0].engine.sessions.length).toBe(14);
    expect(snap.worlds[0].engine.events.length).toBeGreaterThan(0);

    // Same sim time as the snapshot: nothing to shift.
    const b = make({ restore: snap, startTime: snap.simNowMs, seed: 999, sessions: 0 });
    expect(b.restored).toBe(true);
    const before = await world(a);
    expect(await world(b)).toEqual(before);
    expect(Object.keys(before)).toContain(created.id);

    // Both continue: the same agent steps, messages and PRs (every generator state came along).
    for (let i = 0; i < 6; i++) {
      a.clock.advance(60_000);
      b.clock.advance(60_000);
    }
    const [wa, wb] = [await world(a), await world(b)];
    expect(wb).toEqual(wa);
    const movedOn = Object.keys(wa).filter((id) => wa[id].activities.length > before[id].activities.length);
    expect(movedOn.length).toBeGreaterThan(0);

    // A session created after the restore gets the same id and behaviour in both.
    const na = await call(a, 'POST', 'sessions', { prompt: 'Bump the test runner' });
    const nb = await call(b, 'POST', 'sessions', { prompt: 'Bump the test runner' });
    expect(nb.id).toBe(na.id);
  });

  it('a restore after a downtime resumes the timelines from now instead of replaying the gap', async () => {
    const a = make();
    a.clock.advance(20_000);
    const snap = roundTrip(a.snapshot());
    const before = await world(a);
    const hour = 3_600_000;
    const b = make({ restore: snap, startTime: snap.simNowMs + hour });
    // An hour later nothing has happened at once: every live session is where it was.
    const rb = await world(b);
    for (const id of Object.keys(before)) {
      expect(rb[id].session.state).toBe(before[id].session.state);
      expect(rb[id].activities.length).toBe(before[id].activities.length);
    }
    // ...and then the same steps follow, an hour later than they would have.
    a.clock.advance(5 * 60_000);
    b.clock.advance(5 * 60_000);
    const [wa, wb] = [await world(a), await world(b)];
    let compared = 0;
    for (const id of Object.keys(wa)) {
      expect(wb[id].session.state).toBe(wa[id].session.state);
      expect(wb[id].activities.map((x: any) => x.id)).toEqual(wa[id].activities.map((x: any) => x.id));
      const fresh = wa[id].activities.slice(before[id].activities.length);
      fresh.forEach((act: any, i: number) => {
        const late = wb[id].activities[before[id].activities.length + i];
        expect(Date.parse(late.createTime) - Date.parse(act.createTime)).toBe(hour);
        compared++;
      });
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('keeps per-key worlds apart', async () => {
    const a = createJulesSimulator({ manualClock: true, seed: 4, sessions: 3, apiKeys: ['x', 'y'], worldPerKey: true, startTime: START });
    const b = createJulesSimulator({ manualClock: true, apiKeys: ['x', 'y'], worldPerKey: true, restore: roundTrip(a.snapshot()), startTime: START });
    for (const key of ['x', 'y']) {
      const ids = async (sim: JulesSimulator) => {
        const r = await sim.app.request('/v1alpha/sessions', { headers: { 'x-goog-api-key': key } });
        return ((await r.json()) as { sessions: { id: string }[] }).sessions.map((s) => s.id);
      };
      expect(await ids(b)).toEqual(await ids(a));
    }
  });

  it('refuses a snapshot of another format', () => {
    expect(() => make({ restore: { format: 'jules-sim-snapshot', version: 99 } as unknown as SimSnapshot })).toThrow(/version 1/);
  });
});

describe('persistSimulator', () => {
  it('writes atomically after API changes and on close; the file restores the world', async () => {
    const file = path.join(tmpdir(), 'nested', 'sim.json');
    const a = make();
    const p = persistSimulator(a, { file, intervalMs: 60_000, debounceMs: 20 });
    const s = await call(a, 'POST', 'sessions', { prompt: 'Add a health endpoint' });
    await expect.poll(() => fs.existsSync(file), { timeout: 2000 }).toBe(true);
    const first = loadSnapshot(file);
    expect(first.status).toBe('loaded');
    if (first.status !== 'loaded') return;
    expect(first.snapshot.worlds[0].engine.sessions.map((x) => x.id)).toContain(s.id);
    a.clock.advance(120_000);
    await p.close();
    const last = loadSnapshot(file);
    if (last.status !== 'loaded') throw new Error('not loaded');
    expect(last.snapshot.simNowMs).toBe(a.clock.now());
    // No temporary files left beside it.
    expect(fs.readdirSync(path.dirname(file))).toEqual(['sim.json']);
    const b = make({ restore: last.snapshot, startTime: last.snapshot.simNowMs });
    expect(await world(b)).toEqual(await world(a));
  });

  it('does not write an unchanged world again', async () => {
    const file = path.join(tmpdir(), 'sim.json');
    const a = make();
    const p = persistSimulator(a, { file, intervalMs: 60_000 });
    await p.flush();
    const m1 = fs.statSync(file).mtimeMs;
    fs.utimesSync(file, new Date(0), new Date(0));
    await p.flush();
    expect(fs.statSync(file).mtimeMs).toBe(0);
    a.clock.advance(60_000);
    await p.flush();
    expect(fs.statSync(file).mtimeMs).toBeGreaterThanOrEqual(m1);
    await p.close();
  });

  it('moves a corrupt file aside and reports it', () => {
    const dir = tmpdir();
    const file = path.join(dir, 'sim.json');
    expect(loadSnapshot(file)).toEqual({ status: 'missing' });
    fs.writeFileSync(file, '{"format":"jules-sim-snapshot","version":1,"worl');
    const r = loadSnapshot(file);
    expect(r.status).toBe('corrupt');
    if (r.status !== 'corrupt') return;
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readFileSync(r.movedTo, 'utf8')).toContain('"worl');
    fs.writeFileSync(file, JSON.stringify({ format: 'jules-sim-snapshot', version: 3, worlds: [] }));
    const v2 = loadSnapshot(file);
    expect(v2.status).toBe('corrupt');
    if (v2.status === 'corrupt') expect(v2.reason).toMatch(/version 1/);
  });
});
