import type { Context, Hono } from 'hono';
import { isoSeconds } from '../clock.ts';
import { notFound } from '../errors.ts';
import { paginate, param, type ApiHandler } from '../http.ts';
import type { GitHubState } from '../state.ts';
import { wireCheckRun, wireJob, wireSuite, wireWorkflowRun } from '../wire.ts';

type Api = (route: string, h: ApiHandler) => any;

/** Checks, the combined status, and Actions workflow runs, jobs and job logs. */
export function registerCheckRoutes(app: Hono, api: Api, s: GitHubState): void {
  const repoOf = (c: Context) => s.repo(param(c, 'owner'), param(c, 'repo'));
  const CR = '/repos/:owner/:repo/commits/:ref/check-runs';
  app.get(CR, api(CR, (c) => {
    const r = repoOf(c);
    const name = c.req.query('check_name');
    const status = c.req.query('status');
    const runs = s.checkRuns(r, s.resolve(r, param(c, 'ref'))).filter((x) => (!name || x.name === name) && (!status || x.status === status));
    const page = paginate(c, runs);
    return { body: { total_count: runs.length, check_runs: page.items.map((x) => wireCheckRun(s, x)) }, headers: page.headers };
  }));
  const CS = '/repos/:owner/:repo/commits/:ref/check-suites';
  app.get(CS, api(CS, (c) => {
    const r = repoOf(c);
    const sha = s.resolve(r, param(c, 'ref'));
    const suites = s.suitesOf(r).filter((x) => x.headSha === sha);
    return { body: { total_count: suites.length, check_suites: suites.map((x) => wireSuite(s, x, s.suiteRuns(x))) } };
  }));
  const ST = '/repos/:owner/:repo/commits/:ref/status';
  app.get(ST, api(ST, (c) => {
    const r = repoOf(c);
    const sha = s.resolve(r, param(c, 'ref'));
    // CI mirrors each check as a legacy commit status `ci/<name>`, as external CI services post them.
    const statuses = s.checkRuns(r, sha).map((x) => {
      const state = x.status !== 'completed' ? 'pending' : x.conclusion === 'success' ? 'success' : 'failure';
      return {
        id: x.id, node_id: `SC_${x.id}`, state, context: `ci/${x.name}`, description: state === 'pending' ? 'Running' : `${x.name}: ${state}`,
        target_url: `${s.origin}/${r.owner}/${r.name}/actions/runs/${x.runId}/job/${x.id}`,
        created_at: isoSeconds(x.createdAt), updated_at: isoSeconds(x.completedAt ?? x.startedAt ?? x.createdAt),
      };
    });
    const state = statuses.some((x) => x.state === 'failure') ? 'failure' : statuses.length && statuses.every((x) => x.state === 'success') ? 'success' : 'pending';
    return { body: { state, sha, total_count: statuses.length, statuses, repository: { full_name: `${r.owner}/${r.name}` }, commit_url: `${s.origin}/repos/${r.owner}/${r.name}/commits/${sha}` } };
  }));
  const AN = '/repos/:owner/:repo/check-runs/:id/annotations';
  app.get(AN, api(AN, (c) => {
    const r = repoOf(c);
    const run = s.runs.get(Number(param(c, 'id')));
    if (!run || run.repo !== `${r.owner}/${r.name}`) throw notFound();
    const page = paginate(c, run.annotations);
    return {
      body: page.items.map((a) => ({ ...a, title: a.title ?? null, start_column: null, end_column: null, raw_details: null, blob_href: `${s.origin}/${run.repo}/blob/${run.headSha}/${a.path}` })),
      headers: page.headers,
    };
  }));
  const RUNS = '/repos/:owner/:repo/actions/runs';
  app.get(RUNS, api(RUNS, (c) => {
    const r = repoOf(c);
    const { branch, head_sha: headSha, status, event } = c.req.query();
    const list = s.suitesOf(r).map((x) => wireWorkflowRun(s, x, s.suiteRuns(x)))
      .filter((x) => (!branch || x.head_branch === branch) && (!headSha || x.head_sha === headSha) && (!event || x.event === event))
      .filter((x) => !status || x.status === status || x.conclusion === status)
      .reverse();
    const page = paginate(c, list);
    return { body: { total_count: list.length, workflow_runs: page.items }, headers: page.headers };
  }));
  const RUN = `${RUNS}/:id`;
  app.get(RUN, api(RUN, (c) => {
    const suite = s.suites.get(Number(param(c, 'id')));
    const r = repoOf(c);
    if (!suite || suite.repo !== `${r.owner}/${r.name}`) throw notFound();
    return { body: wireWorkflowRun(s, suite, s.suiteRuns(suite)) };
  }));
  const JOBS = `${RUN}/jobs`;
  app.get(JOBS, api(JOBS, (c) => {
    const suite = s.suites.get(Number(param(c, 'id')));
    const r = repoOf(c);
    if (!suite || suite.repo !== `${r.owner}/${r.name}`) throw notFound();
    const jobs = s.suiteRuns(suite);
    const page = paginate(c, jobs);
    return { body: { total_count: jobs.length, jobs: page.items.map((x) => wireJob(s, x)) }, headers: page.headers };
  }));
  const LOGS = '/repos/:owner/:repo/actions/jobs/:id/logs';
  app.get(LOGS, api(LOGS, (c) => {
    const r = repoOf(c);
    const run = s.runs.get(Number(param(c, 'id')));
    if (!run || run.repo !== `${r.owner}/${r.name}`) throw notFound();
    // GitHub redirects to a short-lived blob URL; the text itself, with 200, is what clients end up reading.
    return { raw: run.status === 'completed' ? run.log : run.log.split('\n').slice(0, 3).join('\n'), type: 'text/plain; charset=utf-8' };
  }));
}
