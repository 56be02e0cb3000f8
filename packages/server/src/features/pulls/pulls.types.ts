import type {
  CiRun, CiRunQuery, CiStats, CiStatsQuery, PullListQuery, PullRequest, PullRequestDetail, PullSyncResult, PutRepoAutomationBody, RepoAutomation,
} from '@autopilot/contracts';

/**
 * The port other features (autofix, merges, the dashboard's routes) use to read the GitHub loop's mirror of pull
 * requests. Implemented by pulls.service.ts; every method takes the workspace id.
 */
export interface PullChange {
  /** The row before this change; null for a PR seen for the first time. */
  previous: PullRequest | null;
  /** What GitHub told us: webhook (with its event name) or poll. */
  via: { kind: 'webhook'; event: string; deliveryId: string } | { kind: 'poll' };
  /** A review submitted with this change (webhook pull_request_review, or a new review found by a poll). */
  review?: { id: number; state: string; author: string | null; body: string; submittedAt: string | null };
}

export type PullListener = (workspaceId: string, pull: PullRequest, change: PullChange) => void | Promise<void>;

export interface PullsService {
  list(workspaceId: string, q: PullListQuery): Promise<{ items: PullRequest[]; nextCursor: string | null }>;
  /** 404 (AppError not_found) when the id is not a PR of this workspace. */
  get(workspaceId: string, id: string): Promise<PullRequestDetail>;
  byNumber(workspaceId: string, repo: string, number: number): Promise<PullRequest | null>;
  forSession(workspaceId: string, sessionId: string): Promise<PullRequest[]>;
  /** Open PRs linked to a session (what the autofix and merge sweeps look at). */
  openLinked(workspaceId: string): Promise<PullRequest[]>;
  /** Merged or closed PRs linked to a session (bulk archive). */
  finishedLinked(workspaceId: string, repo?: string): Promise<PullRequest[]>;
  /** The head commit's check runs, newest first. */
  runsOf(workspaceId: string, repo: string, headSha: string): Promise<CiRun[]>;
  runs(workspaceId: string, q: CiRunQuery): Promise<{ items: CiRun[]; nextCursor: string | null }>;
  stats(workspaceId: string, q: CiStatsQuery): Promise<CiStats>;
  automation(workspaceId: string, repo: string): Promise<RepoAutomation>;
  listAutomation(workspaceId: string): Promise<RepoAutomation[]>;
  setAutomation(workspaceId: string, body: PutRepoAutomationBody): Promise<RepoAutomation>;
  /** Reads one PR (and its head's checks) from GitHub now, stores it and notifies listeners if it changed. */
  refresh(workspaceId: string, repo: string, number: number): Promise<PullRequest | null>;
  /** One poll of every repository and PR of the workspace (conditional requests). */
  sync(workspaceId: string): Promise<PullSyncResult>;
  /** Workspaces with a GitHub connection. */
  workspaces(): Promise<string[]>;
  /**
   * Called after a stored PR changed (state, head SHA, checks, review decision, labels, mergeability), on the
   * instance that saw the change (webhook or poll). Listeners must be idempotent: the same change may be seen twice
   * (a webhook and a poll), and a crash may drop one (each consumer also sweeps `openLinked`).
   */
  onChange(listener: PullListener): () => void;
}
