import type { KeeperSettings } from '@autopilot/contracts';
import { decideApproval, decideQuestion } from './keeper.decide.people';
import { none } from './keeper.decide.util';
import { decideActive, decideCompleted, decideFailed, decidePaused } from './keeper.decide.watch';
import { riskyWordIn } from './keeper.risk';
import { normalise } from './keeper.text';
import type { Decision, HistoryEntry, KeeperActivity, KeeperSession, PlanStepView } from './keeper.types';

export { gate, MAX_ATTEMPTS, RETRY_AFTER_MS } from './keeper.decide.util';
export { approvalRulesFor } from './keeper.decide.people';

const ACTIVE = new Set(['QUEUED', 'PLANNING', 'IN_PROGRESS']);

/** The first hold word found in the plan's normalised text (matched at a word start, so "drop" finds "dropping"). */
export function riskyWord(steps: readonly PlanStepView[], words: readonly string[]): string | undefined {
  return riskyWordIn(normalise(steps.map((s) => `${s.title}\n${s.description ?? ''}`).join('\n')), words);
}

/**
 * The keeper's one decision, pure: given a session, its recent activities (oldest first), the workspace's
 * settings, the session's ledger history and the time, what to do and why (a decision always has a reason).
 * Never acts on archived, deleted or paused sessions, nor on sessions quiet for longer than the history horizon; defers to people wherever they asked to decide or only
 * they can (see keeper.decide.people.ts); only notifies about upstream PAUSED and COMPLETED-without-PR sessions.
 */
export function decide(
  session: KeeperSession,
  activities: readonly KeeperActivity[],
  settings: KeeperSettings,
  history: readonly HistoryEntry[],
  now: number,
): Decision {
  if (!settings.enabled) return none('keeper disabled');
  if (session.deleted) return none('deleted');
  if (session.archived) return none('archived');
  if (session.paused) return none('paused in the orchestrator');
  if (history.some((h) => h.status === 'pending')) return none('an action is in flight');
  // History, not news: a session quiet for longer than the horizon (months-old waiting sessions of an account just
  // connected, say) is left to people, without actions or notifications.
  const lastSign = Math.max(session.updateTimeMs, session.lastActivityAtMs ?? 0, session.createTimeMs);
  const horizonMs = settings.historyHorizonHours * 3_600_000;
  if (now - lastSign > horizonMs) return none(`quiet for more than the history horizon (${settings.historyHorizonHours} h): left to people`);
  switch (session.state) {
    case 'AWAITING_PLAN_APPROVAL':
      return decideApproval(session, activities, settings, history, now);
    case 'AWAITING_USER_FEEDBACK':
      return decideQuestion(session, activities, settings, history, now);
    case 'FAILED':
      return decideFailed(session, activities, settings, history, now);
    case 'COMPLETED':
      return decideCompleted(session, activities, settings, history, now);
    case 'PAUSED':
      return decidePaused(session, settings, history, now);
    default:
      return ACTIVE.has(session.state) ? decideActive(session, activities, settings, history, now) : none(`nothing to do in ${session.state}`);
  }
}
