import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import { createLease } from '../../platform/db/leases';
import { leasedLoop, type LeasedLoop } from '../../platform/loops';
import type { Metrics } from '../../platform/metrics';
import type { SessionsService } from './sessions.service';
import type { SessionsStore } from './sessions.store';

export interface SyncLoopDeps {
  sessions: SessionsService;
  store: SessionsStore;
  clock: Clock;
  log: Logger;
  metrics?: Metrics;
  instanceId: string;
  intervalMs: number;
}

const LEASE = 'jules.sync';

/**
 * The poller: every `intervalMs`, one sync of every Jules account. Several instances may run it; a lease in the
 * database (a few intervals long, renewed each tick) makes exactly one of them poll, so Jules sees one client.
 */
export function createSyncLoop(deps: SyncLoopDeps): LeasedLoop {
  const ticks = deps.metrics?.counter('autopilot_jules_sync_ticks_total', 'Jules mirror sync ticks by outcome', ['outcome']);
  const calls = deps.metrics?.counter('autopilot_jules_sync_calls_total', 'Jules calls made by the mirror sync by kind', ['kind']);
  return leasedLoop({
    name: 'jules-sync',
    intervalMs: deps.intervalMs,
    lease: createLease(deps.store, { name: LEASE, holder: deps.instanceId, clock: deps.clock, ttlMs: Math.max(deps.intervalMs * 3, 30_000) }),
    log: deps.log,
    clock: deps.clock,
    standby: () => ticks?.inc({ outcome: 'standby' }),
    async tick(signal) {
      const reports = await deps.sessions.syncAll(signal);
      let listCalls = 0;
      let activityCalls = 0;
      for (const r of reports.values()) {
        listCalls += r.listCalls;
        activityCalls += r.activityCalls;
      }
      calls?.inc({ kind: 'sessions.list' }, listCalls);
      calls?.inc({ kind: 'activities.list' }, activityCalls);
      ticks?.inc({ outcome: 'synced' });
    },
  });
}
