import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator, type LogEntry } from '@autopilot/jules-sim';
import type { KeeperAction, SessionSummary, UpdateKeeperSettingsBody } from '@autopilot/contracts';
import { apiClient, startServe, until, type ServeProcess } from './test/process';

/*
 * The keeper end to end: the orchestrator as a child process against a simulator in this process, 220 mixed
 * sessions, a SIGKILL mid-run and a restart on the same data directory. Correctness is read from the
 * simulator's own request log (stateBefore / archivedBefore) and the orchestrator's ledger, never from timings.
 */

const JULES_KEY = 'sim-key-keeper-0123456789';
const ADMIN = 'keeper-sim-owner-key-0123456789';
const SOURCE = 'sources/github/acme-corp/storefront';
const STALL_MS = 6_000;

type Group = 'safe' | 'risky' | 'question' | 'stall' | 'fail' | 'stuck' | 'happy' | 'archived' | 'paused';
const groups = new Map<string, Group>();

let sim: JulesSimulator;
let served: ListeningSimulator;
let dir: string;
let proc: ServeProcess | undefined;
const api = apiClient(() => proc!.url, ADMIN);

const env = () => ({
  DATA_DIR: dir, AUTOPILOT_ADMIN_KEY: ADMIN, JULES_API_KEY: JULES_KEY, JULES_API_BASE_URL: served.baseUrl,
  JULES_POLL_INTERVAL_MS: '500', KEEPER_PENDING_STALE_MS: '1000', KEEPER_DISCOVER_INTERVAL_MS: '200',
  // The archived list every second, not every 10 minutes: sessions archived right after they were made (the
  // "archived" group) are in the mirror however the first polls fall around their archiving.
  JULES_ARCHIVED_POLL_INTERVAL_MS: '1000',
});

const settings: UpdateKeeperSettingsBody = {
  intervals: { tickMs: 200, activeMs: 300, waitingMs: 300, terminalMs: 5_000 },
  stall: { enabled: true, thresholds: { QUEUED: STALL_MS, PLANNING: STALL_MS, IN_PROGRESS: STALL_MS }, cooldownMs: 3_000, maxNudges: 2 },
  stuck: { enabled: true, quietMs: 4_000 },
  approval: { policy: 'rules', maxSteps: 12 },
  // No grace period: the simulator runs at 20x, and no person watches this test.
  answers: { enabled: true, maxPerSession: 3, answerGraceMinutes: 0 },
  selfHeal: { enabled: true, maxAttempts: 1 },
  autoContinue: { enabled: false },
};

function create(group: Group, n: number, input: Parameters<JulesSimulator['createSession']>[0]) {
  for (let i = 0; i < n; i++) {
    const s = sim.createSession({ ...input, prompt: `${input.prompt} #${i}` });
    groups.set(s.id, group);
  }
}

const acts = (route: string) => (e: LogEntry) => e.route === route && e.status < 300 && e.sessionId !== undefined;
function countBy(route: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of sim.log().filter(acts(route))) m.set(e.sessionId!, (m.get(e.sessionId!) ?? 0) + 1);
  return m;
}
const ids = (g: Group) => [...groups].filter(([, x]) => x === g).map(([id]) => id);
/** Every question session answered, or escalated to a person by the keeper (by Jules id). */
async function questionsSettled(messages: Map<string, number>): Promise<boolean> {
  const byId = new Map((await api<{ items: SessionSummary[] }>('GET', '/api/sessions?archived=all&limit=500')).items.map((s) => [s.id, s.julesId]));
  const escalated = new Set((await ledger('escalate')).filter((a) => a.trigger.startsWith('question:')).map((a) => byId.get(a.sessionId)));
  return ids('question').every((id) => (messages.get(id) ?? 0) >= 1 || escalated.has(id));
}
const all = (g: Group, m: Map<string, number>) => ids(g).every((id) => (m.get(id) ?? 0) >= 1);

async function ledger(action: string): Promise<KeeperAction[]> {
  const out: KeeperAction[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: KeeperAction[]; nextCursor: string | null } = await api('GET', `/api/keeper/logs?action=${action}&limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keeper-sim-'));
  sim = createJulesSimulator({ apiKeys: [JULES_KEY], speed: 20, seed: 'keeper-it', logCapacity: 500_000 });
  served = await sim.listen(0, '127.0.0.1');
}, 30_000);

afterAll(async () => {
  // KEEPER_TEST_DEBUG=1 keeps the restarted orchestrator's log for a look after a failure.
  if (process.env.KEEPER_TEST_DEBUG && proc) fs.writeFileSync(path.join(os.tmpdir(), 'keeper-sim-child.log'), proc.output());
  await proc?.kill('SIGKILL');
  await served?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('keeper on the simulator, with a SIGKILL and restart', () => {
  it('acts exactly once per trigger and never on completed, archived or paused sessions', async () => {
    proc = await startServe(env());
    await api('PUT', '/api/keeper/settings', { ...settings, enabled: false });

    const safe = 'Add a health endpoint to the status page';
    create('safe', 40, { prompt: safe, requirePlanApproval: true, behaviour: 'happy' });
    create('risky', 20, { prompt: 'Drop the legacy audit table', requirePlanApproval: true, behaviour: 'happy' });
    create('question', 30, { prompt: 'Add paging to the orders list', behaviour: 'question' });
    create('stall', 25, { prompt: 'Add caching to the price lookup', behaviour: 'stall' });
    create('fail', 20, { prompt: 'Add metrics to the checkout flow', behaviour: 'fail' });
    create('stuck', 20, { prompt: 'Add a banner to the storefront', source: SOURCE, startingBranch: 'main', automationMode: 'AUTO_CREATE_PR', behaviour: 'stuck' });
    create('happy', 25, { prompt: 'Add sorting to the product grid', behaviour: 'happy' });
    create('archived', 10, { prompt: safe, requirePlanApproval: true, behaviour: 'happy' });
    create('archived', 10, { prompt: 'Add paging to the invoices list', behaviour: 'question' });
    create('paused', 8, { prompt: safe, requirePlanApproval: true, behaviour: 'happy' });
    create('paused', 6, { prompt: 'Add paging to the users list', behaviour: 'question' });
    create('paused', 6, { prompt: 'Add caching to the tax lookup', behaviour: 'stall' });
    for (const id of ids('archived')) {
      const r = await sim.fetch(new Request(`${served.baseUrl}/sessions/${id}:archive`, { method: 'POST', headers: { 'x-goog-api-key': JULES_KEY }, body: '{}' }));
      expect(r.status).toBe(200);
    }
    expect(groups.size).toBe(220);

    // Pause the "paused" group in the orchestrator before the keeper is switched on.
    const mirrored = new Map<string, SessionSummary>();
    await until(async () => {
      const page = await api<{ items: SessionSummary[] }>('GET', '/api/sessions?archived=all&limit=500');
      for (const s of page.items) mirrored.set(s.julesId, s);
      return ids('paused').every((id) => mirrored.has(id)) && mirrored.size >= groups.size;
    }, 'the mirror to hold every session');
    for (const id of ids('paused')) await api('PUT', `/api/sessions/${mirrored.get(id)!.id}/keeper`, { paused: true });
    await api('PUT', '/api/keeper/settings', { enabled: true });

    // Let the keeper get part-way, then kill it without warning.
    const expected = ids('safe').length + ids('question').length + ids('stall').length + ids('fail').length;
    await until(() => sim.log().filter((e) => acts('sessions.approvePlan')(e) || acts('sessions.sendMessage')(e)).length >= expected * 0.4, 'a share of the actions');
    // Make Jules slow to answer actions so some are in flight (ledger rows pending) when the process dies; the
    // simulator still applies them after the caller is gone: the ambiguous case reconciliation must get right.
    sim.setFaults({ rules: [{ op: ['sessions.approvePlan', 'sessions.sendMessage'], kind: 'slow', delayMs: 3_000, count: -1 }] });
    let inFlight: KeeperAction[] = [];
    await until(async () => (inFlight = (await api<{ items: KeeperAction[] }>('GET', '/api/keeper/logs?status=pending&limit=500')).items).length >= 2, 'actions in flight');
    await proc.kill('SIGKILL');
    sim.setFaults({});
    proc = await startServe(env());

    await until(async () => {
      const approvals = countBy('sessions.approvePlan');
      const messages = countBy('sessions.sendMessage');
      return all('safe', approvals) && (await questionsSettled(messages)) && all('stall', messages) && all('fail', messages) &&
        (await ledger('stuck')).length >= ids('stuck').length && (await ledger('hold')).length >= ids('risky').length;
    }, 'every expected action', 250, 150_000);

    // Self-heal is capped: fail five healed sessions again; the keeper escalates instead of healing twice.
    const again = ids('fail').slice(0, 5);
    for (const id of again) sim.setSessionState(id, 'FAILED', 'Tests failed again after the fix.');
    const julesOf = new Map([...mirrored.values()].map((s) => [s.id, s.julesId]));
    await until(async () => (await ledger('escalate')).filter((a) => again.includes(julesOf.get(a.sessionId) ?? '')).length === again.length, 'escalations');
    // Rows in flight at the SIGKILL end settled: sent (found delivered), or failed (not delivered: the simulator
    // never read the body of a request whose caller died) and then done once, under the same or a newer trigger.
    const rowsOf = async (a: KeeperAction) => (await api<{ actions: KeeperAction[] }>('GET', `/api/sessions/${a.sessionId}/keeper`)).actions;
    const redone = async (a: KeeperAction) => {
      const rows = await rowsOf(a);
      const self = rows.find((x) => x.id === a.id);
      return self?.status === 'sent' || (self?.status === 'failed' && rows.some((x) => x.kind === a.kind && x.status === 'sent' && x.createdAt > a.createdAt));
    };
    await until(async () => (await Promise.all(inFlight.map(redone))).every(Boolean), 'in-flight actions settled and done once', 500);
    await new Promise((r) => setTimeout(r, 2_000)); // a few more keeper ticks, to catch any late duplicate

    const log = sim.log();
    const acting = log.filter((e) => acts('sessions.approvePlan')(e) || acts('sessions.sendMessage')(e));
    // Never on completed, archived or paused sessions.
    expect(acting.filter((e) => e.stateBefore === 'COMPLETED')).toEqual([]);
    expect(acting.filter((e) => e.archivedBefore === true)).toEqual([]);
    expect(acting.filter((e) => ['paused', 'archived', 'happy', 'stuck', 'risky'].includes(groups.get(e.sessionId!)!))).toEqual([]);
    // Exactly once per trigger: one approval per safe plan, one message per question, stall and failure.
    const approvals = countBy('sessions.approvePlan');
    const messages = countBy('sessions.sendMessage');
    for (const id of ids('safe')) expect(approvals.get(id), `approvals of ${id}`).toBe(1);
    for (const g of ['stall', 'fail'] as const) for (const id of ids(g)) expect(messages.get(id), `${g} messages to ${id}`).toBe(1);
    // A question is answered once, or (only a person can answer it, e.g. "is a breaking change acceptable?")
    // escalated with a reason and never answered.
    const escalatedQ = (await ledger('escalate')).filter((a) => a.trigger.startsWith('question:'));
    const answeredQ = (await ledger('answer')).filter((a) => a.status === 'sent');
    const key = (a: KeeperAction) => `${a.sessionId}|${a.trigger}`;
    const escalatedKeys = new Set(escalatedQ.map(key));
    expect(answeredQ.filter((a) => escalatedKeys.has(key(a)))).toEqual([]);
    for (const id of ids('question')) {
      const answered = answeredQ.filter((a) => julesOf.get(a.sessionId) === id).length;
      const escalated = escalatedQ.some((a) => julesOf.get(a.sessionId) === id);
      expect(answered + (escalated ? 1 : 0), `question ${id} settled`).toBeGreaterThanOrEqual(1);
      expect(messages.get(id) ?? 0, `question ${id}: one message per answered question`).toBe(answered);
    }
    expect(answeredQ.length).toBeGreaterThan(0);
    for (const id of ids('safe')) expect(messages.get(id) ?? 0).toBe(0);
    // Risky plans held (and notified), stuck sessions marked, caps respected, every ledger row settled.
    const held = new Set((await ledger('hold')).map((a) => julesOf.get(a.sessionId)));
    expect(ids('risky').every((id) => held.has(id))).toBe(true);
    const stuck = new Set((await ledger('stuck')).map((a) => julesOf.get(a.sessionId)));
    expect(ids('stuck').every((id) => stuck.has(id))).toBe(true);
    expect((await ledger('heal')).filter((a) => a.status === 'sent').length).toBe(ids('fail').length);
    expect((await ledger('nudge')).filter((a) => a.status === 'sent').every((a) => ids('stall').includes(julesOf.get(a.sessionId)!))).toBe(true);
    const notes = await api<{ items: Array<{ kind: string }> }>('GET', '/api/keeper/notifications?limit=500');
    expect(notes.items.filter((n) => n.kind === 'plan_held').length).toBe(ids('risky').length);
    expect(notes.items.filter((n) => n.kind === 'session_stuck').length).toBe(ids('stuck').length);
    const pending = await api<{ items: KeeperAction[] }>('GET', '/api/keeper/logs?status=pending&limit=500');
    expect(pending.items).toEqual([]);
    // Each action in flight at the SIGKILL reached Jules exactly once (the per-session counts above).
    for (const a of inFlight) expect((await rowsOf(a)).find((x) => x.id === a.id)?.status).not.toBe('pending');
    // Nudges came only after the stall threshold (the decision's reason records the quiet time it saw).
    for (const a of (await ledger('nudge')).filter((x) => x.status === 'sent')) expect(Number(/for (\d+) s/.exec(a.reason)![1]) * 1000).toBeGreaterThanOrEqual(STALL_MS);
    const health = await api<{ loops: Array<{ name: string }> }>('GET', '/api/health');
    expect(health.loops.some((l) => l.name.startsWith('keeper:'))).toBe(true);
  }, 240_000);
});
