import type { CiRun, PullRequest } from '@autopilot/contracts';
import type { Logger } from '../../platform/logger';
import type { GitHubClient } from '../github';
import { cut, logTail, type Annotation, type Diagnosis, type JobLog } from './autofix.text';

/** Conclusions that make a check "failed" (as ChecksState counts them). */
export const FAILED_CONCLUSIONS: ReadonlySet<string> = new Set(['failure', 'timed_out', 'cancelled', 'action_required']);
/** Bounds on what one diagnosis reads from GitHub (each is one request). */
const MAX_ANNOTATED_RUNS = 5;
const MAX_WORKFLOW_RUNS = 3;
const MAX_JOB_LOGS = 3;

const split = (repo: string) => {
  const [owner, name] = repo.split('/') as [string, string];
  return { owner, repo: name };
};

/** The failing check runs of the head: the newest run of each check name, failed. */
export function failingRuns(runs: readonly CiRun[], headSha: string): CiRun[] {
  const seen = new Set<string>();
  const out: CiRun[] = [];
  for (const r of runs) {
    if (r.headSha !== headSha || seen.has(r.name)) continue;
    seen.add(r.name);
    if (r.status === 'completed' && r.conclusion && FAILED_CONCLUSIONS.has(r.conclusion)) out.push(r);
  }
  return out;
}

/**
 * Reads why the head failed: each failing check run's annotations, and the log tails of the failing jobs of the
 * head's workflow runs. A request that fails leaves its part out (logged): a shorter diagnosis beats none.
 */
export async function diagnose(client: GitHubClient | null, pull: PullRequest, failed: CiRun[], log: Logger): Promise<Diagnosis> {
  const d: Diagnosis = {
    repo: pull.repo, number: pull.number, headSha: pull.headSha, headRef: pull.headRef,
    failed: failed.map((r) => ({ name: r.name, conclusion: r.conclusion ?? 'failure' })), annotations: [], logs: [],
  };
  if (!client) return d;
  const where = split(pull.repo);
  const gh = client.octokit;
  for (const run of failed.slice(0, MAX_ANNOTATED_RUNS)) {
    try {
      const { data } = await gh.rest.checks.listAnnotations({ ...where, check_run_id: run.checkRunId, per_page: 50 });
      for (const a of data) {
        if (a.annotation_level && a.annotation_level !== 'failure' && a.annotation_level !== 'warning') continue;
        d.annotations.push({ path: String(a.path ?? ''), line: typeof a.start_line === 'number' ? a.start_line : null, message: cut(String(a.message ?? a.title ?? ''), 300) } satisfies Annotation);
      }
    } catch (err) {
      log.debug({ repo: pull.repo, pr: pull.number, checkRunId: run.checkRunId, err: (err as Error).message }, 'autofix: annotations not read');
    }
  }
  try {
    const { data } = await gh.rest.actions.listWorkflowRunsForRepo({ ...where, head_sha: pull.headSha, per_page: 20 });
    const runs = data.workflow_runs.filter((r) => r.head_sha === pull.headSha && r.conclusion && FAILED_CONCLUSIONS.has(r.conclusion)).slice(0, MAX_WORKFLOW_RUNS);
    for (const wr of runs) {
      if (d.logs.length >= MAX_JOB_LOGS) break;
      const jobs = (await gh.rest.actions.listJobsForWorkflowRun({ ...where, run_id: wr.id, per_page: 50 })).data.jobs;
      for (const job of jobs.filter((j) => j.conclusion && FAILED_CONCLUSIONS.has(j.conclusion))) {
        if (d.logs.length >= MAX_JOB_LOGS) break;
        try {
          const res = await gh.rest.actions.downloadJobLogsForWorkflowRun({ ...where, job_id: job.id });
          const raw = res.data as unknown;
          const text = typeof raw === 'string' ? raw : raw instanceof ArrayBuffer ? new TextDecoder().decode(raw) : '';
          const lines = logTail(text);
          if (lines.length) d.logs.push({ name: job.name, lines } satisfies JobLog);
        } catch (err) {
          log.debug({ repo: pull.repo, pr: pull.number, jobId: job.id, err: (err as Error).message }, 'autofix: job log not read');
        }
      }
    }
  } catch (err) {
    log.debug({ repo: pull.repo, pr: pull.number, err: (err as Error).message }, 'autofix: workflow runs not read');
  }
  return d;
}
