import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator, type LogEntry } from '@autopilot/jules-sim';
import { apiClient, startServe, until, type ServeProcess } from '../../packages/server/src/features/keeper/test/process';

/*
 * Fault storm: the simulator answers with 429s (Retry-After 1 s), 500s, 503s, slow answers and malformed bodies
 * while the keeper has work to do; then a full outage opens the Jules breaker and its end closes it again.
 * The keeper must still act exactly once per trigger, wait out every Retry-After, and keep its memory flat.
 */

const JULES_KEY = 'sim-key-fault-storm-0123456789';
const ADMIN = 'fault-storm-owner-key-0123456789';
const RETRY_AFTER_S = 1;

let sim: JulesSimulator;
let served: ListeningSimulator;
let dir: string;
let proc: ServeProcess | undefined;
const api = apiClient(() => proc!.url, ADMIN);
const groups = new Map<string, 'approve' | 'question'>();

const ok = (route: string) => (e: LogEntry) => e.route === route && e.status < 300 && e.sessionId !== undefined;
const countBy = (route: string) => {
  const m = new Map<string, number>();
  for (const e of sim.log().filter(ok(route))) m.set(e.sessionId!, (m.get(e.sessionId!) ?? 0) + 1);
  return m;
};
const ids = (g: string) => [...groups].filter(([, x]) => x === g).map(([id]) => id);
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${proc!.child.pid}/status`, 'utf8'))![1]) * 1024;
const julesHealth = async () => (await api<{ components: Array<{ name: string; status: string }> }>('GET', '/api/health')).components.find((c) => c.name === 'jules')?.status;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fault-storm-'));
  sim = createJulesSimulator({ apiKeys: [JULES_KEY], speed: 10, seed: 'fault-storm', logCapacity: 500_000 });
  served = await sim.listen(0, '127.0.0.1');
});
afterAll(async () => {
  await proc?.kill('SIGKILL');
  await served?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('fault storm', () => {
  it('keeps acting exactly once, honours Retry-After, opens and closes its breaker, memory flat', async () => {
    proc = await startServe({
      DATA_DIR: dir, AUTOPILOT_ADMIN_KEY: ADMIN, JULES_API_KEY: JULES_KEY, JULES_API_BASE_URL: served.baseUrl,
      JULES_POLL_INTERVAL_MS: '500', KEEPER_PENDING_STALE_MS: '1000', KEEPER_DISCOVER_INTERVAL_MS: '200',
    });
    await api('PUT', '/api/keeper/settings', {
      enabled: true,
      intervals: { tickMs: 200, activeMs: 300, waitingMs: 300, terminalMs: 5_000 },
      approval: { policy: 'rules', maxSteps: 12 },
      answers: { enabled: true, maxPerSession: 3 },
      stall: { enabled: false },
    });
    const rssStart = rss();
    const stormStart = new Date().toISOString();
    sim.setFaults({ rates: { '429': 0.15, '500': 0.05, '503': 0.05, slow: 0.03, malformed: 0.03, truncated: 0.02 }, slowMs: 1500, retryAfterSeconds: RETRY_AFTER_S });
    for (let i = 0; i < 30; i++) {
      groups.set(sim.createSession({ prompt: `Add a health endpoint #${i}`, requirePlanApproval: true, behaviour: 'happy' }).id, 'approve');
      groups.set(sim.createSession({ prompt: `Add paging to the list #${i}`, behaviour: 'question' }).id, 'question');
    }
    await until(() => {
      const a = countBy('sessions.approvePlan');
      const m = countBy('sessions.sendMessage');
      return ids('approve').every((id) => a.has(id)) && ids('question').every((id) => m.has(id));
    }, 'every action through the storm', 250, 150_000);
    const storm = sim.log({ since: stormStart });
    const faulted = storm.filter((e) => e.status === 429 || e.status >= 500).length;
    expect(faulted).toBeGreaterThan(10);

    // Full outage: the breaker opens (health degraded), and closes once Jules answers again.
    sim.setFaults({ rules: [{ kind: '503', count: -1 }], retryAfterSeconds: RETRY_AFTER_S });
    await until(async () => (await julesHealth()) === 'degraded', 'the Jules breaker to open', 250, 60_000);
    sim.setFaults({});
    await until(async () => (await julesHealth()) === 'ok', 'the Jules breaker to close', 250, 90_000);

    await new Promise((r) => setTimeout(r, 2_000)); // late duplicates would show up here
    const approvals = countBy('sessions.approvePlan');
    const messages = countBy('sessions.sendMessage');
    for (const id of ids('approve')) expect(approvals.get(id), `approvals of ${id}`).toBe(1);
    for (const id of ids('question')) expect(messages.get(id), `answers to ${id}`).toBe(1);

    // Retry-After honoured: after a 429, the same request is not repeated before the deadline (the client holds
    // every request of the key until then).
    const log = sim.log({ since: stormStart });
    const early: string[] = [];
    log.forEach((e, i) => {
      if (e.status !== 429) return;
      const next = log.slice(i + 1).find((x) => x.route === e.route && x.sessionId === e.sessionId && x.method === e.method);
      // A request already in flight when the 429 was sent arrives within a few ms: that is not a retry.
      const gap = next ? Date.parse(next.at) - Date.parse(e.at) : Infinity;
      if (gap > 50 && gap < RETRY_AFTER_S * 1000 - 5) early.push(`${e.route} ${e.sessionId ?? ''} ${e.at} -> ${next!.at}`);
    });
    expect(early).toEqual([]);

    // Memory: no growth beyond noise over the storm (a leak of retries, timers or buffers would show).
    const rssEnd = rss();
    expect(rssEnd / rssStart).toBeLessThan(1.25);
  }, 300_000);
});
