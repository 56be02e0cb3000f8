import { isoSeconds } from './clock.ts';
import { suiteState } from './ci.ts';
import type { CheckRun, IssueComment, IssueRec, Repo, Review, ReviewComment, Suite } from './types.ts';

/** GitHub's JSON shapes (snake_case, the fields clients read), built from the state records. */
export interface WireCtx {
  origin: string;
  userId(login: string): number;
  /** Open PRs whose head is `sha`: GitHub lists them in check runs, suites and workflow runs. */
  pullRefs(repo: string, sha: string): PullRef[];
}

export interface PullRef { id: number; number: number; url: string; head: { ref: string; sha: string }; base: { ref: string; sha: string } }

const t = (ms: number | undefined): string | null => (ms === undefined ? null : isoSeconds(ms));

export function wireUser(w: WireCtx, login: string) {
  const id = w.userId(login);
  return {
    login, id, node_id: `U_${id}`, type: login.endsWith('[bot]') ? 'Bot' : 'User', site_admin: false,
    avatar_url: `${w.origin}/avatars/${login}`, url: `${w.origin}/users/${login}`, html_url: `${w.origin}/${login}`,
  };
}

export function wireRepo(w: WireCtx, r: Repo) {
  const full = `${r.owner}/${r.name}`;
  return {
    id: r.id, node_id: `R_${r.id}`, name: r.name, full_name: full, private: r.private, owner: wireUser(w, r.owner),
    html_url: `${w.origin}/${full}`, url: `${w.origin}/repos/${full}`, default_branch: r.defaultBranch,
    allow_auto_merge: r.allowAutoMerge, allow_merge_commit: r.mergeMethods.merge, allow_squash_merge: r.mergeMethods.squash,
    allow_rebase_merge: r.mergeMethods.rebase, archived: false, disabled: false, visibility: r.private ? 'private' : 'public',
    created_at: t(r.at), updated_at: t(r.at), pushed_at: t(r.at),
  };
}

export function wireLabel(w: WireCtx, r: Repo, name: string) {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return { id: h, node_id: `LA_${h}`, name, color: (h & 0xffffff).toString(16).padStart(6, '0'), default: false, description: null, url: `${w.origin}/repos/${r.owner}/${r.name}/labels/${encodeURIComponent(name)}` };
}

function ref(w: WireCtx, r: Repo, name: string, sha: string) {
  return { label: `${r.owner}:${name}`, ref: name, sha, user: wireUser(w, r.owner), repo: wireRepo(w, r) };
}

/** The PR; `mergeable_state` follows from the conflict flag, draft, branch protection and checks (merge.ts). */
export function wirePull(w: WireCtx, r: Repo, i: IssueRec, mergeableState: string) {
  const p = i.pull!;
  const base = `${w.origin}/repos/${r.owner}/${r.name}`;
  return {
    id: i.id, node_id: `PR_${i.id}`, number: i.number, state: i.state, locked: false, title: i.title, body: i.body,
    user: wireUser(w, i.user), labels: i.labels.map((l) => wireLabel(w, r, l)), draft: p.draft,
    html_url: `${w.origin}/${r.owner}/${r.name}/pull/${i.number}`, url: `${base}/pulls/${i.number}`,
    issue_url: `${base}/issues/${i.number}`, diff_url: `${w.origin}/${r.owner}/${r.name}/pull/${i.number}.diff`,
    created_at: t(i.at), updated_at: t(i.updatedAt), closed_at: t(i.closedAt), merged_at: t(p.mergedAt),
    merge_commit_sha: p.mergeCommitSha ?? null, head: ref(w, r, p.headRef, p.headSha), base: ref(w, r, p.baseRef, p.baseSha),
    merged: p.merged, mergeable: i.state === 'open' ? p.mergeable : null, mergeable_state: mergeableState,
    merged_by: p.mergedBy ? wireUser(w, p.mergedBy) : null,
    auto_merge: p.autoMerge ? { enabled_by: wireUser(w, p.autoMerge.by), merge_method: p.autoMerge.method, commit_title: null, commit_message: null } : null,
    comments: i.comments.length, review_comments: p.reviewComments.length, author_association: 'CONTRIBUTOR',
  };
}

export function wireIssue(w: WireCtx, r: Repo, i: IssueRec) {
  const base = `${w.origin}/repos/${r.owner}/${r.name}`;
  return {
    id: i.id, node_id: `I_${i.id}`, number: i.number, title: i.title, body: i.body, state: i.state, user: wireUser(w, i.user),
    labels: i.labels.map((l) => wireLabel(w, r, l)), comments: i.comments.length, url: `${base}/issues/${i.number}`,
    html_url: `${w.origin}/${r.owner}/${r.name}/${i.pull ? 'pull' : 'issues'}/${i.number}`,
    created_at: t(i.at), updated_at: t(i.updatedAt), closed_at: t(i.closedAt),
    ...(i.pull ? { pull_request: { url: `${base}/pulls/${i.number}`, merged_at: t(i.pull.mergedAt) } } : {}),
  };
}

export function wireIssueComment(w: WireCtx, r: Repo, i: IssueRec, c: IssueComment) {
  return {
    id: c.id, node_id: `IC_${c.id}`, body: c.body, user: wireUser(w, c.user), created_at: t(c.at), updated_at: t(c.updatedAt),
    issue_url: `${w.origin}/repos/${r.owner}/${r.name}/issues/${i.number}`, author_association: 'CONTRIBUTOR',
    html_url: `${w.origin}/${r.owner}/${r.name}/pull/${i.number}#issuecomment-${c.id}`,
    url: `${w.origin}/repos/${r.owner}/${r.name}/issues/comments/${c.id}`,
  };
}

export function wireReview(w: WireCtx, r: Repo, i: IssueRec, v: Review) {
  return {
    id: v.id, node_id: `PRR_${v.id}`, user: wireUser(w, v.user), body: v.body, state: v.state, commit_id: v.commitId,
    submitted_at: t(v.at), author_association: 'MEMBER', pull_request_url: `${w.origin}/repos/${r.owner}/${r.name}/pulls/${i.number}`,
    html_url: `${w.origin}/${r.owner}/${r.name}/pull/${i.number}#pullrequestreview-${v.id}`,
  };
}

export function wireReviewComment(w: WireCtx, r: Repo, i: IssueRec, c: ReviewComment) {
  return {
    id: c.id, node_id: `PRRC_${c.id}`, pull_request_review_id: c.reviewId, path: c.path, line: c.line, original_line: c.line,
    side: 'RIGHT', body: c.body, user: wireUser(w, c.user), commit_id: c.commitId, original_commit_id: c.commitId,
    created_at: t(c.at), updated_at: t(c.at), diff_hunk: `@@ -${c.line},1 +${c.line},1 @@`,
    pull_request_url: `${w.origin}/repos/${r.owner}/${r.name}/pulls/${i.number}`,
  };
}

const app = { id: 15368, slug: 'github-actions', name: 'GitHub Actions' };

export function wireCheckRun(w: WireCtx, c: CheckRun) {
  return {
    id: c.id, node_id: `CR_${c.id}`, name: c.name, head_sha: c.headSha, status: c.status, conclusion: c.conclusion,
    started_at: t(c.startedAt), completed_at: t(c.completedAt), external_id: String(c.id),
    url: `${w.origin}/repos/${c.repo}/check-runs/${c.id}`, html_url: `${w.origin}/${c.repo}/actions/runs/${c.runId}/job/${c.id}`,
    details_url: `${w.origin}/${c.repo}/actions/runs/${c.runId}/job/${c.id}`,
    output: c.status === 'completed'
      ? { title: c.conclusion === 'failure' ? `${c.name} failed` : `${c.name} passed`, summary: c.summary, text: null, annotations_count: c.annotations.length, annotations_url: `${w.origin}/repos/${c.repo}/check-runs/${c.id}/annotations` }
      : { title: null, summary: null, text: null, annotations_count: 0, annotations_url: `${w.origin}/repos/${c.repo}/check-runs/${c.id}/annotations` },
    check_suite: { id: c.suiteId }, app, pull_requests: w.pullRefs(c.repo, c.headSha),
  };
}

export function wireSuite(w: WireCtx, s: Suite, runs: CheckRun[]) {
  const st = suiteState(runs);
  return {
    id: s.id, node_id: `CS_${s.id}`, head_branch: s.headBranch, head_sha: s.headSha, status: st.status, conclusion: st.conclusion,
    url: `${w.origin}/repos/${s.repo}/check-suites/${s.id}`, app, created_at: t(s.createdAt),
    updated_at: t(Math.max(s.createdAt, ...runs.map((r) => r.completedAt ?? r.startedAt ?? 0))),
    latest_check_runs_count: runs.length, check_runs_url: `${w.origin}/repos/${s.repo}/check-suites/${s.id}/check-runs`, pull_requests: w.pullRefs(s.repo, s.headSha),
  };
}

export function wireWorkflowRun(w: WireCtx, s: Suite, runs: CheckRun[]) {
  const st = suiteState(runs);
  return {
    id: s.id, node_id: `WFR_${s.id}`, name: 'CI', display_title: 'CI', head_branch: s.headBranch, head_sha: s.headSha,
    run_number: s.runNumber, run_attempt: 1, event: s.event, status: st.status, conclusion: st.conclusion, workflow_id: 1, check_suite_id: s.id,
    url: `${w.origin}/repos/${s.repo}/actions/runs/${s.id}`, html_url: `${w.origin}/${s.repo}/actions/runs/${s.id}`,
    jobs_url: `${w.origin}/repos/${s.repo}/actions/runs/${s.id}/jobs`, logs_url: `${w.origin}/repos/${s.repo}/actions/runs/${s.id}/logs`,
    created_at: t(s.createdAt), updated_at: t(Math.max(s.createdAt, ...runs.map((r) => r.completedAt ?? r.startedAt ?? 0))),
    run_started_at: t(s.createdAt), path: '.github/workflows/ci.yml', pull_requests: w.pullRefs(s.repo, s.headSha),
  };
}

export function wireJob(w: WireCtx, c: CheckRun) {
  return {
    id: c.id, run_id: c.runId, node_id: `J_${c.id}`, head_sha: c.headSha, head_branch: c.headBranch, name: c.name, workflow_name: 'CI',
    status: c.status, conclusion: c.conclusion, created_at: t(c.createdAt), started_at: t(c.startedAt), completed_at: t(c.completedAt),
    url: `${w.origin}/repos/${c.repo}/actions/jobs/${c.id}`, html_url: `${w.origin}/${c.repo}/actions/runs/${c.runId}/job/${c.id}`,
    check_run_url: `${w.origin}/repos/${c.repo}/check-runs/${c.id}`, labels: ['ubuntu-latest'], run_attempt: 1,
    steps: [{ name: `Run ${c.name}`, status: c.status, conclusion: c.conclusion, number: 1, started_at: t(c.startedAt), completed_at: t(c.completedAt) }],
  };
}
