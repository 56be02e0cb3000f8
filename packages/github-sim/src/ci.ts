import type { Annotation, CheckRun, CiOutcome, Repo, Suite } from './types.ts';
import type { Ids } from './ids.ts';

export const DEFAULT_CI: CiOutcome = { conclusion: 'success', delaySeconds: 30, checks: ['build', 'test'], annotations: [] };

/** The check runs (one per job) and the suite/workflow run CI starts for a pushed commit. */
export function startCi(ids: Ids, repo: Repo, sha: string, branch: string, ci: CiOutcome, now: number, runNumber: number, event: string): { suite: Suite; runs: CheckRun[] } {
  const suite: Suite = { id: ids.id(), repo: `${repo.owner}/${repo.name}`, headSha: sha, headBranch: branch, event, runNumber, createdAt: now, runs: [] };
  const runs = ci.checks.map((name) => {
    const run: CheckRun = {
      id: ids.id(), repo: suite.repo, headSha: sha, headBranch: branch, name, suiteId: suite.id, runId: suite.id,
      status: 'queued', conclusion: null, createdAt: now, startsAt: now, completesAt: null,
      final: 'success', annotations: [], log: '', summary: '',
    };
    applyOutcome(run, ci, now);
    suite.runs.push(run.id);
    return run;
  });
  return { suite, runs };
}

/** (Re)plans an incomplete run for an outcome: a changed CI setting also steers runs already under way. */
export function applyOutcome(run: CheckRun, ci: CiOutcome, now: number): void {
  const fails = ci.conclusion === 'failure' && (ci.failing?.length ? ci.failing.includes(run.name) : run.name === ci.checks[ci.checks.length - 1]);
  run.final = fails ? 'failure' : 'success';
  const delay = ci.delaySeconds * 1000;
  // Queued for the first part of the delay (at most a second), then in progress.
  run.startsAt = Math.max(run.createdAt, Math.min(now + Math.min(1000, delay / 2), now + delay));
  run.completesAt = ci.conclusion === 'pending' ? null : now + delay;
  run.annotations = fails ? ci.annotations.map((a: Annotation) => ({ ...a })) : [];
  run.summary = fails ? `${ci.annotations.length} error(s) in ${run.name}` : `${run.name} passed`;
  run.log = jobLog(run, fails, ci.logTail);
}

function jobLog(run: CheckRun, fails: boolean, tail: string | undefined): string {
  const lines = [
    `2024-01-01T00:00:00.0000000Z ##[group]Run ${run.name}`,
    `2024-01-01T00:00:01.0000000Z npm run ${run.name}`,
    '2024-01-01T00:00:02.0000000Z ##[endgroup]',
  ];
  if (fails) {
    for (const a of run.annotations) lines.push(`2024-01-01T00:00:03.0000000Z ##[error]${a.path}:${a.start_line} ${a.message}`);
    if (tail) lines.push(...tail.split('\n'));
    lines.push('2024-01-01T00:00:04.0000000Z ##[error]Process completed with exit code 1.');
  } else {
    lines.push(`2024-01-01T00:00:04.0000000Z ${run.name}: all good`);
  }
  return `${lines.join('\n')}\n`;
}

/** Moves a run along the clock; true when it completed in this step. */
export function advanceRun(run: CheckRun, now: number): boolean {
  if (run.status === 'completed') return false;
  if (run.status === 'queued' && now >= run.startsAt) {
    run.status = 'in_progress';
    run.startedAt = run.startsAt;
  }
  if (run.completesAt !== null && now >= run.completesAt) {
    run.startedAt ??= run.startsAt;
    run.status = 'completed';
    run.conclusion = run.final;
    run.completedAt = run.completesAt;
    return true;
  }
  return false;
}

/** A suite's (or workflow run's) status and conclusion from its runs, GitHub's way. */
export function suiteState(runs: CheckRun[]): { status: CheckRun['status']; conclusion: CheckRun['conclusion'] } {
  if (runs.some((r) => r.status !== 'completed')) return { status: runs.some((r) => r.status === 'in_progress') ? 'in_progress' : 'queued', conclusion: null };
  return { status: 'completed', conclusion: runs.some((r) => r.conclusion === 'failure') ? 'failure' : 'success' };
}
