import { Cron } from 'croner';
import type { Db } from '../../platform/db';
import { expireStaleLeases } from '../../platform/db/leases';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import type { JobQueue } from '../../platform/queue/port';
import type { JobHandlers } from '../../platform/feature';
import type { JobCatalog } from '../../jobs.catalog';

export interface HousekeepingDeps {
  db: Db;
  queue: JobQueue<JobCatalog>;
  clock: Clock;
  log: Logger;
  /** Cron pattern of the schedule (default: hourly at :17). */
  pattern?: string;
}

/** How long a bus consumer's receipt of an event is kept: far past any replay of it (the bus buffer holds minutes). */
export const EVENT_RECEIPTS_KEEP_MS = 7 * 86_400_000;

/** Drops event receipts (features/inbox claims each bus event with one) older than `before`; returns how many. */
export async function pruneEventReceipts(db: Db, before: number): Promise<number> {
  const r = await db.kysely.deleteFrom('event_receipts').where('at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * Periodic clean-up as a queued job: every instance schedules it hourly (croner), the dedupe key makes the queue
 * hold one at a time across instances, and the handler is idempotent. Today it asks the leases module to drop
 * leases of instances long gone and prunes event receipts older than 7 days (the queue prunes its own finished jobs).
 */
export function createHousekeeping(deps: HousekeepingDeps) {
  const log = deps.log.child({ feature: 'housekeeping' });
  const jobs: JobHandlers<JobCatalog> = {
    'system.housekeeping': async (payload) => {
      const now = deps.clock.now();
      const staleLeases = await expireStaleLeases(deps.db, now);
      const receipts = await pruneEventReceipts(deps.db, now - EVENT_RECEIPTS_KEEP_MS);
      log.info({ reason: payload.reason ?? 'schedule', staleLeases, receipts }, 'housekeeping done');
    },
  };
  let cron: Cron | undefined;
  return {
    jobs,
    /** Starts the hourly schedule. */
    start() {
      cron = new Cron(deps.pattern ?? '17 * * * *', { protect: true }, async () => {
        await deps.queue.enqueue('system.housekeeping', { reason: 'schedule' }, { dedupeKey: 'housekeeping' }).catch((err) => log.warn({ err }, 'could not enqueue housekeeping'));
      });
    },
    stop() {
      cron?.stop();
    },
  };
}
export type Housekeeping = ReturnType<typeof createHousekeeping>;
