import { BudgetStatus, PutBudgetBody } from '@autopilot/contracts';
import { apiRoute, jsonBody, jsonOk } from '../../platform/http/route';
import { hasRole } from '../../platform/http/auth';
import { forbidden } from '../../platform/errors';
import type { ApiApp } from '../../platform/http/types';
import type { BudgetsService } from './budgets.service';

const tags = ['budgets'];

/** /api/budgets: the workspace's daily and monthly LLM budgets, what is spent and held, and the exhaustion policy. */
export function registerBudgetsRoutes(app: ApiApp, deps: { service: BudgetsService }) {
  app.openapi(
    apiRoute({ method: 'get', path: '/api/budgets', tags, summary: 'LLM budget limits, spend and reservations of this workspace', responses: { 200: jsonOk(BudgetStatus) } }),
    async (c) => c.json(await deps.service.status(c.get('auth').workspaceId), 200),
  );
  app.openapi(
    apiRoute({
      method: 'put',
      path: '/api/budgets',
      tags,
      summary: 'Set the daily/monthly limits (null = none) and what happens when one is reached',
      request: { body: jsonBody(PutBudgetBody) },
      responses: { 200: jsonOk(BudgetStatus) },
    }),
    async (c) => {
      const auth = c.get('auth');
      if (!hasRole(auth, 'admin')) throw forbidden('Only admins and owners set budgets');
      return c.json(await deps.service.put(auth.workspaceId, c.req.valid('json')), 200);
    },
  );
}
