import type { Clock } from '../../platform/clock';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Feature } from '../../platform/feature';
import type { Logger } from '../../platform/logger';
import { intervalLoop } from '../../platform/loops';
import type { JobQueue } from '../../platform/queue/port';
import type { JobCatalog } from '../../jobs.catalog';
import type { SessionsFeatureService } from '../sessions';
import { createDispatchStore } from './dispatch.store';
import { createDispatchService } from './dispatch.service';
import { createPump } from './dispatch.pump';
import { registerDispatchRoutes } from './dispatch.routes';
import type { DispatcherService, DispatchKeeperOverrides } from './dispatch.types';
import { queuedText, type CreateSessionBody } from '@autopilot/contracts';

export { forecast, capacity, limitsOf, typicalRunMs } from './dispatch.plan';
export type { DispatcherService, SubmitInput, DispatchRequestInput, DispatchKeeperOverrides, IntentListener } from './dispatch.types';

export interface DispatchFeatureDeps {
  db: Db;
  bus: EventBus;
  queue: JobQueue<JobCatalog>;
  clock: Clock;
  log: Logger;
  instanceId: string;
  sessions: SessionsFeatureService;
  /** DISPATCH_LEASE_MS (see config). */
  leaseMs: number;
  /** DISPATCH_API_WAIT_MS. */
  apiWaitMs: number;
  /** How often each instance looks for accounts with queued creates (a safety net under the events; default 5 s). */
  sweepMs?: number;
}

/** Called when an intent's session is created, with the keeper overrides it carries (a template's). */
export type CreatedHook = (workspaceId: string, sessionId: string, keeper: DispatchKeeperOverrides) => Promise<unknown>;

export interface DispatchFeature extends Feature<DispatcherService, JobCatalog> {
  /** Pumps the account now on this instance (tests, benchmarks). */
  pumpNow(accountId: string, workspaceId: string): Promise<void>;
  /** Registers what happens to a created session that carries keeper overrides (the keeper applies them). */
  whenCreated(hook: CreatedHook): void;
  /** The keeper's recovery create: through the dispatcher, `key` making a retry find the create it submitted. */
  createSession(workspaceId: string, body: CreateSessionBody, key: string): Promise<{ id: string }>;
}

/**
 * The dispatcher: every session create is an intent row first; a queue job per account (`dispatch.pump`) sends
 * intents within the account's plan limits. Woken by submits, by session ends the mirror sees, by its own retry
 * times, and by a sweep every few seconds; the per-account lease makes one instance the sender of an account.
 */
export function createDispatchFeature(deps: DispatchFeatureDeps): DispatchFeature {
  const log = deps.log.child({ feature: 'dispatch' });
  const store = createDispatchStore(deps.db);
  const port = deps.sessions.dispatch;
  /** Accounts with queued or dispatching intents, as last seen (refreshed by the sweep). */
  const open = new Map<string, string>();
  const wake = async (accountId: string, workspaceId: string) => {
    open.set(accountId, workspaceId);
    pump.touch([accountId]);
    // Deduplicated per second, not per account: a pump job of an instance that died stays "active" in the queue
    // until its visibility timeout, and must not swallow the wake-ups of the instances that live on. Two pumps of
    // one account never overlap: the second finds the lease held (or this instance already pumping it).
    await deps.queue.enqueue('dispatch.pump', { accountId, workspaceId }, { dedupeKey: `pump:${accountId}:${Math.floor(deps.clock.now() / 1000)}`, workspaceId, timeoutMs: deps.leaseMs * 4 });
  };
  const service = createDispatchService({ store, port, clock: deps.clock, log, wake });
  const pump = createPump({
    store, port, clock: deps.clock, log, instanceId: deps.instanceId,
    leaseMs: deps.leaseMs, sendTimeoutMs: Math.floor(deps.leaseMs * 0.75), reconcileAfterMs: Math.floor(deps.leaseMs * 0.75),
    changed: (row) => service.rowsChanged(row),
    wakeAt: async (accountId, workspaceId, atMs) => {
      const delayMs = Math.max(0, atMs - deps.clock.now());
      await deps.queue.enqueue('dispatch.pump', { accountId, workspaceId }, { delayMs, dedupeKey: `pump:${accountId}:at:${Math.ceil(atMs / 1000)}`, workspaceId, timeoutMs: deps.leaseMs * 4 });
    },
  });
  // Every change is an event (the dashboard's progress, other instances' pumps); created sessions get the
  // template's keeper overrides.
  const hooks: CreatedHook[] = [];
  service.onChange(async (i, ws) => {
    await deps.bus.publish('dispatch.updated', ws, { id: i.id, accountId: i.accountId, state: i.state, origin: i.origin, sessionId: i.sessionId, attempts: i.attempts, error: i.error, waitingFor: i.waitingFor });
    if (i.state === 'created' && i.sessionId && hooks.length) {
      const row = await store.getAny(i.id);
      const keeper = row?.keeper ? (JSON.parse(row.keeper) as DispatchKeeperOverrides) : null;
      if (keeper) for (const h of hooks) await h(ws, i.sessionId, keeper);
    }
  });
  deps.bus.subscribe((e) => {
    // A session that ended frees a slot: pump the accounts of that workspace that have work waiting.
    const ends = (e.type === 'session.state_changed' && (e.data.to === 'COMPLETED' || e.data.to === 'FAILED')) || e.type === 'session.deleted' || e.type === 'sessions.synced';
    const queuedElsewhere = e.type === 'dispatch.updated' && e.data.state === 'queued';
    if (queuedElsewhere) pump.touch([e.data.accountId]);
    if (!ends || !e.workspaceId) return;
    for (const [accountId, ws] of open) if (ws === e.workspaceId) void wake(accountId, ws).catch((err) => log.warn({ err: err.message }, 'could not wake the dispatcher'));
  });
  const sweep = intervalLoop(
    'dispatch.sweep',
    deps.sweepMs ?? 5000,
    async () => {
      const rows = await store.accountsWithOpen();
      open.clear();
      for (const r of rows) await wake(r.account_id, r.workspace_id);
    },
    log,
    { clock: deps.clock },
  );
  return {
    service,
    loops: [sweep],
    jobs: { 'dispatch.pump': (p, ctx) => pump.run(p.accountId, p.workspaceId, ctx.signal) },
    routes: (app) => registerDispatchRoutes(app, { service, sessions: deps.sessions, store, apiWaitMs: deps.apiWaitMs }),
    pumpNow: (accountId, workspaceId) => pump.run(accountId, workspaceId, new AbortController().signal),
    whenCreated: (hook) => void hooks.push(hook),
    async createSession(workspaceId, body, key) {
      const { accountId, ...request } = body;
      let i = await service.submit(workspaceId, { accountId, origin: { kind: 'keeper', id: key }, idempotencyKey: key, request });
      if (i.state === 'failed') i = await service.retry(workspaceId, i.id);
      // Held by the plan: say so now (the keeper's tick must not wait); the same key finds it next time.
      if (!(await service.heldBy(workspaceId, i.id))) i = await service.waitFor(workspaceId, i.id, deps.apiWaitMs);
      else i = await service.get(workspaceId, i.id);
      if (i.state === 'created' && i.sessionId) return { id: i.sessionId };
      throw new Error(i.state === 'failed' ? `the recovery session was not created: ${i.error}` : `the recovery session is not created yet: ${queuedText(i)}`);
    },
  };
}
