import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import { intervalLoop, type Loop } from '../../platform/loops';
import type { SchedulesService } from './schedules.service';

/** How often every instance looks for due fire times (the lateness of an on-time run is at most this). */
export const SCHEDULES_TICK_MS = 10_000;

/**
 * The firing loop. It runs on EVERY instance (an intervalLoop, not a leased one): which instance fires a run is
 * decided per fire time by the UNIQUE (schedule_id, fire_at) insert, so no lease can expire mid-run and a
 * standby instance is never idle while the holder is busy.
 */
export function schedulesLoop(service: SchedulesService, log: Logger, clock: Pick<Clock, 'now'>, tickMs = SCHEDULES_TICK_MS): Loop {
  return intervalLoop(
    'schedules.fire',
    tickMs,
    async () => {
      const r = await service.tick();
      if (r.fired + r.skippedMissed + r.takenOver > 0) log.info(r, 'schedules tick');
    },
    log,
    { clock },
  );
}
