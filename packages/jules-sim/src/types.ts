/** Wire shapes of the Jules v1alpha API (as served) and the simulator's internal records. */

export type SessionState =
  | 'STATE_UNSPECIFIED'
  | 'QUEUED'
  | 'PLANNING'
  | 'AWAITING_PLAN_APPROVAL'
  | 'AWAITING_USER_FEEDBACK'
  | 'IN_PROGRESS'
  | 'PAUSED'
  | 'FAILED'
  | 'COMPLETED';

export const SESSION_STATES: readonly SessionState[] = [
  'STATE_UNSPECIFIED', 'QUEUED', 'PLANNING', 'AWAITING_PLAN_APPROVAL', 'AWAITING_USER_FEEDBACK',
  'IN_PROGRESS', 'PAUSED', 'FAILED', 'COMPLETED',
];

export type AutomationMode = 'AUTOMATION_MODE_UNSPECIFIED' | 'AUTO_CREATE_PR';

/** How a simulated agent behaves; see README "Behaviours". */
export type Behaviour = 'happy' | 'question' | 'stall' | 'fail' | 'stuck' | 'approval' | 'scripted';

export const BEHAVIOURS: readonly Behaviour[] = ['happy', 'question', 'stall', 'fail', 'stuck', 'approval'];

export interface GitPatch { unidiffPatch: string; baseCommitId: string; suggestedCommitMessage: string }
export interface ChangeSet { source: string; gitPatch: GitPatch }
export interface PullRequest { url: string; title: string; description: string; baseRef?: string; headRef?: string }
export type SessionOutput = { pullRequest: PullRequest } | { changeSet: ChangeSet };

export interface SourceContext {
  source: string;
  githubRepoContext?: { startingBranch: string };
  workingBranch?: string;
  environmentVariablesEnabled?: boolean;
}

export interface WireSession {
  name: string;
  id: string;
  prompt: string;
  title: string;
  sourceContext?: SourceContext;
  requirePlanApproval?: boolean;
  automationMode?: AutomationMode;
  createTime: string;
  updateTime: string;
  state: SessionState;
  url: string;
  outputs?: SessionOutput[];
  archived?: boolean;
}

export interface PlanStep { id: string; title: string; description?: string; index: number }
export interface Plan { id: string; steps: PlanStep[]; createTime: string }

export type Artifact = { changeSet: ChangeSet } | { media: { data: string; mimeType: string } }
  | { bashOutput: { command: string; output: string; exitCode: number } };

export interface WireActivity {
  name: string;
  id: string;
  description?: string;
  createTime: string;
  originator: 'user' | 'agent' | 'system';
  artifacts?: Artifact[];
  agentMessaged?: { agentMessage: string };
  userMessaged?: { userMessage: string };
  planGenerated?: { plan: Plan };
  planApproved?: { planId: string };
  progressUpdated?: { title: string; description?: string };
  sessionCompleted?: Record<string, never>;
  sessionFailed?: { reason: string };
}

export interface WireSource {
  name: string;
  id: string;
  githubRepo?: {
    owner: string;
    repo: string;
    isPrivate: boolean;
    defaultBranch?: { displayName: string };
    branches?: { displayName: string }[];
  };
}

/** Activity kinds as stored; 'started' is the bare system activity that has no member. */
export type ActivityKind =
  | 'started' | 'agentMessaged' | 'userMessaged' | 'planGenerated' | 'planApproved'
  | 'progressUpdated' | 'sessionCompleted' | 'sessionFailed';

/**
 * A stored activity. Kept compact (patches are regenerated on demand from the session's file list) so that
 * 100,000 sessions with a dozen activities each fit in memory.
 */
export interface ActivityRecord {
  /** Index in the session's activity list; the activity id derives from it. */
  n: number;
  /** Create time, epoch microseconds. */
  t: number;
  kind: ActivityKind;
  originator: 'user' | 'agent' | 'system';
  /** Message text, failure reason or progress title. */
  text?: string;
  /** Progress description. */
  detail?: string;
  /** Number of files in the cumulative change set attached to this activity (0/undefined = no artifact). */
  files?: number;
  /** A further artifact: the output of a command the agent ran, or a screenshot (`media`). */
  extra?: 'bash' | 'media';
}
