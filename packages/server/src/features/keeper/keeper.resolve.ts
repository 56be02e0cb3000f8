import type { SessionSummary } from '@autopilot/contracts';
import type { Clock } from '../../platform/clock';
import type { EventBus } from '../../platform/events/bus';
import type { Logger } from '../../platform/logger';
import type { KeeperMirror } from './keeper.mirror';
import type { KeeperStore } from './keeper.store';

/**
 * Notifications that follow reality: each kind names the situation that raised it, and once the session has left
 * that situation the notification is resolved (with when and why) and leaves the unread list. The rules, per kind
 * (also in README.md "Notifications"):
 * - any kind: the session is gone from the workspace (deleted on Jules or here) or archived;
 * - plan_held: the session left AWAITING_PLAN_APPROVAL (someone approved the plan, here or on Jules, or it moved on);
 * - question_escalated: the session left AWAITING_USER_FEEDBACK, or has new activity (a reply, or a newer question);
 * - no_progress_after_reply: the session left AWAITING_USER_FEEDBACK or has new activity;
 * - session_stuck, stall_escalated: the session left the state it was stuck in, or has new activity;
 * - session_paused: the session left PAUSED;
 * - completed_without_pr: a pull request appeared, or the session left COMPLETED (continued);
 * - heal_exhausted, session_recovered: the session left FAILED.
 * A newer notification of the same kind for the same session supersedes the older one (resolveSuperseded).
 */

/** The state each kind is about, for rows raised before the state was kept with the notification. */
const KIND_STATE: Record<string, string> = {
  plan_held: 'AWAITING_PLAN_APPROVAL',
  question_escalated: 'AWAITING_USER_FEEDBACK',
  no_progress_after_reply: 'AWAITING_USER_FEEDBACK',
  session_stuck: 'IN_PROGRESS',
  stall_escalated: 'IN_PROGRESS',
  session_paused: 'PAUSED',
  completed_without_pr: 'COMPLETED',
  heal_exhausted: 'FAILED',
  session_recovered: 'FAILED',
};

/** Kinds that a new activity of the session clears (the situation was "nothing happens"). */
const CLEARED_BY_ACTIVITY = new Set(['question_escalated', 'no_progress_after_reply', 'session_stuck', 'stall_escalated']);

export interface OpenNotification {
  kind: string;
  cause_state?: string | null;
  cause_activities?: number | null;
}

type SessionView = Pick<SessionSummary, 'state' | 'archived' | 'deleted' | 'activityCount' | 'prUrl'>;

/** Why this notification's cause has cleared, or null while it still holds. Pure. */
export function resolutionOf(n: OpenNotification, s: SessionView | undefined): string | null {
  if (!s || s.deleted) return 'the session no longer exists in this workspace';
  if (s.archived) return 'the session was archived';
  const expected = n.cause_state ?? KIND_STATE[n.kind];
  const moved = expected !== undefined && s.state !== expected;
  const newActivity = n.cause_activities !== null && n.cause_activities !== undefined && s.activityCount > n.cause_activities;
  switch (n.kind) {
    case 'plan_held':
      if (!moved) return null;
      return s.state === 'IN_PROGRESS' || s.state === 'COMPLETED' ? `the plan was approved (the session is ${s.state})` : `the session moved on (it is ${s.state})`;
    case 'question_escalated':
      if (moved) return `the question was answered (the session is ${s.state})`;
      return newActivity ? 'the session has new activity since (a reply, or a newer question)' : null;
    case 'completed_without_pr':
      if (s.prUrl) return 'a pull request was opened';
      return moved ? `the session continued (it is ${s.state})` : null;
    case 'session_paused':
      return moved ? `the session resumed (it is ${s.state})` : null;
    case 'ci_escalated':
    case 'review_escalated':
    case 'conflict_escalated':
      // About the session's PR, not its state: cleared when the session is archived or gone (above), or by a person.
      return null;
    default:
      if (moved) return `the session moved on (it is ${s.state})`;
      if (CLEARED_BY_ACTIVITY.has(n.kind) && newActivity) return 'the session has new activity since';
      return null;
  }
}

export interface ResolveDeps {
  store: KeeperStore;
  mirror: Pick<KeeperMirror, 'summaries'>;
  bus: EventBus;
  clock: Clock;
  log: Logger;
}

/**
 * Resolves the workspace's open notifications whose cause cleared: one query for the open ones (a partial index)
 * and one read of their sessions. Returns how many were resolved.
 */
export async function resolveNotifications(deps: ResolveDeps, workspaceId: string): Promise<number> {
  const open = await deps.store.openNotifications(workspaceId);
  if (open.length === 0) return 0;
  const ids = [...new Set(open.map((n) => n.session_id).filter((x): x is string => !!x))];
  const sessions = new Map((ids.length ? await deps.mirror.summaries(workspaceId, ids) : []).map((s) => [s.id, s]));
  let resolved = 0;
  for (const n of open) {
    if (!n.session_id) continue;
    const reason = resolutionOf(n, sessions.get(n.session_id));
    if (!reason) continue;
    if (!(await deps.store.resolveNotification(workspaceId, n.id, reason, deps.clock.now()))) continue;
    resolved++;
    deps.log.info({ workspaceId, notificationId: n.id, sessionId: n.session_id, kind: n.kind, reason }, 'notification resolved');
    await deps.bus.publish('notification.updated', workspaceId, { ids: [n.id], all: false, change: 'resolved', reason });
  }
  return resolved;
}

/** A newer notification of the same kind for the same session replaces the open older ones. */
export async function resolveSuperseded(deps: Pick<ResolveDeps, 'store' | 'bus' | 'clock'>, workspaceId: string, sessionId: string, kind: string, newId: string): Promise<void> {
  const older = (await deps.store.openNotifications(workspaceId, sessionId)).filter((n) => n.kind === kind && n.id !== newId);
  for (const n of older) {
    const reason = 'a newer notification of the same kind replaced it';
    if (await deps.store.resolveNotification(workspaceId, n.id, reason, deps.clock.now())) {
      await deps.bus.publish('notification.updated', workspaceId, { ids: [n.id], all: false, change: 'resolved', reason });
    }
  }
}
