import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fill, startWorld, worldEngines, type Operation, type World } from './world';

/** Response parts that change by themselves (timestamps, latencies, counters of the poller). */
// requestsToday: a key's usage counts the snapshot's own requests, made with that key.
const VOLATILE = /(At|Time|time|latency|Latency|uptime|Seconds|ticks|lastError|^from|^to|^requestsToday)$/;
const normalize = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(normalize) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => !VOLATILE.test(k)).map(([k, x]) => [k, normalize(x)])) : v;

const collectIds = (v: unknown, out: Set<string>) => {
  if (Array.isArray(v)) v.forEach((x) => collectIds(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'id' && typeof x === 'string') out.add(x);
      else collectIds(x, out);
    }
  }
};

const SKIP = new Set(['/api/events', '/api/openapi.json', '/api/docs', '/api/health']);

/**
 * JSON and NDJSON answers. The export streams NDJSON lines: the second workspace's export is read line by line and
 * must name nothing of the first; the first workspace's own export is not a source of ids or of the snapshot
 * (it holds every row, so probing each of its ids on every route would multiply the run for nothing).
 */
const isJson = (res: Response) => /json/.test(res.headers.get('content-type') ?? '');
const isPlainJson = (res: Response) => isJson(res) && !/ndjson/.test(res.headers.get('content-type') ?? '');
async function bodyOf(res: Response): Promise<unknown> {
  if (!/ndjson/.test(res.headers.get('content-type') ?? '')) return res.json();
  return (await res.text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as unknown);
}

describe.each(worldEngines())('tenancy on every route (%s)', (engine) => {
  let w: World;
  let ops: Operation[];
  let otherKey: string;
  const ids = new Set<string>();
  let before: Map<string, unknown>;
  let attackStartedAt: string;

  const snapshot = async () => {
    const snap = new Map<string, unknown>();
    for (const op of ops.filter((o) => o.method === 'GET' && !SKIP.has(o.path))) {
      const targets = op.params.length ? [...ids].map((id) => fill(op.path, id)) : [op.path];
      for (const p of targets) {
        const res = await w.request(p);
        if (res.status === 200 && isPlainJson(res)) snap.set(p, normalize(await res.json()));
      }
    }
    return snap;
  };

  beforeAll(async () => {
    w = await startWorld({ sessions: 12, engine });
    ops = (await w.operations()).filter((o) => o.path.startsWith('/api/') && !o.path.startsWith('/api/docs'));
    const ws = await (await w.request('/api/workspaces', { method: 'POST', json: { name: 'intruder' } })).json();
    otherKey = ws.ownerKey.key;
    await w.request('/api/keys', { method: 'POST', json: { name: 'victim-key' } });
    for (const op of ops.filter((o) => o.method === 'GET' && !o.params.length && !SKIP.has(o.path))) {
      const res = await w.request(op.path);
      if (res.ok && isPlainJson(res)) collectIds(await res.json(), ids);
    }
    ids.delete(ws.workspace.id);
    before = await snapshot();
  });
  afterAll(async () => w?.close());

  it('seeded resources of several kinds in the first workspace', () => {
    expect(ids.size).toBeGreaterThan(12);
    expect(before.size).toBeGreaterThan(ids.size / 2);
  });

  it('the second workspace can neither read nor change any of them, on any route', async () => {
    attackStartedAt = new Date(Date.now() - 1).toISOString();
    let attempts = 0;
    let listed = 0;
    for (const op of ops.filter((o) => !SKIP.has(o.path))) {
      const body = op.method === 'GET' || op.method === 'DELETE' ? undefined : (op.example ?? {});
      if (!op.params.length) {
        // Workspace-level routes act on the caller's own workspace; they must not fail with a 5xx either.
        const res = await w.request(op.path, { method: op.method, key: otherKey, ...(body ? { json: body } : {}) });
        expect(res.status, `${op.method} ${op.path}`).toBeLessThan(500);
        // A list or summary of the caller's own workspace must not name anything of the first one.
        if (op.method === 'GET' && res.ok && isJson(res)) {
          const seen = new Set<string>();
          collectIds(await bodyOf(res), seen);
          expect([...seen].filter((id) => ids.has(id)), `${op.path} as the second workspace`).toEqual([]);
          listed++;
        }
        continue;
      }
      for (const id of ids) {
        const res = await w.request(fill(op.path, id), { method: op.method, key: otherKey, ...(body ? { json: body } : {}) });
        attempts++;
        expect(res.status, `${op.method} ${op.path} with a first-workspace id ${id}`).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
    }
    expect(attempts).toBeGreaterThan(50);
    expect(listed, 'workspace-level lists read as the second workspace').toBeGreaterThan(5);
  });

  it('everything the first workspace sees is unchanged', async () => {
    const after = await snapshot();
    for (const [p, v] of before) expect(after.get(p), p).toEqual(v);
  });

  it('no Jules action reached the simulator for the first workspace from the second', () => {
    // The second workspace has no Jules account: whatever reached the simulator's only key during the attack (a
    // created session included) was sent with the first workspace's credentials.
    const acting = w.sim.log({ since: attackStartedAt }).filter((e) => e.method !== 'GET');
    expect(acting).toEqual([]);
  });
});
