import type { Clock } from '../../platform/clock';
import type { Db } from '../../platform/db';
import type { Feature } from '../../platform/feature';
import type { Logger } from '../../platform/logger';
import { createTemplatesStore } from './templates.store';
import { createTemplatesService, type TemplatesService } from './templates.service';
import { registerTemplatesRoutes } from './templates.routes';

export type { TemplatesService } from './templates.service';
/** The pure rendering (what a launch will send), for the dispatcher. */
export { renderTemplate, type TemplateDefinition } from './templates.render';

/** Templates with typed variables and their preview; no loops, no jobs (launching is the dispatcher's, next). */
export function createTemplatesFeature(deps: { db: Db; clock: Clock; log: Logger }): Feature<TemplatesService> {
  const service = createTemplatesService({ store: createTemplatesStore(deps.db), clock: deps.clock, log: deps.log });
  return { service, loops: [], routes: (app) => registerTemplatesRoutes(app, { service }) };
}
