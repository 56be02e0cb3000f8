import type { Clock } from '../../platform/clock';
import type { Config } from '../../platform/config';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Feature } from '../../platform/feature';
import type { Logger } from '../../platform/logger';
import { intervalLoop } from '../../platform/loops';
import { createBudgetsStore } from './budgets.store';
import { createBudgetsService, type BudgetsService } from './budgets.service';
import { registerBudgetsRoutes } from './budgets.routes';

export type { BudgetsService, Reservation, BudgetSnapshot } from './budgets.service';

export interface BudgetsFeatureDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  instanceId: string;
  /** Where `budget.threshold` goes (80% and 100% of a limit, once per period); optional for tests of the budgets alone. */
  bus?: EventBus;
  /** The gateway's timeouts and retries: a reservation must outlive any call it covers. */
  config: Pick<Config, 'LLM_TIMEOUT_MS' | 'LLM_RETRIES' | 'LLM_RETRY_BASE_MS'>;
}

/**
 * A reservation outlives any call it covers (every attempt timing out, backoffs between), plus a margin; past that
 * the reconcile releases it, so a crash or a lost call never holds budget for ever.
 */
export const reservationTtlMs = (c: BudgetsFeatureDeps['config']) => c.LLM_TIMEOUT_MS * (c.LLM_RETRIES + 1) + c.LLM_RETRY_BASE_MS * 16 * c.LLM_RETRIES + 60_000;

/**
 * LLM budgets: limits, spend and reservations. Releases at once what a previous run of this instance left reserved,
 * then a loop releases expired reservations.
 */
export async function createBudgetsFeature(deps: BudgetsFeatureDeps): Promise<Feature<BudgetsService>> {
  const { log } = deps;
  const ttl = reservationTtlMs(deps.config);
  const service = createBudgetsService({ store: createBudgetsStore(deps.db), clock: deps.clock, instanceId: deps.instanceId, reservationTtlMs: ttl, bus: deps.bus, log });
  const releasedAtStart = await service.reconcile({ atStart: true });
  if (releasedAtStart > 0) log.warn({ released: releasedAtStart }, 'released budget reservations left by a previous run');
  const reconcile = intervalLoop('budgets.reconcile', Math.min(ttl, 60_000), async () => {
    const released = await service.reconcile();
    if (released > 0) log.warn({ released }, 'released expired budget reservations');
  }, log);
  return { service, loops: [reconcile], routes: (app) => registerBudgetsRoutes(app, { service }) };
}
