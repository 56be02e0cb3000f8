import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import { intervalLoop, type Loop } from '../../platform/loops';
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
export function createSyncLoop(deps: SyncLoopDeps): Loop {
  const ttl = Math.max(deps.intervalMs * 3, 30_000);
  const ticks = deps.metrics?.counter('autopilot_jules_sync_ticks_total', 'Jules mirror sync ticks by outcome', ['outcome']);
  const calls = deps.metrics?.counter('autopilot_jules_sync_calls_total', 'Jules calls made by the mirror sync by kind', ['kind']);
  const loop = intervalLoop(
    'jules-sync',
    deps.intervalMs,
    async (signal) => {
      if (!(await deps.store.tryLease(LEASE, deps.instanceId, deps.clock.now(), ttl))) {
        ticks?.inc({ outcome: 'standby' });
        return;
      }
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
    deps.log,
  );
  return {
    ...loop,
    name: loop.name,
    start: () => loop.start(),
    status: () => loop.status(),
    async stop() {
      await loop.stop();
      await deps.store.releaseLease(LEASE, deps.instanceId).catch(() => undefined);
    },
  };
}
