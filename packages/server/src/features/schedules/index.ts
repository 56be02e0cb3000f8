import type { Clock } from '../../platform/clock';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Feature } from '../../platform/feature';
import type { Logger } from '../../platform/logger';
import { createSchedulesStore } from './schedules.store';
import { createSchedulesService, type ScheduleRunner, type SchedulesService } from './schedules.service';
import { registerSchedulesRoutes } from './schedules.routes';
import { schedulesLoop } from './schedules.loop';

export type { SchedulesService, ScheduleRunner, ScheduledRun, RunResult } from './schedules.service';
export { notYetRunner } from './schedules.service';

export interface SchedulesFeatureDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  instanceId: string;
  /** Where `schedule.run` goes (a run finished, failed or was skipped); optional for tests of the schedules alone. */
  bus?: EventBus;
  /** What fires a target; default: records each run as skipped (the dispatcher is not built yet). */
  runner?: ScheduleRunner;
  tickMs?: number;
}

/** Schedules: cron or interval in an IANA zone, fired exactly once per fire time by whichever instance claims it. */
export function createSchedulesFeature(deps: SchedulesFeatureDeps): Feature<SchedulesService> {
  const service = createSchedulesService({ store: createSchedulesStore(deps.db), clock: deps.clock, log: deps.log, instanceId: deps.instanceId, runner: deps.runner, bus: deps.bus });
  return { service, loops: [schedulesLoop(service, deps.log, deps.clock, deps.tickMs)], routes: (app) => registerSchedulesRoutes(app, { service }) };
}
