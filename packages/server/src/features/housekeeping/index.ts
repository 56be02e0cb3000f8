import type { Feature } from '../../platform/feature';
import type { JobCatalog } from '../../jobs.catalog';
import { createHousekeeping, type HousekeepingDeps } from './housekeeping';

export type { HousekeepingDeps } from './housekeeping';

export interface HousekeepingFeature extends Feature<void, JobCatalog> {
  /** The hourly schedule that enqueues the job (started after the queue, stopped first on close). */
  schedule: { start(): void; stop(): void };
}

/** Periodic clean-up: a queued job (`system.housekeeping`) and the schedule that enqueues it. */
export function createHousekeepingFeature(deps: HousekeepingDeps): HousekeepingFeature {
  const h = createHousekeeping(deps);
  return { service: undefined, loops: [], jobs: h.jobs, routes: () => {}, schedule: { start: () => h.start(), stop: () => h.stop() } };
}
