import type { ChecksState, CiConclusion, CiRun, PullRequest, PullState, RepoAutomation, ReviewDecision } from '@autopilot/contracts';
import { defaultRepoAutomation } from '@autopilot/contracts';
import type { GitHubCiRunsTable, GitHubPullsTable, GitHubRepoAutomationTable } from '../../platform/db/schema.github';

/**
 * Conversions between GitHub's answers (untrusted: every field read defensively), table rows and API shapes, and
 * the two summaries the loop decides on: the head commit's combined checks state and the review decision.
 */

/** The fields of a pull request GitHub answers that the mirror keeps. */
export interface WirePull {
  number: number;
  title: string;
  html_url: string;
  state: string;
  draft?: boolean;
  merged?: boolean;
  merged_at?: string | null;
  closed_at?: string | null;
  mergeable?: boolean | null;
  mergeable_state?: string | null;
  user?: { login?: string } | null;
  head: { ref: string; sha: string };
  base: { ref: string };
  labels?: Array<{ name?: string } | string>;
  requested_reviewers?: unknown[];
}

export interface WireCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
  html_url?: string | null;
}

export interface WireReview {
  id: number;
  state: string;
  body?: string | null;
  user?: { login?: string } | null;
  submitted_at?: string | null;
}

const str = (v: unknown, max = 1000): string => (typeof v === 'string' ? v.slice(0, max) : '');
const CONCLUSIONS = new Set<string>(['success', 'failure', 'neutral', 'cancelled', 'skipped', 'timed_out', 'action_required', 'stale']);
const FAILED = new Set(['failure', 'timed_out', 'cancelled', 'action_required', 'startup_failure']);

/** `owner/name` of a session source `sources/github/owner/name`, else null. */
export function repoOfSource(source: string | null): string | null {
  const m = /^sources\/github\/([A-Za-z0-9_.-]{1,100})\/([A-Za-z0-9_.-]{1,100})$/.exec(source ?? '');
  return m ? `${m[1]}/${m[2]}` : null;
}

/** Repository and number of a PR URL (`https://github.com/o/r/pull/n`, or a simulator's or Enterprise html_url). */
export function parsePrUrl(url: string | null): { repo: string; number: number } | null {
  if (!url) return null;
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return null;
  }
  const m = /\/([A-Za-z0-9_.-]{1,100})\/([A-Za-z0-9_.-]{1,100})\/pulls?\/(\d{1,9})\/?$/.exec(path);
  return m ? { repo: `${m[1]}/${m[2]}`, number: Number(m[3]) } : null;
}

/** The latest run of each check name (a re-run replaces the one before), newest first. */
export function latestPerName(runs: WireCheckRun[]): WireCheckRun[] {
  const byName = new Map<string, WireCheckRun>();
  for (const r of runs) {
    const seen = byName.get(r.name);
    if (!seen || r.id > seen.id) byName.set(r.name, r);
  }
  return [...byName.values()].sort((a, b) => b.id - a.id);
}

/** none, pending, failure or success of a commit's check runs (contracts ChecksState). */
export function checksStateOf(runs: WireCheckRun[]): ChecksState {
  const latest = latestPerName(runs);
  if (latest.length === 0) return 'none';
  if (latest.some((r) => r.status === 'completed' && FAILED.has(r.conclusion ?? ''))) return 'failure';
  if (latest.some((r) => r.status !== 'completed')) return 'pending';
  return 'success';
}

/** From the latest decisive review of each reviewer: changes requested wins, then an approval, then requested reviewers. */
export function reviewDecisionOf(reviews: WireReview[], requestedReviewers: number): ReviewDecision {
  const latest = new Map<string, string>();
  for (const r of [...reviews].sort((a, b) => a.id - b.id)) {
    const state = str(r.state).toUpperCase();
    const who = str(r.user?.login, 100) || `#${r.id}`;
    if (state === 'APPROVED' || state === 'CHANGES_REQUESTED' || state === 'DISMISSED') latest.set(who, state);
  }
  const states = [...latest.values()];
  if (states.includes('CHANGES_REQUESTED')) return 'changes_requested';
  if (states.includes('APPROVED')) return 'approved';
  return requestedReviewers > 0 ? 'review_required' : 'none';
}

export function pullStateOf(p: WirePull): PullState {
  if (p.merged || p.merged_at) return 'merged';
  return p.state === 'closed' ? 'closed' : 'open';
}

export const labelsOf = (p: Pick<WirePull, 'labels'>): string[] =>
  (p.labels ?? []).map((l) => (typeof l === 'string' ? l : str(l?.name, 100))).filter((l) => l.length > 0).slice(0, 100);

/** The columns GitHub's answers determine (everything but ids, the link and bookkeeping). */
export function pullFields(p: WirePull, checks: ChecksState, reviewDecision: ReviewDecision) {
  return {
    title: str(p.title, 1000),
    html_url: str(p.html_url, 2000),
    head_ref: str(p.head?.ref, 500),
    head_sha: str(p.head?.sha, 100),
    base_ref: str(p.base?.ref, 500),
    author: str(p.user?.login, 100) || null,
    state: pullStateOf(p),
    draft: p.draft ? 1 : 0,
    mergeable: p.mergeable === true ? 1 : p.mergeable === false ? 0 : null,
    mergeable_state: str(p.mergeable_state, 50) || null,
    checks,
    review_decision: reviewDecision,
    labels: JSON.stringify(labelsOf(p)),
    merged_at: str(p.merged_at, 40) || null,
    closed_at: str(p.closed_at, 40) || null,
  } satisfies Partial<GitHubPullsTable>;
}
export type PullFields = ReturnType<typeof pullFields>;

/** The fields whose change is a change of the PR (title and URL changes are stored but notify nobody). */
export const WATCHED = ['state', 'head_sha', 'checks', 'review_decision', 'labels', 'mergeable', 'mergeable_state', 'draft', 'head_ref', 'base_ref'] as const;

export function toPull(r: GitHubPullsTable): PullRequest {
  let labels: string[] = [];
  try {
    labels = JSON.parse(r.labels);
  } catch {
    labels = [];
  }
  return {
    id: r.id,
    repo: r.repo,
    number: Number(r.number),
    title: r.title,
    htmlUrl: r.html_url,
    headRef: r.head_ref,
    headSha: r.head_sha,
    baseRef: r.base_ref,
    author: r.author,
    state: r.state as PullState,
    draft: !!Number(r.draft),
    mergeable: r.mergeable === null ? null : !!Number(r.mergeable),
    mergeableState: r.mergeable_state,
    checks: r.checks as ChecksState,
    reviewDecision: r.review_decision as ReviewDecision,
    labels,
    sessionId: r.session_id,
    linkedBy: r.linked_by as PullRequest['linkedBy'],
    mergedAt: r.merged_at,
    closedAt: r.closed_at,
    updatedAt: r.updated_at,
    syncedAt: r.synced_at,
  };
}

const STATUSES = new Set(['queued', 'in_progress', 'completed']);

/** A check run's columns; a status GitHub may add later (waiting, requested) reads as queued. */
export function runFields(r: WireCheckRun) {
  const started = str(r.started_at, 40) || null;
  const completed = str(r.completed_at, 40) || null;
  const duration = started && completed ? Date.parse(completed) - Date.parse(started) : NaN;
  const conclusion = str(r.conclusion, 40);
  return {
    name: str(r.name, 200),
    head_sha: str(r.head_sha, 100),
    status: STATUSES.has(r.status) ? r.status : 'queued',
    conclusion: CONCLUSIONS.has(conclusion) ? conclusion : null,
    started_at: started,
    completed_at: completed,
    duration_ms: Number.isFinite(duration) && duration >= 0 ? duration : null,
    html_url: str(r.html_url, 2000) || null,
  } satisfies Partial<GitHubCiRunsTable>;
}

export function toRun(r: GitHubCiRunsTable): CiRun {
  return {
    id: r.id,
    repo: r.repo,
    checkRunId: Number(r.check_run_id),
    name: r.name,
    headSha: r.head_sha,
    prNumber: r.pr_number === null ? null : Number(r.pr_number),
    sessionId: r.session_id,
    status: r.status as CiRun['status'],
    conclusion: r.conclusion as CiConclusion | null,
    startedAt: r.started_at,
    completedAt: r.completed_at,
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    htmlUrl: r.html_url,
  };
}

/** Saved settings over the defaults (a field added to the defaults later reads as its default). */
export function toAutomation(repo: string, row: GitHubRepoAutomationTable | undefined): RepoAutomation {
  const d = defaultRepoAutomation(repo);
  if (!row) return d;
  let saved: Partial<RepoAutomation> = {};
  try {
    saved = JSON.parse(row.settings);
  } catch {
    saved = {};
  }
  return {
    repo,
    ciFix: { ...d.ciFix, ...saved.ciFix },
    reviewFix: { ...d.reviewFix, ...saved.reviewFix },
    merge: { ...d.merge, ...saved.merge },
    archive: { ...d.archive, ...saved.archive },
    optOutLabel: saved.optOutLabel ?? d.optOutLabel,
    updatedAt: row.updated_at,
  };
}
