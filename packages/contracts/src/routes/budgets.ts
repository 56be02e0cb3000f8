import { BudgetStatus, PutBudgetBody } from '../budgets';
import { declareRoutes, jsonBody, jsonOk } from './define';

const tags = ['budgets'];

/** /api/budgets: the workspace's daily and monthly LLM budgets, what is spent and held, and the exhaustion policy. */
export const budgets = declareRoutes({
  get: { method: 'get', path: '/api/budgets', tags, summary: 'LLM budget limits, spend and reservations of this workspace', responses: { 200: jsonOk(BudgetStatus) } },
  put: {
    method: 'put',
    path: '/api/budgets',
    tags,
    summary: 'Set the daily/monthly limits (null = none) and what happens when one is reached',
    minRole: 'admin',
    denied: 'Only admins and owners set budgets',
    request: { body: jsonBody(PutBudgetBody) },
    responses: { 200: jsonOk(BudgetStatus) },
  },
});
