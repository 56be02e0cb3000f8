import type { Feature } from '../../platform/feature';
import { createRuleRunner } from './hooks.runner';
import { registerHooksRoutes } from './hooks.routes';
import { createHooksService, type HooksService } from './hooks.service';
import type { HooksFeatureDeps } from './hooks.types';

export type { HooksService } from './hooks.service';
export type { HooksFeatureDeps } from './hooks.types';

/**
 * Inbound webhooks (issue #15): per-workspace endpoints at `/hooks/{id}` verified per sender (Slack, Linear, Jira,
 * GitHub, Standard Webhooks), idempotent by delivery id, logged with secrets redacted, replayable; JSONPath rules
 * turn deliveries into launches, batches, messages and notifications; replies go back to Slack and Linear.
 */
export function createHooksFeature(deps: HooksFeatureDeps): Feature<HooksService> {
  const log = deps.log.child({ feature: 'hooks' });
  const runner = createRuleRunner({ ...deps, log });
  const core = createHooksService({ ...deps, log }, runner);
  return { service: core.service, routes: (app) => registerHooksRoutes(app, core.service), loops: [...core.loops, ...runner.loops] };
}
