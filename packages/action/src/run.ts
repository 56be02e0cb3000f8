import * as core from '@actions/core';
import { buildPrompt, readEvent } from './context';
import { readRunnerEnv } from './env';
import { InputError, readInputs, type Inputs } from './inputs';
import { julesBackend } from './jules';
import { orchestratorBackend } from './orchestrator';
import { RemoteError, type Backend, type SessionView, type Started } from './session';
import { writeSummary } from './summary';
import { waitForDispatch, waitForSession, WaitError } from './wait';

function setOutputs(s: SessionView | undefined, dispatchId?: string) {
  core.setOutput('session-id', s?.id ?? '');
  core.setOutput('jules-session-id', s?.julesId ?? '');
  core.setOutput('state', s?.state ?? (dispatchId ? 'DISPATCH_QUEUED' : ''));
  core.setOutput('pr-url', s?.prUrl ?? '');
  core.setOutput('session-url', s?.sessionUrl ?? '');
  core.setOutput('dashboard-url', s?.dashboardUrl ?? '');
  core.setOutput('dispatch-id', dispatchId ?? '');
}

/** A 429 on create means nothing was created: waiting it out and trying again is safe (other errors are not). */
async function startWithRetry(b: Backend, prompt: string | undefined): Promise<Started> {
  for (let tries = 1; ; tries++) {
    try {
      return await b.start(prompt);
    } catch (err) {
      if (!(err instanceof RemoteError) || err.status !== 429 || tries >= 3) throw err;
      const ms = Math.min(60_000, err.retryAfterMs ?? 5_000 * tries);
      core.warning(`${err.message}; trying again in ${Math.round(ms / 1000)} s`);
      await new Promise((r) => setTimeout(r, ms));
    }
  }
}

/** The prompt's first line, cut at a word near 80 characters. */
export function titleFrom(prompt: string): string {
  const line = prompt.split('\n').find((l) => l.trim())?.trim() ?? prompt.trim();
  if (line.length <= 80) return line;
  const cut = line.slice(0, 80);
  return `${cut.slice(0, cut.lastIndexOf(' ') > 40 ? cut.lastIndexOf(' ') : 80)}…`;
}

function checkCombination(i: Inputs) {
  if (i.wait === 'for-pr' && !i.autoCreatePr) throw new InputError('wait', 'for-pr needs auto-create-pr: true (Jules opens no pull request otherwise)');
  if (i.wait === 'for-pr' && !i.repo && !(i.mode === 'orchestrator' && i.template)) throw new InputError('wait', 'for-pr needs a repository (repo is "none")');
}

/** The action: read inputs, start the session, optionally wait, set outputs and the job summary. */
export async function run(): Promise<void> {
  const env = readRunnerEnv();
  let inputs: Inputs;
  try {
    inputs = readInputs(env);
    checkCombination(inputs);
  } catch (err) {
    core.setFailed((err as Error).message);
    return;
  }

  let prompt = inputs.prompt;
  if (prompt && inputs.eventContext) {
    const ev = readEvent(env.eventPath);
    if (ev.problem) core.warning(ev.problem);
    const withContext = buildPrompt(prompt, env, ev.payload);
    // Jules titles a session from its prompt; the appended context would crowd out the request itself.
    if (withContext !== prompt && !inputs.title) inputs.title = titleFrom(prompt);
    prompt = withContext;
  }

  const backend = inputs.mode === 'orchestrator' ? orchestratorBackend(inputs, env) : julesBackend(inputs);
  const summaryBase = { mode: inputs.mode, repo: inputs.repo, branch: inputs.branch, wait: inputs.wait };
  let session: SessionView | undefined;
  let dispatchId: string | undefined;
  try {
    const started = await startWithRetry(backend, prompt);
    if (started.queued) {
      dispatchId = started.queued.dispatchId;
      core.info(`The orchestrator queued the create (dispatch ${dispatchId}): ${started.queued.text}`);
      if (inputs.wait !== 'none') {
        const id = await waitForDispatch(backend, dispatchId, inputs);
        session = await backend.get(id);
      }
    } else {
      session = started.session;
    }
    if (session) {
      core.info(`Started Jules session ${session.id} (${session.state})${session.sessionUrl ? `: ${session.sessionUrl}` : ''}`);
      if (inputs.wait !== 'none') session = await waitForSession(backend, session, inputs);
    }
    setOutputs(session, dispatchId);
    if (session?.prUrl) core.info(`Pull request: ${session.prUrl}`);
    await writeSummary({ ...summaryBase, session, dispatchId });
  } catch (err) {
    if (err instanceof WaitError && err.last) session = err.last;
    const message = (err as Error)?.message ?? String(err);
    setOutputs(session, dispatchId);
    await writeSummary({ ...summaryBase, session, dispatchId, problem: message }).catch((e) => core.warning(`could not write the job summary: ${(e as Error).message}`));
    core.setFailed(message);
  }
}
