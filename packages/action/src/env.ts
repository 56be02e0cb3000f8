/**
 * The one place the action reads the runner's environment (besides @actions/core, which reads INPUT_* itself).
 * GitHub sets these for every step: https://docs.github.com/actions/reference/variables-reference
 */
export interface RunnerEnv {
  repository?: string;
  refName?: string;
  headRef?: string;
  eventName?: string;
  eventPath?: string;
  serverUrl: string;
  runId?: string;
  runAttempt?: string;
  workflow?: string;
  job?: string;
  action?: string;
  sha?: string;
}

const nonEmpty = (v: string | undefined) => (v && v.trim() ? v.trim() : undefined);

/** Reads the GitHub runner variables the action uses; empty values count as unset. */
// eslint-disable-next-line no-restricted-properties -- an action's configuration is its environment; this is the one read
export function readRunnerEnv(env: NodeJS.ProcessEnv = process.env): RunnerEnv {
  return {
    repository: nonEmpty(env.GITHUB_REPOSITORY),
    refName: nonEmpty(env.GITHUB_REF_NAME),
    headRef: nonEmpty(env.GITHUB_HEAD_REF),
    eventName: nonEmpty(env.GITHUB_EVENT_NAME),
    eventPath: nonEmpty(env.GITHUB_EVENT_PATH),
    serverUrl: (nonEmpty(env.GITHUB_SERVER_URL) ?? 'https://github.com').replace(/\/+$/, ''),
    runId: nonEmpty(env.GITHUB_RUN_ID),
    runAttempt: nonEmpty(env.GITHUB_RUN_ATTEMPT),
    workflow: nonEmpty(env.GITHUB_WORKFLOW),
    job: nonEmpty(env.GITHUB_JOB),
    action: nonEmpty(env.GITHUB_ACTION),
    sha: nonEmpty(env.GITHUB_SHA),
  };
}

/** The link to this workflow run, when the runner says which run it is. */
export function runUrl(e: RunnerEnv): string | undefined {
  return e.repository && e.runId ? `${e.serverUrl}/${e.repository}/actions/runs/${e.runId}` : undefined;
}
