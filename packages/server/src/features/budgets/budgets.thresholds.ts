import type { Clock } from '../../platform/clock';
import { iso } from '../../platform/clock';
import type { LlmBudgetsTable } from '../../platform/db/schema';
import type { EventBus } from '../../platform/events/bus';
import type { BudgetsStore } from './budgets.store';

const PERCENTS = [80, 100] as const;

/**
 * `budget.threshold` when a window's spend reaches 80% and 100% of its limit: once per (budget, period, percent)
 * across instances (a budget_alerts row, insert-or-ignore; only the instance that inserted it publishes). The two
 * windows of a workspace are its budgets `<workspace>:daily` and `<workspace>:monthly`.
 */
export function createThresholdWatch(deps: { store: Pick<BudgetsStore, 'alertOnce'>; bus: EventBus; clock: Clock }) {
  // Keys this process already settled (announced here or found announced): no insert per call once a threshold is passed.
  const seen = new Set<string>();
  return async function check(row: LlmBudgetsTable): Promise<void> {
    const windows = [
      { id: `${row.workspace_id}:daily`, name: 'Daily LLM budget', limit: row.daily_limit_usd, spent: row.day_spent, period: row.day_key },
      { id: `${row.workspace_id}:monthly`, name: 'Monthly LLM budget', limit: row.monthly_limit_usd, spent: row.month_spent, period: row.month_key },
    ];
    for (const w of windows) {
      if (w.limit === null || w.limit <= 0) continue;
      for (const percent of PERCENTS) {
        // A cent's fraction of tolerance: float sums of many small costs land a hair under the exact limit.
        if (w.spent < (w.limit * percent) / 100 - 1e-9) continue;
        const key = `${w.id}|${w.period}|${percent}`;
        if (seen.has(key)) continue;
        const first = await deps.store.alertOnce({ budget_id: w.id, period: w.period, percent, workspace_id: row.workspace_id, at: iso(deps.clock) });
        seen.add(key);
        if (first) await deps.bus.publish('budget.threshold', row.workspace_id, { budgetId: w.id, name: w.name, percent, spentUsd: w.spent, limitUsd: w.limit, period: w.period });
      }
    }
  };
}
