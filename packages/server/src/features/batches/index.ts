import type { Clock } from '../../platform/clock';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Feature } from '../../platform/feature';
import type { Logger } from '../../platform/logger';
import type { DispatcherService } from '../dispatch';
import type { TemplatesService } from '../templates';
import { createBatchesStore } from './batches.store';
import { createBatchesService, type BatchesService } from './batches.service';
import { registerBatchesRoutes } from './batches.routes';

export type { BatchesService, CreateOptions } from './batches.service';
export { scheduleRunner } from './batches.schedule-runner';
export { parseTaskList, MAX_TASKS } from './batches.parse';

export interface BatchesFeatureDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  bus: EventBus;
  dispatcher: DispatcherService;
  templates: TemplatesService;
}

/** Batches over the dispatcher, the template launch, and (through scheduleRunner) what schedules fire. */
export function createBatchesFeature(deps: BatchesFeatureDeps): Feature<BatchesService> {
  const service = createBatchesService({ store: createBatchesStore(deps.db), clock: deps.clock, log: deps.log, bus: deps.bus, dispatcher: deps.dispatcher, templates: deps.templates });
  return { service, loops: [], routes: (app) => registerBatchesRoutes(app, { service }) };
}
