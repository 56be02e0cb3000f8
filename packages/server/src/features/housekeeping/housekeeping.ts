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
  /** EVENTS_RETENTION_DAYS: how long finished event records are kept (default 30). */
  retentionDays?: number;
}

/** How long a bus consumer's receipt of an event is kept: far past any replay of it (the bus buffer holds minutes). */
export const EVENT_RECEIPTS_KEEP_MS = 7 * 86_400_000;

/** Drops event receipts (features/inbox claims each bus event with one) older than `before`; returns how many. */
export async function pruneEventReceipts(db: Db, before: number): Promise<number> {
  const r = await db.kysely.deleteFrom('event_receipts').where('at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * Drops the finished records of events in and out older than `before` (ISO): the webhook delivery log (not rows
 * still queued), replies no longer waiting, outbound deliveries no longer pending (their attempts first, so no
 * engine's foreign-key settings matter) and dismissed or resolved notifications. Open things are never pruned.
 */
export async function pruneEventsLog(db: Db, before: string): Promise<Record<string, number>> {
  const k = db.kysely;
  const n = (r: { numDeletedRows: bigint }) => Number(r.numDeletedRows);
  const deliveries = n(await k.deleteFrom('hook_deliveries').where('received_at', '<', before).where('status', '!=', 'queued').executeTakeFirst());
  const followups = n(await k.deleteFrom('hook_followups').where('updated_at', '<', before).where('state', '!=', 'waiting').executeTakeFirst());
  const done = k.selectFrom('channel_deliveries').select('id').where('created_at', '<', before).where('status', '!=', 'pending');
  const attempts = n(await k.deleteFrom('channel_attempts').where('delivery_id', 'in', done).executeTakeFirst());
  const sent = n(await k.deleteFrom('channel_deliveries').where('created_at', '<', before).where('status', '!=', 'pending').executeTakeFirst());
  const notices = n(await k.deleteFrom('notices').where('last_at', '<', before).where((eb) => eb.or([eb('dismissed_at', 'is not', null), eb('resolved_at', 'is not', null)])).executeTakeFirst());
  return { deliveries, followups, attempts, sent, notices };
}

/**
 * Periodic clean-up as a queued job: every instance schedules it hourly (croner), the dedupe key makes the queue
 * hold one at a time across instances, and the handler is idempotent. Today it asks the leases module to drop
 * leases of instances long gone, prunes event receipts older than 7 days and the finished records of events in and
 * out past EVENTS_RETENTION_DAYS (the queue prunes its own finished jobs).
 */
export function createHousekeeping(deps: HousekeepingDeps) {
  const log = deps.log.child({ feature: 'housekeeping' });
  const jobs: JobHandlers<JobCatalog> = {
    'system.housekeeping': async (payload) => {
      const now = deps.clock.now();
      const staleLeases = await expireStaleLeases(deps.db, now);
      const receipts = await pruneEventReceipts(deps.db, now - EVENT_RECEIPTS_KEEP_MS);
      const events = await pruneEventsLog(deps.db, new Date(now - (deps.retentionDays ?? 30) * 86_400_000).toISOString());
      log.info({ reason: payload.reason ?? 'schedule', staleLeases, receipts, events }, 'housekeeping done');
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
