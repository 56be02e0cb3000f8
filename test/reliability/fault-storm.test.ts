import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator, type LogEntry } from '@autopilot/jules-sim';
import { apiClient, startServe, until, type ServeProcess } from '../../packages/server/src/features/keeper/test/process';
import { allowEntry, earlyRetries, retriesAfterRefusals } from './retry-log';

/*
 * Fault storm: the simulator answers with 429s (Retry-After 1 s), 500s, 503s, slow answers and malformed bodies
 * while the keeper has work to do; then a full outage opens the Jules breaker and its end closes it again; then
 * single 429s that carry their delay only in the header, only in RetryInfo, or not at all. The keeper must still
 * act exactly once per trigger, never come back before the delay the simulator asked for (1 s when it named none),
 * and keep its memory flat. Every delay is measured between arrivals in the simulator's own request log.
 */

const JULES_KEY = 'sim-key-fault-storm-0123456789';
const ADMIN = 'fault-storm-owner-key-0123456789';
const RETRY_AFTER_S = 1;
/** Without Retry-After or RetryInfo, the first retry of a 429 waits at least this long (issue #10, item 7). */
const HINTLESS_MIN_MS = 1000;
/** How each single 429 of the last phase says when to come back: header, RetryInfo, both or neither. */
const HINTS = [
  { name: 'header', retryAfterSeconds: 2, retryAfterHeader: true, retryInfo: false, minMs: 2000 },
  { name: 'retryInfo', retryAfterSeconds: 2, retryAfterHeader: false, retryInfo: true, minMs: 2000 },
  { name: 'none', retryAfterSeconds: 0, retryAfterHeader: false, retryInfo: false, minMs: HINTLESS_MIN_MS },
] as const;

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
      AUTOPILOT_OUTBOUND_ALLOW: allowEntry(served.baseUrl),
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

    const outageEnd = new Date().toISOString();

    // Single 429s on the actions themselves: an approval or an answer is sent once per trigger, so the next request
    // of the same operation for the same session is certainly the retry of the refused one (no concurrent twin).
    const hinted = new Map<string, (typeof HINTS)[number]>();
    const rules = [];
    for (const [i, hint] of [...HINTS, ...HINTS].entries()) {
      const a = sim.createSession({ prompt: `Add a status page #${i}`, requirePlanApproval: true, behaviour: 'happy' }).id;
      const q = sim.createSession({ prompt: `Add filters to the list #${i}`, behaviour: 'question' }).id;
      groups.set(a, 'approve').set(q, 'question');
      hinted.set(a, hint).set(q, hint);
      const { retryAfterSeconds, retryAfterHeader, retryInfo } = hint;
      rules.push({ op: 'sessions.approvePlan' as const, sessionId: a, kind: '429' as const, count: 1, retryAfterSeconds, retryAfterHeader, retryInfo });
      rules.push({ op: 'sessions.sendMessage' as const, sessionId: q, kind: '429' as const, count: 1, retryAfterSeconds, retryAfterHeader, retryInfo });
    }
    sim.setFaults({ rules });
    await until(() => {
      const a = countBy('sessions.approvePlan');
      const m = countBy('sessions.sendMessage');
      return ids('approve').every((id) => a.has(id)) && ids('question').every((id) => m.has(id));
    }, 'every action after the single 429s', 250, 90_000);

    await new Promise((r) => setTimeout(r, 2_000)); // late duplicates would show up here
    const approvals = countBy('sessions.approvePlan');
    const messages = countBy('sessions.sendMessage');
    for (const id of ids('approve')) expect(approvals.get(id), `approvals of ${id}`).toBe(1);
    for (const id of ids('question')) expect(messages.get(id), `answers to ${id}`).toBe(1);

    // Retry-After honoured through the storm and the outage: every 429 and 503 there said "1 s", and the same
    // request never arrived again sooner (the client holds every request of the key until then).
    const stormGaps = retriesAfterRefusals(sim.log({ since: stormStart }).filter((e) => e.at < outageEnd));
    expect(stormGaps.filter((g) => g.refusal.status === 429).length, 'retried 429s in the storm').toBeGreaterThan(5);
    expect(earlyRetries(stormGaps, () => RETRY_AFTER_S * 1000)).toEqual([]);

    // Each form of hint, including none at all, was sent and waited out by the retry of the refused action.
    const actionGaps = retriesAfterRefusals(sim.log({ since: outageEnd }).filter((e) => e.route === 'sessions.approvePlan' || e.route === 'sessions.sendMessage'), [429]);
    for (const id of hinted.keys()) expect(actionGaps.filter((g) => g.refusal.sessionId === id), `one retried 429 for ${id}`).toHaveLength(1);
    for (const hint of HINTS) {
      const gaps = actionGaps.filter((g) => hinted.get(g.refusal.sessionId!) === hint);
      expect(gaps.length, `retries after a 429 with hint: ${hint.name}`).toBe(4);
      expect(earlyRetries(gaps, () => hint.minMs), `retries after a 429 with hint: ${hint.name}`).toEqual([]);
    }

    // Memory: no growth beyond noise over the storm (a leak of retries, timers or buffers would show).
    const rssEnd = rss();
    expect(rssEnd / rssStart).toBeLessThan(1.25);
  }, 300_000);
});
