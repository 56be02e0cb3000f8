/** The simulator's state records. Wire shapes (snake_case, GitHub's field names) are built in wire.ts. */

export type Conclusion = 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';
export type MergeMethod = 'merge' | 'squash' | 'rebase';

export interface Annotation {
  path: string; start_line: number; end_line: number; annotation_level: 'notice' | 'warning' | 'failure';
  message: string; title?: string;
}

/** What CI does with a commit: per repo, overridable per PR. `pending` never completes until changed. */
export interface CiOutcome {
  conclusion: 'success' | 'failure' | 'pending';
  /** Virtual seconds from the push until the runs complete (default 30). */
  delaySeconds: number;
  /** Check run (= job) names (default build, test). */
  checks: string[];
  /** On failure, which checks fail (default: the last one). */
  failing?: string[];
  annotations: Annotation[];
  /** The failing job's log ends with these lines. */
  logTail?: string;
}

export interface Commit { sha: string; parent?: string; message: string; files: Map<string, string>; at: number }

export interface Review { id: number; user: string; state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED'; body: string; commitId: string; at: number }
export interface ReviewComment { id: number; reviewId: number; user: string; path: string; line: number; body: string; commitId: string; at: number }
export interface IssueComment { id: number; user: string; body: string; at: number; updatedAt: number }

export interface PullExtra {
  headRef: string; headSha: string; baseRef: string; baseSha: string;
  merged: boolean; mergedAt?: number; mergeCommitSha?: string; mergedBy?: string;
  /** Set by the control API: true/false, or null while "GitHub is computing". */
  mergeable: boolean | null;
  draft: boolean;
  /** GitHub's auto-merge request (`at`: when it was enabled). */
  autoMerge: { method: MergeMethod; by: string; at?: number } | null;
  ci?: CiOutcome;
  reviews: Review[];
  reviewComments: ReviewComment[];
}

/** An issue; a pull request is an issue with `pull` (they share numbers, labels and comments, as on GitHub). */
export interface IssueRec {
  id: number; number: number; title: string; body: string; user: string; state: 'open' | 'closed';
  labels: string[]; comments: IssueComment[]; at: number; updatedAt: number; closedAt?: number; pull?: PullExtra;
}

export interface Protection { requiredChecks: string[]; requiredApprovals: number }
export interface Hook { id: number; url: string; secret: string; events: string[] }

export interface Repo {
  id: number; owner: string; name: string; defaultBranch: string; private: boolean;
  branches: Map<string, string>; commits: Map<string, Commit>;
  allowAutoMerge: boolean; mergeMethods: Record<MergeMethod, boolean>; protection: Protection | null;
  ci: CiOutcome; hooks: Hook[]; issues: Map<number, IssueRec>; nextNumber: number; at: number;
}

export interface CheckRun {
  id: number; repo: string; headSha: string; headBranch: string; name: string; suiteId: number; runId: number;
  status: 'queued' | 'in_progress' | 'completed'; conclusion: Conclusion | null;
  createdAt: number; startsAt: number; completesAt: number | null; startedAt?: number; completedAt?: number;
  final: 'success' | 'failure'; annotations: Annotation[]; log: string; summary: string;
}

/** One check suite and one workflow run per commit push; their jobs are the check runs. */
export interface Suite { id: number; repo: string; headSha: string; headBranch: string; event: string; runNumber: number; createdAt: number; runs: number[] }
