import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import { apiClient, startServe, until, type ServeProcess } from '../../packages/server/src/features/keeper/test/process';
import { allowEntry, earlyRetries, retriesAfterRefusals } from './retry-log';
import { ACT_AT_ONCE, MESSAGE_KINDS, deliveryMismatches, keeperLedger, misdirected, perSession, rowsOf, type LedgerRow } from './keeper-outcomes';

/*
 * Fault storm: the simulator answers with 429s (Retry-After 1 s), 500s, 503s, slow answers and malformed bodies
 * while the keeper has work to do; then a full outage opens the Jules breaker and its end closes it again; then
 * single 429s on messages, carrying their delay in the header, in RetryInfo, in both, or nowhere. The keeper must
 * still act exactly once per trigger, the client must never come back before the delay the simulator asked for,
 * and memory must stay flat. Every delay is measured between arrivals in the simulator's own request log.
 */

const JULES_KEY = 'sim-key-fault-storm-0123456789';
const ADMIN = 'fault-storm-owner-key-0123456789';
const RETRY_AFTER_S = 1;
/**
 * How each single 429 of the last phase says when to come back. With no hint the client backs off with full jitter
 * in [0, 1 s) (issue #10 item 7: "backoff starts at 1 s"), so no single retry has a floor; what can be asserted is
 * that the retries are spread, not immediate: of 8 independent draws, at least one waits 250 ms or more. A client
 * that retried at once fails that every time; a correct one fails it with probability 0.25^8 (1.5e-5).
 */
const HINTS = [
  { name: 'none', samples: 8, retryAfterSeconds: 0, retryAfterHeader: false, retryInfo: false, minMs: 0 },
  { name: 'header', samples: 4, retryAfterSeconds: 2, retryAfterHeader: true, retryInfo: false, minMs: 2000 },
  { name: 'retryInfo', samples: 4, retryAfterSeconds: 2, retryAfterHeader: false, retryInfo: true, minMs: 2000 },
  { name: 'both', samples: 4, retryAfterSeconds: 2, retryAfterHeader: true, retryInfo: true, minMs: 2000 },
] as const;
const HINTLESS_SPREAD_MS = 250;

let sim: JulesSimulator;
let served: ListeningSimulator;
let dir: string;
let proc: ServeProcess | undefined;
const api = apiClient(() => proc!.url, ADMIN);
const groups = new Map<string, 'approve' | 'question'>();

/** Delivered actions: a 2xx answer (a refused or faulted request did not take effect at the simulator). */
const countBy = (route: string) => perSession(sim.log(), route, (e) => e.status < 300);
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
  it('keeps acting exactly once, honours every Retry-After and RetryInfo, opens and closes its breaker, memory flat', async () => {
    proc = await startServe({
      DATA_DIR: dir, AUTOPILOT_ADMIN_KEY: ADMIN, JULES_API_KEY: JULES_KEY, JULES_API_BASE_URL: served.baseUrl,
      AUTOPILOT_OUTBOUND_ALLOW: allowEntry(served.baseUrl),
      JULES_POLL_INTERVAL_MS: '500', KEEPER_PENDING_STALE_MS: '1000', KEEPER_DISCOVER_INTERVAL_MS: '200',
    });
    await api('PUT', '/api/keeper/settings', ACT_AT_ONCE);
    const rssStart = rss();
    const stormStart = new Date().toISOString();
    sim.setFaults({ rates: { '429': 0.15, '500': 0.05, '503': 0.05, slow: 0.03, malformed: 0.03, truncated: 0.02 }, slowMs: 1500, retryAfterSeconds: RETRY_AFTER_S });
    for (let i = 0; i < 30; i++) {
      groups.set(sim.createSession({ prompt: `Add a health endpoint #${i}`, requirePlanApproval: true, behaviour: 'happy' }).id, 'approve');
      groups.set(sim.createSession({ prompt: `Add paging to the list #${i}`, behaviour: 'question' }).id, 'question');
    }
    // A plan the rules hold, or a question only a person may answer, is owed a ledger row instead of a call.
    let ledger = new Map<string, LedgerRow[]>();
    const has = (id: string, kind: string) => rowsOf(ledger, id, [kind]) > 0;
    const owed = async () => {
      ledger = await keeperLedger(api).catch(() => ledger);
      const a = countBy('sessions.approvePlan');
      const m = countBy('sessions.sendMessage');
      return ids('approve').every((id) => a.has(id) || has(id, 'hold')) && ids('question').every((id) => m.has(id) || has(id, 'escalate')) &&
        [...ledger.values()].every((rows) => rows.every((r) => r.status !== 'pending'));
    };
    await until(owed, 'every action through the storm', 1000, 150_000);
    const storm = sim.log({ since: stormStart });
    expect(storm.filter((e) => e.status === 429).length, '429s in the storm').toBeGreaterThan(10);
    expect(storm.filter((e) => e.status >= 500).length, '5xx in the storm').toBeGreaterThan(10);

    // Full outage: the breaker opens (health degraded), and closes once Jules answers again.
    sim.setFaults({ rules: [{ kind: '503', count: -1 }], retryAfterSeconds: RETRY_AFTER_S });
    await until(async () => (await julesHealth()) === 'degraded', 'the Jules breaker to open', 250, 60_000);
    sim.setFaults({});
    await until(async () => (await julesHealth()) === 'ok', 'the Jules breaker to close', 250, 90_000);
    await new Promise((r) => setTimeout(r, 2_000)); // late duplicates would show up here
    await until(owed, 'the ledger after the outage', 1000, 30_000);

    ledger = await keeperLedger(api);
    const approvals = countBy('sessions.approvePlan');
    const messages = countBy('sessions.sendMessage');
    const all = [...groups.keys()];
    expect(deliveryMismatches(ledger, approvals, ['approve'], all), 'approvals vs the ledger').toEqual([]);
    expect(deliveryMismatches(ledger, messages, MESSAGE_KINDS, all), 'messages vs the ledger').toEqual([]);
    for (const id of ids('approve')) expect(approvals.get(id) ?? 0, `approvals of ${id}`).toBeLessThanOrEqual(1);
    expect(ids('approve').filter((id) => approvals.get(id) === 1).length, 'plans approved through the storm').toBeGreaterThan(15);
    expect(ids('question').filter((id) => (messages.get(id) ?? 0) > 0).length, 'questions answered through the storm').toBeGreaterThan(10);
    // An approval sent again after a malformed or truncated 200 (it had been applied) arrives at a session that is
    // no longer awaiting one: every request counts here, whatever it was answered.
    expect(misdirected(sim.log({ since: stormStart }))).toEqual([]);

    // Retry-After honoured through the storm and the outage: every 429 and 503 there said "1 s", and the same
    // request never arrived again sooner, not even by a few ms (the client holds every request of the key).
    const outageEnd = new Date().toISOString();
    const stormGaps = retriesAfterRefusals(sim.log({ since: stormStart }));
    expect(stormGaps.filter((g) => g.refusal.status === 429).length, 'retried 429s in the storm').toBeGreaterThan(5);
    expect(earlyRetries(stormGaps, () => RETRY_AFTER_S * 1000)).toEqual([]);

    // One 429 per message, each form of hint in turn (so one form's hold cannot cover another's retry). The test
    // sends the messages itself, through the API, with the keeper off: each next sendMessage of a session is
    // certainly the retry of the refused one.
    await api('PUT', '/api/keeper/settings', { enabled: false });
    const fresh = HINTS.flatMap((hint) => Array.from({ length: hint.samples }, (_, i) => ({ hint, julesId: sim.createSession({ prompt: `Add a status page (${hint.name} ${i})`, behaviour: 'happy' }).id, id: '' })));
    await until(async () => {
      const listed = await api<{ items: Array<{ id: string; julesId: string }> }>('GET', '/api/sessions?limit=500');
      for (const t of fresh) t.id = listed.items.find((s) => s.julesId === t.julesId)?.id ?? '';
      return fresh.every((t) => t.id);
    }, 'the new sessions in the mirror', 250, 30_000);
    for (const hint of HINTS) {
      const targets = fresh.filter((t) => t.hint === hint);
      const { retryAfterSeconds, retryAfterHeader, retryInfo } = hint;
      sim.setFaults({ rules: targets.map((t) => ({ op: 'sessions.sendMessage' as const, sessionId: t.julesId, kind: '429' as const, count: 1, retryAfterSeconds, retryAfterHeader, retryInfo })) });
      await Promise.all(targets.map((t) => api('POST', `/api/sessions/${t.id}/messages`, { message: `Please also update the README (${hint.name}).` })));
    }
    sim.setFaults({});
    const messageGaps = retriesAfterRefusals(sim.log({ since: outageEnd }).filter((e) => e.route === 'sessions.sendMessage'), [429]);
    for (const hint of HINTS) {
      const gaps = messageGaps.filter((g) => fresh.some((t) => t.hint === hint && t.julesId === g.refusal.sessionId));
      expect(gaps.length, `retried 429s with hint: ${hint.name}`).toBe(hint.samples);
      expect(gaps.every((g) => g.retry.status < 300), `retries delivered (${hint.name})`).toBe(true);
      expect(earlyRetries(gaps, () => hint.minMs), `retries after a 429 with hint: ${hint.name}`).toEqual([]);
      if (hint.name === 'none') expect(Math.max(...gaps.map((g) => g.gapMs)), `the longest of ${hint.samples} hint-less retry gaps: ${gaps.map((g) => g.gapMs).join(', ')} ms`).toBeGreaterThanOrEqual(HINTLESS_SPREAD_MS);
    }

    // Memory: no growth beyond noise over the storm (a leak of retries, timers or buffers would show).
    const rssEnd = rss();
    expect(rssEnd / rssStart).toBeLessThan(1.25);
  }, 300_000);
});
