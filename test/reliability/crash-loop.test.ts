import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import { openDatabase, integrityCheck, type Db } from '../../packages/server/src/platform/db';
import { createQueue } from '../../packages/server/src/platform/queue';
import { jobCatalog } from '../../packages/server/src/jobs.catalog';
import { apiClient, startServe, until, type ServeProcess } from '../../packages/server/src/features/keeper/test/process';
import { allowEntry } from './retry-log';
import { ACT_AT_ONCE, MESSAGE_KINDS, deliveryMismatches, keeperLedger, misdirected, perSession, rowsOf, type LedgerRow } from './keeper-outcomes';

/*
 * Crash loop: the orchestrator is SIGKILLed at random moments 20 times while the simulator runs and the keeper
 * acts. Afterwards: every queued job completed (none lost), no Jules action was sent twice (every request counts,
 * answered or refused: the simulator injects no faults here, so each one reached Jules), and the SQLite database
 * passes its integrity check. Correctness comes from the simulator's request log, not from timings.
 */

const JULES_KEY = 'sim-key-crash-loop-0123456789';
const ADMIN = 'crash-loop-owner-key-0123456789';
const KILLS = 20;

let sim: JulesSimulator;
let served: ListeningSimulator;
let dir: string;
let proc: ServeProcess | undefined;
const api = apiClient(() => proc!.url, ADMIN);
const groups = new Map<string, 'approve' | 'question' | 'fail' | 'happy'>();

const env = () => ({
  DATA_DIR: dir, AUTOPILOT_ADMIN_KEY: ADMIN, JULES_API_KEY: JULES_KEY, JULES_API_BASE_URL: served.baseUrl,
  AUTOPILOT_OUTBOUND_ALLOW: allowEntry(served.baseUrl),
  JULES_POLL_INTERVAL_MS: '500', KEEPER_PENDING_STALE_MS: '1000', KEEPER_DISCOVER_INTERVAL_MS: '200', LOG_LEVEL: 'info',
});

/** Every request of an action route for a session: with no faults injected, each one was delivered to Jules. */
const countBy = (route: string) => perSession(sim.log(), route);
const ids = (g: string) => [...groups].filter(([, x]) => x === g).map(([id]) => id);
// A seeded random source, so a failing run can be repeated.
let seed = 20261124;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crash-loop-'));
  sim = createJulesSimulator({ apiKeys: [JULES_KEY], speed: 10, seed: 'crash-loop', logCapacity: 500_000 });
  served = await sim.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await proc?.kill('SIGKILL');
  await served?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('crash loop', () => {
  it(`survives ${KILLS} SIGKILLs: no job lost, no action twice, database intact`, async () => {
    proc = await startServe(env());
    await api('PUT', '/api/keeper/settings', { ...ACT_AT_ONCE, selfHeal: { enabled: true, maxAttempts: 1, strategy: 'message' } });
    const add = (g: 'approve' | 'question' | 'fail' | 'happy', n: number, input: Parameters<JulesSimulator['createSession']>[0]) => {
      for (let i = 0; i < n; i++) groups.set(sim.createSession({ ...input, prompt: `${input.prompt} #${i}` }).id, g);
    };

    // The test enqueues jobs into the orchestrator's own database while it is being killed.
    const db: Db = await openDatabase({ kind: 'sqlite', file: path.join(dir, 'autopilot.db') });
    const producer = createQueue({ kind: 'embedded', db, catalog: jobCatalog });
    const jobIds: string[] = [];

    for (let k = 0; k < KILLS; k++) {
      add('approve', 2, { prompt: 'Add a health endpoint', requirePlanApproval: true, behaviour: 'happy' });
      add('question', 2, { prompt: 'Add paging to the orders list', behaviour: 'question' });
      add('fail', 1, { prompt: 'Add metrics to checkout', behaviour: 'fail' });
      add('happy', 1, { prompt: 'Add sorting to the grid', behaviour: 'happy' });
      for (let j = 0; j < 5; j++) jobIds.push((await producer.enqueue('system.housekeeping', { reason: `crash-loop ${k}.${j}` })).id);
      await new Promise((r) => setTimeout(r, 300 + rand() * 2200));
      await proc.kill('SIGKILL');
      proc = await startServe(env());
    }

    // Let the last instance finish everything that is owed and settle its ledger. A plan the rules hold, or a
    // question only a person may answer, is owed a ledger row (hold / escalate) instead of a call.
    let ledger = new Map<string, LedgerRow[]>();
    const has = (id: string, kind: string) => rowsOf(ledger, id, [kind]) > 0;
    await until(async () => {
      ledger = await keeperLedger(api);
      const approvals = countBy('sessions.approvePlan');
      const messages = countBy('sessions.sendMessage');
      const jobs = await Promise.all(jobIds.map((id) => producer.getJob(id)));
      return ids('approve').every((id) => approvals.has(id) || has(id, 'hold')) && ids('question').every((id) => messages.has(id) || has(id, 'escalate')) &&
        ids('fail').every((id) => messages.has(id)) && jobs.every((j) => j?.state === 'completed') &&
        [...ledger.values()].every((rows) => rows.every((r) => r.status !== 'pending'));
    }, 'every action and job after the last restart, the ledger settled', 1000, 180_000);
    await new Promise((r) => setTimeout(r, 2_000)); // a few more ticks to catch a late duplicate
    ledger = await keeperLedger(api);

    // Every request counts, answered or refused: no faults are injected, so each one reached Jules.
    const approvals = countBy('sessions.approvePlan');
    const messages = countBy('sessions.sendMessage');
    const all = [...groups.keys()];
    expect(deliveryMismatches(ledger, approvals, ['approve'], all), 'approvals vs the ledger').toEqual([]);
    expect(deliveryMismatches(ledger, messages, MESSAGE_KINDS, all), 'messages vs the ledger').toEqual([]);
    for (const id of ids('approve')) expect(approvals.get(id) ?? 0, `approvals of ${id}`).toBeLessThanOrEqual(1);
    for (const id of ids('fail')) expect(messages.get(id), `recovery messages to ${id}`).toBe(1);
    for (const id of ids('happy')) expect((approvals.get(id) ?? 0) + (messages.get(id) ?? 0), `actions on ${id}`).toBe(0);
    // The keeper acted on most of them: a run where everything was held or escalated would prove nothing.
    expect(ids('approve').filter((id) => approvals.get(id) === 1).length, 'plans approved').toBeGreaterThan(KILLS);
    expect(ids('question').filter((id) => (messages.get(id) ?? 0) > 0).length, 'questions answered').toBeGreaterThan(KILLS / 2);
    expect(misdirected(sim.log())).toEqual([]);

    const jobs = await Promise.all(jobIds.map((id) => producer.getJob(id)));
    expect(jobs.filter((j) => j?.state !== 'completed')).toEqual([]);

    await proc.kill('SIGTERM');
    proc = undefined;
    expect(await integrityCheck(db)).toBe('ok');
    await db.close();
  }, 300_000);
});
