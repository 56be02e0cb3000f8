import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createJulesSimulator, type JulesSimulator } from '../src/index.ts';

const list = async (sim: JulesSimulator, key: string): Promise<{ status: number; ids: string[] }> => {
  const res = await sim.app.request('/v1alpha/sessions?pageSize=100', { headers: { 'x-goog-api-key': key } });
  const body = (await res.json()) as { sessions?: Array<{ id: string }> };
  return { status: res.status, ids: (body.sessions ?? []).map((s) => s.id) };
};

describe('a world of sessions per API key', () => {
  it('without the option every key sees the same sessions', async () => {
    const sim = createJulesSimulator({ manualClock: true, seed: 3, sessions: 5, apiKeys: ['a', 'b'] });
    const a = await list(sim, 'a');
    expect(a.ids).toHaveLength(5);
    expect((await list(sim, 'b')).ids).toEqual(a.ids);
  });

  it('gives each key its own sessions, the same ones on every run with the same seed', async () => {
    const make = () => createJulesSimulator({ manualClock: true, seed: 3, startTime: '2026-01-01T00:00:00Z', sessions: 6, apiKeys: ['a', 'b', 'c'], worldPerKey: true });
    const sim = make();
    const [a, b, c] = [await list(sim, 'a'), await list(sim, 'b'), await list(sim, 'c')];
    for (const w of [a, b, c]) expect(w.ids).toHaveLength(6);
    expect(new Set([...a.ids, ...b.ids, ...c.ids]).size).toBe(18);
    // Key order must not matter: a second simulator asked in another order gives each key the same sessions.
    const again = make();
    expect((await list(again, 'c')).ids).toEqual(c.ids);
    expect((await list(again, 'a')).ids).toEqual(a.ids);
    // Stats and the control rows cover every world.
    const total = Object.values(sim.stats().sessions.byState).reduce((x, y) => x + y, 0);
    expect(total).toBe(18);
    expect(sim.sessions().filter((r) => r.apiKey === 'b').map((r) => r.id).sort()).toEqual([...b.ids].sort());
  });

  it("keeps one key's sessions out of another key's reach", async () => {
    const sim = createJulesSimulator({ manualClock: true, seed: 3, sessions: 2, apiKeys: ['a', 'b'], worldPerKey: true });
    const created = await sim.app.request('/v1alpha/sessions', {
      method: 'POST', headers: { 'x-goog-api-key': 'a', 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'only for a' }),
    });
    const { id } = (await created.json()) as { id: string };
    expect((await list(sim, 'a')).ids).toContain(id);
    expect((await list(sim, 'b')).ids).not.toContain(id);
    const fromB = await sim.app.request(`/v1alpha/sessions/${id}`, { headers: { 'x-goog-api-key': 'b' } });
    expect(fromB.status).toBe(404);
    const forced = sim.setSessionState(id, 'PAUSED');
    expect(forced.state).toBe('PAUSED');
    // A refused key creates no world.
    expect((await list(sim, 'z')).status).toBe(401);
    expect(sim.sessions().some((r) => r.apiKey === 'z')).toBe(false);
  });

  it('builds a world on first use when any key is accepted', async () => {
    const sim = createJulesSimulator({ manualClock: true, seed: 9, sessions: 3, worldPerKey: true });
    const x = await list(sim, 'x');
    const y = await list(sim, 'y');
    expect(x.ids).toHaveLength(3);
    expect(y.ids).toHaveLength(3);
    expect(x.ids.some((id) => y.ids.includes(id))).toBe(false);
  });

  it('the --world-per-key flag turns it on from the command line', async () => {
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0', '--sessions', '4', '--world-per-key', '--api-key', 'k1', '--api-key', 'k2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      const ids = async (key: string) => (((await (await fetch(`${line}/sessions`, { headers: { 'x-goog-api-key': key } })).json()) as any).sessions as Array<{ id: string }>).map((s) => s.id);
      const [one, two] = [await ids('k1'), await ids('k2')];
      expect(one).toHaveLength(4);
      expect(two).toHaveLength(4);
      expect(one.some((id) => two.includes(id))).toBe(false);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});
