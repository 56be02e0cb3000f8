import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import type { Batch } from '@autopilot/contracts';
import { apiClient, startServe, until, type ServeProcess } from '../../packages/server/src/features/keeper/test/process';
import { allowEntry } from './retry-log';

/*
 * The dispatcher across crashes: a 30-item batch while the orchestrator is SIGKILLed at random moments five times
 * and started again on the same DATA_DIR. Jules (the simulator) takes 0.8 s per create and drops 15% of its
 * answers after creating the session, so kills land between "Jules created it" and "we stored it". Afterwards
 * every item is created, and the simulator holds each item's session exactly once: counted from the simulator's
 * own sessions, not from what the orchestrator says.
 */

const JULES_KEY = 'sim-key-dispatch-crash-0123456789';
const ADMIN = 'dispatch-crash-owner-key-0123456789';
const ITEMS = 30;
const KILLS = 5;

let sim: JulesSimulator;
let served: ListeningSimulator;
let dir: string;
let proc: ServeProcess | undefined;
const api = apiClient(() => proc!.url, ADMIN);
let seed = 20261202;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

const env = () => ({
  DATA_DIR: dir, AUTOPILOT_ADMIN_KEY: ADMIN, JULES_API_KEY: JULES_KEY, JULES_API_BASE_URL: served.baseUrl,
  AUTOPILOT_OUTBOUND_ALLOW: allowEntry(served.baseUrl), JULES_POLL_INTERVAL_MS: '1000', DISPATCH_LEASE_MS: '2000', LOG_LEVEL: 'info',
});

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatch-crash-'));
  sim = createJulesSimulator({ apiKeys: [JULES_KEY], sessions: 0, speed: 5, seed: 'dispatch-crash', logCapacity: 200_000 });
  sim.setFaults({ parallelCreates: { maxInFlight: 100, failRate: 0, lostResponseRate: 0.15, lostOnlyUnderLoad: false, latencyMs: 800 } });
  served = await sim.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await proc?.kill('SIGKILL');
  await served?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('dispatcher crash loop', () => {
  it(`a ${ITEMS}-item batch survives ${KILLS} SIGKILLs: every item created exactly once, none lost`, async () => {
    proc = await startServe(env());
    await api('PUT', '/api/keeper/settings', { enabled: false });
    const text = Array.from({ length: ITEMS }, (_, i) => `Crash-safe task ${i} [sim:happy]`).join('\n');
    const body = { name: 'crash loop', idempotencyKey: 'dispatch-crash-30', input: { kind: 'tasks', format: 'lines', text } };
    const batch = await api<Batch>('POST', '/api/batches', body);
    expect(batch.counts.total).toBe(ITEMS);

    const createdAtKill: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      await new Promise((r) => setTimeout(r, 300 + rand() * 1200));
      const b = await api<Batch>('GET', `/api/batches/${batch.id}`);
      createdAtKill.push(b.counts.created);
      await proc.kill('SIGKILL');
      proc = await startServe(env());
      // A client that lost its answer submits again: the same key answers the same batch, nothing new.
      if (k === 0) expect((await api<Batch>('POST', '/api/batches', body)).id).toBe(batch.id);
    }
    // Every kill came while the batch was still being sent.
    expect(createdAtKill.every((n) => n < ITEMS), `created at each kill: ${createdAtKill.join(', ')}`).toBe(true);

    await until(async () => (await api<Batch>('GET', `/api/batches/${batch.id}`)).counts.created === ITEMS, 'every item created', 250, 120_000);
    const done = await api<Batch>('GET', `/api/batches/${batch.id}`);
    expect(done.state).toBe('done');
    expect(done.counts).toMatchObject({ total: ITEMS, created: ITEMS, failed: 0, queued: 0, dispatching: 0 });

    // The simulator's truth: one session per item, none twice, and each item linked to its own.
    const mine = sim.sessions().filter((s) => s.title.startsWith('Crash-safe task'));
    const perTitle = new Map<string, number>();
    for (const s of mine) perTitle.set(s.title, (perTitle.get(s.title) ?? 0) + 1);
    expect(perTitle.size).toBe(ITEMS);
    expect([...perTitle.entries()].filter(([, n]) => n > 1)).toEqual([]);
    const items = done.items.map((i) => i.sessionId);
    expect(new Set(items).size).toBe(ITEMS);
    const lost = sim.log().filter((e) => e.route === 'sessions.create' && e.reason === 'response-lost');
    expect(lost.length, 'the simulator dropped some answers after creating the session').toBeGreaterThan(0);
  }, 300_000);
});
