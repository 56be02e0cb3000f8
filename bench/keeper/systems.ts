/**
 * The two systems the keeper bench compares, each on its own simulator with the same seed and schedule:
 * - the real one: session mirror sync (list pages + activities only for moved sessions) + keeper tick;
 * - a naive poller: every tick, list every session and fetch every session's whole activity history, then decide
 *   with the same pure decision function and act.
 * Both talk to the simulator in process (its fetch), on its manual clock, so an hour of sim time runs in seconds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createJulesSimulator, type JulesSimulator } from '@autopilot/jules-sim';
import type { KeeperSettings, SessionActivity, SessionSummary, UpdateKeeperSettingsBody } from '@autopilot/contracts';
import { openDatabase, type Db } from '../../packages/server/src/platform/db';
import { createSecretBox } from '../../packages/server/src/platform/crypto';
import { createMemoryBus } from '../../packages/server/src/platform/events/bus';
import { createLogger } from '../../packages/server/src/platform/logger';
import type { Clock } from '../../packages/server/src/platform/clock';
import { createJulesClient, prUrlOf, type JulesActivity, type JulesSession } from '../../packages/server/src/integrations/jules';
import { createAccountsStore } from '../../packages/server/src/features/sessions/accounts.store';
import { createAccountsService } from '../../packages/server/src/features/sessions/accounts.service';
import { createSessionsStore } from '../../packages/server/src/features/sessions/sessions.store';
import { createSessionsService } from '../../packages/server/src/features/sessions/sessions.service';
import { createSessionsDispatchPort, createSessionsFeatureService, createSourcesService } from '../../packages/server/src/features/sessions';
import { createKeeperFeature, mirrorFromSessions } from '../../packages/server/src/features/keeper';
import { decide } from '../../packages/server/src/features/keeper/keeper.decide';
import { toKeeperActivity, toKeeperSession } from '../../packages/server/src/features/keeper/keeper.mirror';
import { templateMessage } from '../../packages/server/src/features/keeper/keeper.supervisor';
import type { HistoryEntry } from '../../packages/server/src/features/keeper/keeper.types';
import { createOutbound } from '../../packages/server/src/platform/outbound';

export const API_KEY = 'bench-keeper-sim-key';
const T0 = Date.parse('2026-11-23T08:00:00Z');
const log = createLogger({ level: 'silent' });

export const BENCH_SETTINGS: UpdateKeeperSettingsBody = {
  approval: { policy: 'always' },
  selfHeal: { enabled: true, maxAttempts: 1 },
  intervals: { tickMs: 10_000, activeMs: 10_000, waitingMs: 10_000, terminalMs: 600_000 },
};

const PROMPTS = [
  'Add paging to the orders list', 'Fix the crash when the cart is empty', 'Add tests for the price formatter',
  'Document the webhook retry policy', 'Add a health endpoint to the status page', 'Fix flaky login redirect',
];

/** A simulator on a manual clock, and an in-process fetch into it. */
export function newWorld(seed: string) {
  const sim = createJulesSimulator({ apiKeys: [API_KEY], manualClock: true, startTime: T0, seed, logCapacity: 1000 });
  const fetchIn: typeof fetch = async (input, init) => sim.fetch(new Request(input as string | URL, init));
  const clock: Clock = { now: () => sim.clock.now(), sleep: async () => {} };
  return { sim, fetch: fetchIn, clock, baseUrl: 'http://sim.local/v1alpha' };
}
export type World = ReturnType<typeof newWorld>;

/** Creates the sessions whose scheduled time has come (spread evenly over the run). */
export function creator(sim: JulesSimulator, n: number, spanMs: number) {
  let made = 0;
  return () => {
    const due = Math.min(n, Math.floor(((sim.clock.now() - T0) / spanMs) * n) + 1);
    for (; made < due; made++) sim.createSession({ prompt: `${PROMPTS[made % PROMPTS.length]} (${made})` });
    return made;
  };
}

/** The real system: the sessions feature's sync and the keeper of one workspace, on SQLite. */
export async function realSystem(w: World) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-keeper-'));
  const db: Db = await openDatabase({ kind: 'sqlite', file: path.join(dir, 'k.db') });
  await db.kysely.insertInto('workspaces').values({ id: 'w1', name: 'bench', created_at: new Date(T0).toISOString() }).execute();
  const bus = createMemoryBus({ log });
  const accounts = createAccountsService({
    store: createAccountsStore(db), secrets: createSecretBox(randomBytes(32)), clock: w.clock, log, bus,
    runtime: { origin: 'env', name: 'bench', apiKey: API_KEY, baseUrl: w.baseUrl },
    outbound: createOutbound(),
    clientOptions: { fetch: w.fetch, clock: w.clock },
  });
  await accounts.ensureRuntimeAccount('w1');
  const sessions = createSessionsService({ store: createSessionsStore(db), accounts, bus, clock: w.clock, log });
  const keeper = createKeeperFeature({ db, mirror: mirrorFromSessions(
    createSessionsFeatureService(sessions, accounts, createSessionsDispatchPort({ db, sessions, accounts, sources: createSourcesService({ accounts, clock: w.clock, log }) })),
    // The bench runs no queue, so no dispatcher: a recovery is sent straight to the account (the sole one).
    async (ws, { accountId, ...body }) => ({ id: (await sessions.createOn(ws, accountId ?? (await sessions.resolveAccount(ws, undefined)), body)).id }),
  ), bus, clock: w.clock, log, instanceId: 'bench' });
  await keeper.service.updateSettings('w1', BENCH_SETTINGS);
  const k = keeper.keeperFor('w1');
  return {
    async tick() {
      await sessions.syncAll();
      await k.tick();
    },
    async close() {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const toSummary = (s: JulesSession, acts: JulesActivity[]): SessionSummary & { outputs: Record<string, unknown>[] } => ({
  id: s.id, julesId: s.id, accountId: 'naive', title: s.title ?? '', prompt: s.prompt ?? '', state: String(s.state), source: s.sourceContext?.source ?? null,
  startingBranch: null, prUrl: prUrlOf(s), url: null, archived: !!s.archived, deleted: false, createTime: s.createTime, updateTime: s.updateTime,
  lastActivityAt: acts.at(-1)?.createTime ?? null, activityCount: acts.length, outputs: (s.outputs ?? []) as Record<string, unknown>[],
});
const toActivity = (a: JulesActivity): SessionActivity => ({
  id: a.id, kind: String(a.kind), originator: a.originator, createTime: a.createTime, description: a.description ?? null, data: a as Record<string, unknown>,
});

/** The naive poller: list, then every session's full activity history, every tick; same decisions. */
export function naiveSystem(w: World, settings: KeeperSettings) {
  const client = createJulesClient({ apiKey: API_KEY, baseUrl: w.baseUrl, fetch: w.fetch, clock: w.clock });
  const history = new Map<string, HistoryEntry[]>();
  return {
    async tick() {
      for await (const s of client.sessions()) {
        const acts: JulesActivity[] = [];
        let pageToken: string | undefined;
        do {
          const page = await client.listActivities(s.id, { pageToken });
          acts.push(...page.items);
          pageToken = page.nextPageToken;
        } while (pageToken);
        const recent = acts.map(toActivity).map(toKeeperActivity);
        const h = history.get(s.id) ?? [];
        const now = w.clock.now();
        const d = decide(toKeeperSession(toSummary(s, acts), false), recent, settings, h, now);
        if (d.action === 'none') continue;
        try {
          if (d.action === 'approve') await client.approvePlan(s.id);
          else if (d.brief) {
            const text = templateMessage(d.brief, { workspaceId: 'w', sessionId: s.id, prompt: s.prompt ?? '', title: s.title ?? '', plan: null, recent, continueMessage: settings.autoContinue.message });
            await client.sendMessage(s.id, text);
          }
          h.push({ kind: d.action, trigger: d.trigger, status: d.brief || d.action === 'approve' ? 'sent' : 'recorded', attempts: 1, createdAtMs: now, settledAtMs: now });
        } catch {
          h.push({ kind: d.action, trigger: d.trigger, status: 'failed', attempts: 1, createdAtMs: now, settledAtMs: now });
        }
        history.set(s.id, h);
      }
    },
    async close() {},
  };
}
