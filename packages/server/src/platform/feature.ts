import type { ApiApp } from './http/types';
import type { Loop } from './loops';
import type { JobCatalog, JobHandler, JobName, JobPayload, JobQueue } from './queue/port';

/** The job handlers a feature offers, by job name of the catalog. */
export type JobHandlers<C extends JobCatalog> = { [N in JobName<C>]?: JobHandler<JobPayload<C, N>> };

/**
 * The shape every server feature has: `features/<f>/index.ts` exports `create<F>Feature(deps)` returning this.
 * main.ts composes features in dependency order and uses nothing else of them; another feature receives only
 * `service` (through its deps), never a feature's store, rows or internal modules.
 */
export interface Feature<S, C extends JobCatalog = JobCatalog> {
  /** What the feature offers other features (and tests). */
  readonly service: S;
  /** Registers the feature's HTTP routes (after authentication is installed). */
  routes(app: ApiApp): void;
  /** Background loops: started after the queue, stopped first on close; /api/health lists them. */
  readonly loops: readonly Loop[];
  /** Queue job handlers, registered before the queue starts. */
  readonly jobs?: JobHandlers<C>;
}

/** Registers every job handler of `jobs` on the queue. */
export function registerJobs<C extends JobCatalog>(queue: JobQueue<C>, jobs: JobHandlers<C> | undefined): void {
  for (const [name, handler] of Object.entries(jobs ?? {}) as Array<[JobName<C>, JobHandler<JobPayload<C, JobName<C>>>]>) {
    if (handler) queue.handle(name, handler);
  }
}
