/**
 * Table shapes of the GitHub loop (issue #14: features/pulls, features/autofix, features/merges); schema.ts
 * re-exports them and lists them in `Database`. Migration 2026120320_github_loop.
 */

/** A pull request of a workspace's repository, linked to the session that opened it when known. */
export interface GitHubPullsTable {
  id: string;
  workspace_id: string;
  repo: string; // owner/name
  number: number;
  title: string;
  html_url: string;
  head_ref: string;
  head_sha: string;
  base_ref: string;
  author: string | null;
  state: string; // open | closed | merged
  draft: number;
  mergeable: number | null; // 1 | 0 | null (GitHub still computing)
  mergeable_state: string | null;
  checks: string; // none | pending | failure | success
  review_decision: string; // none | approved | changes_requested | review_required
  labels: string; // JSON array of names
  session_id: string | null;
  linked_by: string | null; // output | branch | dispatch
  merged_at: string | null;
  closed_at: string | null;
  /** When the row last changed here (ISO). */
  updated_at: string;
  /** When GitHub was last read for it (ISO). */
  synced_at: string;
  /** Epoch ms of the next poll of this PR (open PRs are polled, closed ones rarely). */
  next_poll_at: number;
  /** The newest review id already handed to listeners (a poll passes on only reviews after it). */
  last_review_id: number | null;
}

/** One check run of a commit of a linked PR: the CI page's rows. */
export interface GitHubCiRunsTable {
  id: string;
  workspace_id: string;
  repo: string;
  check_run_id: number;
  name: string;
  head_sha: string;
  pr_number: number | null;
  session_id: string | null;
  status: string; // queued | in_progress | completed
  conclusion: string | null;
  started_at: string | null; // ISO
  completed_at: string | null; // ISO
  duration_ms: number | null;
  html_url: string | null;
  updated_at: string;
}

/** The webhook secret of a workspace (sealed) and its delivery counters. */
export interface GitHubWebhooksTable {
  workspace_id: string;
  secret_sealed: string;
  secret_last4: string;
  created_at: string;
  updated_at: string;
  last_delivery_at: string | null;
  deliveries: number;
  rejected: number;
}

/** Each accepted delivery id, so a replayed (or redelivered) delivery is processed once. */
export interface GitHubDeliveriesTable {
  workspace_id: string;
  delivery_id: string;
  event: string;
  received_at: number; // epoch ms
}

/** One repository's automation settings (JSON of contracts RepoAutomation without repo/updatedAt). */
export interface GitHubRepoAutomationTable {
  workspace_id: string;
  repo: string;
  settings: string;
  updated_at: string;
}
