import { routes } from '@autopilot/contracts';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { BudgetsService } from './budgets.service';

const r = routes.budgets;

/** /api/budgets: the workspace's daily and monthly LLM budgets, what is spent and held, and the exhaustion policy. */
export function registerBudgetsRoutes(app: ApiApp, deps: { service: BudgetsService }) {
  app.openapi(apiRoute(r.get), async (c) => c.json(await deps.service.status(workspaceOf(c)), 200));
  app.openapi(apiRoute(r.put), async (c) => c.json(await deps.service.put(workspaceOf(c), c.req.valid('json')), 200));
}
