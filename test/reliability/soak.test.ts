import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import { apiClient, startServe, until, type ServeProcess } from '../../packages/server/src/features/keeper/test/process';
import { allowEntry } from './retry-log';

/*
 * Soak: one simulated hour at 1,000 sessions (the simulator's manual clock advances a minute per real second, new
 * sessions keep arriving, the keeper acts), and the orchestrator's resident memory grows by less than 10%.
 */

const JULES_KEY = 'sim-key-soak-0123456789';
const ADMIN = 'soak-owner-key-0123456789';
const SIM_MINUTES = 60;

let sim: JulesSimulator;
let served: ListeningSimulator;
let dir: string;
let proc: ServeProcess | undefined;
const api = apiClient(() => proc!.url, ADMIN);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-'));
  sim = createJulesSimulator({ apiKeys: [JULES_KEY], sessions: 1000, spreadHours: 2, manualClock: true, seed: 'soak', logCapacity: 200_000 });
  served = await sim.listen(0, '127.0.0.1');
});
afterAll(async () => {
  await proc?.kill('SIGKILL');
  await served?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('soak', () => {
  it(`${SIM_MINUTES} simulated minutes at 1,000 sessions: resident memory grows less than 10%`, async () => {
    proc = await startServe({
      DATA_DIR: dir, AUTOPILOT_ADMIN_KEY: ADMIN, JULES_API_KEY: JULES_KEY, JULES_API_BASE_URL: served.baseUrl,
      AUTOPILOT_OUTBOUND_ALLOW: allowEntry(served.baseUrl),
      JULES_POLL_INTERVAL_MS: '1000', KEEPER_DISCOVER_INTERVAL_MS: '500',
    });
    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${proc!.child.pid}/status`, 'utf8'))![1]) * 1024;
    await api('PUT', '/api/keeper/settings', { enabled: true, intervals: { tickMs: 500, activeMs: 1_000, waitingMs: 1_000, terminalMs: 60_000 } });
    await until(() => (sim.stats().requests.byRoute['activities.list'] ?? 0) >= 1000, 'the first full sync', 250, 120_000);

    const samples: number[] = [];
    const late: string[] = [];
    let lateSince = '';
    for (let minute = 0; minute < SIM_MINUTES; minute++) {
      sim.clock.advance(60_000);
      if (minute === SIM_MINUTES - 10) lateSince = new Date().toISOString();
      if (minute % 3 === 0) {
        for (let i = 0; i < 5; i++) {
          const id = sim.createSession({ prompt: `Soak task ${minute}.${i}`, requirePlanApproval: i % 2 === 0 }).id;
          if (minute >= SIM_MINUTES - 10) late.push(id);
        }
      }
      await new Promise((r) => setTimeout(r, 1000));
      samples.push(rss());
      if (minute % 10 === 0) process.stderr.write(`  soak: ${minute}/${SIM_MINUTES} simulated minutes, rss ${(samples.at(-1)! / 2 ** 20).toFixed(0)} MiB\n`);
    }
    // Warm-up (first minutes: caches, JIT, first keeper decisions) is excluded; medians smooth GC timing.
    const rssEarly = median(samples.slice(5, 15));
    const rssLate = median(samples.slice(-10));
    expect(rssLate / rssEarly, `rss ${Math.round(rssEarly / 2 ** 20)} MiB -> ${Math.round(rssLate / 2 ** 20)} MiB`).toBeLessThan(1.1);

    // Still working at the end: the sessions of the last ten simulated minutes are mirrored, and the keeper
    // recorded decisions during those minutes (not only at the start).
    const mirrored = new Set<string>();
    await until(async () => {
      for (let cursor: string | null = null, first = true; first || cursor; first = false) {
        const page: { items: Array<{ julesId: string }>; nextCursor: string | null } = await api('GET', `/api/sessions?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        for (const x of page.items) mirrored.add(x.julesId);
        cursor = page.nextCursor;
      }
      return late.every((id) => mirrored.has(id));
    }, 'the late sessions in the mirror', 1000, 30_000);
    expect(late.length).toBeGreaterThan(10);
    expect(mirrored.size).toBeGreaterThanOrEqual(1000 + late.length);
    const acted = await api<{ items: unknown[] }>('GET', `/api/keeper/logs?limit=10&from=${encodeURIComponent(lateSince)}`);
    expect(acted.items.length, 'keeper decisions in the last ten simulated minutes').toBeGreaterThan(0);
    const health = await api<{ status: string }>('GET', '/api/health');
    expect(health.status).not.toBe('down');
  }, 300_000);
});
