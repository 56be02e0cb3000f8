import type { KeeperActionKind, KeeperActionStatus } from '@autopilot/contracts';

/**
 * The keeper's view of one mirrored session: only what the decision needs, with times as epoch ms, so the
 * decision function stays pure and its tables stay readable.
 */
export interface KeeperSession {
  id: string;
  state: string;
  archived: boolean;
  deleted: boolean;
  /** Paused for the keeper by a user in the orchestrator (not the upstream PAUSED state). */
  paused: boolean;
  prompt: string;
  title: string;
  source: string | null;
  prUrl: string | null;
  /** The session has outputs (a pull request or a change set). */
  hasOutputs: boolean;
  createTimeMs: number;
  updateTimeMs: number;
  lastActivityAtMs: number | null;
  activityCount: number;
  /**
   * What the creator asked for: true/false when the orchestrator created the session (recorded at create time),
   * null when it was created elsewhere (Jules never reads the flag back; the workspace default applies).
   */
  requirePlanApproval?: boolean | null;
  /** Created through the orchestrator (so requirePlanApproval and automationMode are what was asked for). */
  createdHere?: boolean;
  automationMode?: string | null;
  accountId?: string;
  startingBranch?: string | null;
}

export interface PlanStepView {
  title: string;
  description?: string;
}

/** One mirrored activity, flattened: `text` is the message, failure reason or progress title. */
export interface KeeperActivity {
  id: string;
  kind: string;
  originator: string;
  createTimeMs: number;
  text: string | null;
  /** Steps of a planGenerated activity. */
  plan?: PlanStepView[];
  /** Files named in the unidiff headers of the activity's changeSet artifacts. */
  files?: string[];
  /** The activity carries a changeSet artifact (evidence of work, with a claim of being done). */
  changeSet?: boolean;
}

/** A ledger row as the decision sees it. */
export interface HistoryEntry {
  kind: KeeperActionKind;
  trigger: string;
  status: KeeperActionStatus;
  attempts: number;
  createdAtMs: number;
  settledAtMs: number | null;
  /** Why a failed row failed (e.g. Jules refused the message). */
  error?: string | null;
}

/** What the decision asks the supervisor to write when it decides to message the agent. */
export interface MessageBrief {
  purpose: 'answer' | 'nudge' | 'heal' | 'continue' | 'recover';
  /** answer: the rules could not tell whether only a person can answer; the supervisor's LLM is asked first. */
  classify?: boolean;
  /** The agent's question, the failure reason, or the last thing the agent said. */
  cue: string | null;
  quietMs?: number;
  nudgeNumber?: number;
}

/** A human notification the decision wants raised alongside its action. */
export interface NotificationDraft {
  kind:
    | 'plan_held' | 'session_stuck' | 'stall_escalated' | 'question_escalated' | 'heal_exhausted'
    | 'completed_without_pr' | 'session_paused' | 'no_progress_after_reply' | 'session_recovered'
    | 'ci_escalated' | 'review_escalated' | 'conflict_escalated';
  title: string;
  body: string;
}

export type Decision =
  | { action: 'none'; reason: string }
  | {
      action: KeeperActionKind;
      /** With the session and kind, the ledger's unique key: what made the keeper act. */
      trigger: string;
      reason: string;
      /** Set for actions that message the agent: the supervisor turns it into text. */
      brief?: MessageBrief;
      notify?: NotificationDraft;
    };

/** Actions that call Jules (the rest only record and notify). */
export const CALLS_JULES: ReadonlySet<KeeperActionKind> = new Set(['approve', 'answer', 'nudge', 'heal', 'continue', 'recover']);
