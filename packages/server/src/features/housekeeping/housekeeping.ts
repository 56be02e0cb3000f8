import { Cron } from 'croner';
import type { Db } from '../../platform/db';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import type { JobQueue } from '../../platform/queue/port';
import type { JobCatalog } from '../../jobs.catalog';

/** Leases expired longer than this belong to instances that are gone; their rows are dropped. */
const STALE_LEASE_MS = 60 * 60_000;

/**
 * Periodic clean-up as a queued job: every instance schedules it hourly (croner), the dedupe key makes the queue
 * hold one at a time across instances, and the handler is idempotent. Today it drops leases of instances long
 * gone (the queue prunes its own finished jobs).
 */
export function createHousekeeping(deps: { db: Db; queue: JobQueue<JobCatalog>; clock: Clock; log: Logger; pattern?: string }) {
  const log = deps.log.child({ feature: 'housekeeping' });
  deps.queue.handle('system.housekeeping', async (payload) => {
    const r = await deps.db.kysely.deleteFrom('leases').where('expires_at', '<', deps.clock.now() - STALE_LEASE_MS).executeTakeFirst();
    log.info({ reason: payload.reason ?? 'schedule', staleLeases: Number(r.numDeletedRows) }, 'housekeeping done');
  });
  let cron: Cron | undefined;
  return {
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
