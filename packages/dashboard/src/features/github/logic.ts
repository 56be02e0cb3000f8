import type { ChecksState, CiConclusion, CiRun, PullRequest, ReviewDecision } from '@autopilot/contracts';

/*
 * Pure logic of the GitHub views: what a PR's state, checks, review and mergeability look like (label + tone), CI
 * filters in the URL, and durations. Kept out of the components so it is unit-tested.
 */

export type Tone = 'ok' | 'bad' | 'warn' | 'info' | 'muted';
export interface Badge {
  label: string;
  tone: Tone;
  /** A longer explanation for a tooltip / screen readers. */
  title: string;
}

/** open / draft / merged / closed. */
export function prStateBadge(pr: Pick<PullRequest, 'state' | 'draft'>): Badge {
  if (pr.state === 'merged') return { label: 'merged', tone: 'info', title: 'Merged' };
  if (pr.state === 'closed') return { label: 'closed', tone: 'muted', title: 'Closed without merging' };
  if (pr.draft) return { label: 'draft', tone: 'muted', title: 'Open as a draft' };
  return { label: 'open', tone: 'ok', title: 'Open' };
}

const CHECKS: Record<ChecksState, Badge> = {
  none: { label: 'no checks', tone: 'muted', title: 'No checks reported on the head commit yet' },
  pending: { label: 'checks running', tone: 'warn', title: 'At least one check is still running and none failed' },
  failure: { label: 'checks failed', tone: 'bad', title: 'At least one check failed' },
  success: { label: 'checks passed', tone: 'ok', title: 'Every check passed' },
};
export const checksBadge = (c: ChecksState): Badge => CHECKS[c] ?? CHECKS.none;

const REVIEW: Record<ReviewDecision, Badge> = {
  none: { label: 'no review', tone: 'muted', title: 'No review yet' },
  approved: { label: 'approved', tone: 'ok', title: 'Approved' },
  changes_requested: { label: 'changes requested', tone: 'bad', title: 'A reviewer requested changes' },
  review_required: { label: 'review required', tone: 'warn', title: 'The repository requires more reviews' },
};
export const reviewBadge = (r: ReviewDecision): Badge => REVIEW[r] ?? REVIEW.none;

/** clean / conflict / blocked (or "checking" while GitHub computes it); null for PRs that are no longer open. */
export function mergeBadge(pr: Pick<PullRequest, 'state' | 'mergeable' | 'mergeableState'>): Badge | null {
  if (pr.state !== 'open') return null;
  const s = (pr.mergeableState ?? '').toLowerCase();
  if (s === 'dirty' || pr.mergeable === false) return { label: 'conflict', tone: 'bad', title: 'Conflicts with the base branch: it needs a rebase' };
  if (s === 'clean') return { label: 'clean', tone: 'ok', title: 'Can be merged' };
  if (s === 'blocked') return { label: 'blocked', tone: 'warn', title: 'Blocked by branch protection (required checks or reviews)' };
  if (s === 'unstable') return { label: 'unstable', tone: 'warn', title: 'Mergeable, but some checks are not passing' };
  if (s === 'behind') return { label: 'behind', tone: 'warn', title: 'The head branch is behind the base branch' };
  if (s === 'draft') return { label: 'draft', tone: 'muted', title: 'Drafts cannot be merged' };
  if (pr.mergeable === null || s === '' || s === 'unknown') return { label: 'checking', tone: 'muted', title: 'GitHub is still computing mergeability' };
  return { label: s, tone: 'muted', title: `mergeable_state: ${s}` };
}

export type RunPhase = 'pending' | 'passed' | 'failed' | 'neutral';
const FAILED: readonly CiConclusion[] = ['failure', 'timed_out', 'cancelled', 'action_required'];

/** The phase of one check run: running (queued/in progress), passed, failed, or neither (neutral, skipped, stale). */
export function runPhase(r: Pick<CiRun, 'status' | 'conclusion'>): RunPhase {
  if (r.status !== 'completed' || r.conclusion === null) return 'pending';
  if (r.conclusion === 'success') return 'passed';
  if (FAILED.includes(r.conclusion)) return 'failed';
  return 'neutral';
}

export function runBadge(r: Pick<CiRun, 'status' | 'conclusion'>): Badge {
  const phase = runPhase(r);
  if (phase === 'pending') return { label: r.status === 'queued' ? 'queued' : 'running', tone: 'warn', title: r.status === 'queued' ? 'Queued' : 'In progress' };
  const c = r.conclusion ?? 'neutral';
  const label = c.replace(/_/g, ' ');
  return { label, tone: phase === 'passed' ? 'ok' : phase === 'failed' ? 'bad' : 'muted', title: `Completed: ${label}` };
}

/** "850 ms", "42 s", "3 min 5 s", "1 h 2 min", or "—". */
export function runDuration(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v) || v < 0) return '—';
  if (v < 1000) return `${Math.round(v)} ms`;
  const s = Math.round(v / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

export const shortSha = (sha: string | null | undefined): string => (sha ? sha.slice(0, 7) : '—');

/** A 0..1 rate as a whole percent ("64%"), or "—" with no finished run. */
export function percent(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${Math.round(v * 100)}%`;
}

export interface CiFilter {
  repo: string;
  pr: string;
  sessionId: string;
  conclusion: string;
}
export const CI_FILTER_KEYS = ['repo', 'pr', 'sessionId', 'conclusion'] as const;

/** The CI page's filters from its URL (unknown or malformed values are dropped, so a bad link never 400s). */
export function ciFilterFrom(q: URLSearchParams): CiFilter {
  const repo = q.get('repo')?.trim() ?? '';
  const pr = q.get('pr')?.trim() ?? '';
  const conclusion = q.get('conclusion') ?? '';
  return {
    repo: /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/.test(repo) ? repo : '',
    pr: /^[1-9]\d{0,9}$/.test(pr) ? pr : '',
    sessionId: (q.get('sessionId') ?? '').trim().slice(0, 200),
    conclusion: CONCLUSIONS.includes(conclusion as CiConclusion) ? conclusion : '',
  };
}

export const CONCLUSIONS: readonly CiConclusion[] = ['success', 'failure', 'neutral', 'cancelled', 'skipped', 'timed_out', 'action_required', 'stale'];

/** The query the API takes for a filter (empty fields left out). */
export function ciQueryOf(f: CiFilter): { repo?: string; pr?: number; sessionId?: string; conclusion?: CiConclusion } {
  return {
    ...(f.repo && { repo: f.repo }),
    ...(f.pr && { pr: Number(f.pr) }),
    ...(f.sessionId && { sessionId: f.sessionId }),
    ...(f.conclusion && { conclusion: f.conclusion as CiConclusion }),
  };
}

/** The URL search string of a filter ('' when nothing is filtered). */
export function ciSearchOf(f: CiFilter): string {
  const p = new URLSearchParams();
  for (const k of CI_FILTER_KEYS) if (f[k]) p.set(k, f[k]);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** One PR per session for the board: the open one first, else the most recently changed. */
export function pullsBySession(items: readonly PullRequest[]): Map<string, PullRequest> {
  const out = new Map<string, PullRequest>();
  for (const pr of items) {
    if (!pr.sessionId) continue;
    const cur = out.get(pr.sessionId);
    if (!cur || (cur.state !== 'open' && pr.state === 'open') || (cur.state === pr.state && pr.updatedAt > cur.updatedAt)) out.set(pr.sessionId, pr);
  }
  return out;
}

/**
 * The chart's days: every UTC day from `days` before `today` (or the first day with runs, if earlier) to today,
 * with zeros where nothing ran, so one busy day shows as one bar among its neighbours, not a full-width block.
 */
export function padDays<T extends { day: string; passed: number; failed: number }>(rows: readonly T[], today: string, days = 14): Array<{ day: string; passed: number; failed: number }> {
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const end = Date.parse(`${today}T00:00:00.000Z`);
  if (Number.isNaN(end)) return rows.map(({ day, passed, failed }) => ({ day, passed, failed }));
  const first = rows.length ? Math.min(Date.parse(`${rows[0].day}T00:00:00.000Z`), end - (days - 1) * 86_400_000) : end - (days - 1) * 86_400_000;
  const out: Array<{ day: string; passed: number; failed: number }> = [];
  // At most a year of bars: older days with runs stay in the totals, not in the chart.
  for (let t = Math.max(first, end - 365 * 86_400_000); t <= end; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    const r = byDay.get(day);
    out.push({ day, passed: r?.passed ?? 0, failed: r?.failed ?? 0 });
  }
  return out;
}

/** A webhook URL as GitHub needs it: absolute (the server answers a path when it has no public URL configured). */
export const absoluteUrl = (url: string, origin: string): string => (url.startsWith('/') ? origin.replace(/\/+$/, '') + url : url);

/** Runs of one head commit, one per check name (the newest), running first, then failed, then the rest by name. */
export function latestRuns(runs: readonly CiRun[]): CiRun[] {
  const byName = new Map<string, CiRun>();
  for (const r of runs) {
    const cur = byName.get(r.name);
    if (!cur || (r.startedAt ?? '') > (cur.startedAt ?? '') || (r.startedAt === cur.startedAt && r.checkRunId > cur.checkRunId)) byName.set(r.name, r);
  }
  const rank: Record<RunPhase, number> = { pending: 0, failed: 1, passed: 2, neutral: 3 };
  return [...byName.values()].sort((a, b) => rank[runPhase(a)] - rank[runPhase(b)] || a.name.localeCompare(b.name));
}
