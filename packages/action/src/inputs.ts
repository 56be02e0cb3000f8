import * as core from '@actions/core';
import type { RunnerEnv } from './env';

/** A bad or missing input: the message always starts with the input's name, as a workflow author spells it. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(readonly input: string, message: string) {
    super(`Input "${input}" ${message}`);
  }
}

export const WAIT_MODES = ['none', 'for-plan', 'for-pr', 'done'] as const;
export type WaitMode = (typeof WAIT_MODES)[number];

export const DEFAULT_JULES_API_URL = 'https://jules.googleapis.com/v1alpha';

export interface CommonInputs {
  prompt?: string;
  title?: string;
  /** owner/repo, or undefined for a repoless session (`repo: none`). */
  repo?: string;
  branch?: string;
  requirePlanApproval: boolean;
  autoCreatePr: boolean;
  eventContext: boolean;
  wait: WaitMode;
  timeoutMs: number;
  pollMs: number;
}

export type Inputs =
  | (CommonInputs & {
      mode: 'orchestrator';
      autopilotUrl: string;
      autopilotKey: string;
      template?: string;
      templateVars: Record<string, string>;
      /** The repo input as given (a template launch keeps the template's own repositories without it). */
      repoInput?: string;
      accountId?: string;
    })
  | (CommonInputs & { mode: 'jules'; julesApiKey: string; julesApiUrl: string });

const REPO = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;

function url(name: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InputError(name, 'must be an http(s) URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new InputError(name, 'must be an http(s) URL');
  if (u.username || u.password) throw new InputError(name, 'must not carry credentials (use the key input)');
  return value.replace(/\/+$/, '');
}

function bool(name: string, fallback: boolean): boolean {
  const v = core.getInput(name).trim().toLowerCase();
  if (!v) return fallback;
  if (['true', 'yes', '1', 'on'].includes(v)) return true;
  if (['false', 'no', '0', 'off'].includes(v)) return false;
  throw new InputError(name, `must be true or false (got "${v.slice(0, 20)}")`);
}

function positive(name: string, fallback: number, min: number, max: number): number {
  const raw = core.getInput(name).trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new InputError(name, `must be a number from ${min} to ${max} (got "${raw.slice(0, 20)}")`);
  return n;
}

function vars(name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of core.getMultilineInput(name)) {
    const at = line.indexOf('=');
    const key = at > 0 ? line.slice(0, at).trim() : '';
    if (!key) throw new InputError(name, `must be lines of name=value (bad line: "${line.slice(0, 40)}")`);
    out[key] = line.slice(at + 1).trim();
  }
  return out;
}

/**
 * Reads and checks every input. The keys are masked before anything else happens, so no later message or log
 * line can show them. Throws InputError naming the first bad input.
 */
export function readInputs(env: RunnerEnv): Inputs {
  const autopilotKey = core.getInput('autopilot-key').trim();
  const julesApiKey = core.getInput('jules-api-key').trim();
  if (autopilotKey) core.setSecret(autopilotKey);
  if (julesApiKey) core.setSecret(julesApiKey);

  const autopilotUrl = core.getInput('autopilot-url').trim();
  // Which way first: without a key nothing else matters.
  if (autopilotUrl || autopilotKey) {
    if (julesApiKey) throw new InputError('jules-api-key', 'cannot be combined with autopilot-url: pick one way to start the session');
    if (!autopilotUrl) throw new InputError('autopilot-url', 'is required with autopilot-key');
    if (!autopilotKey) throw new InputError('autopilot-key', 'is required with autopilot-url');
  } else if (!julesApiKey) throw new InputError('jules-api-key', 'is required (or autopilot-url with autopilot-key)');
  const template = core.getInput('template').trim() || undefined;
  const prompt = core.getInput('prompt').trim() || undefined;
  if (!prompt && !template) throw new InputError('prompt', 'is required (or give a template with autopilot-url)');
  if (prompt && prompt.length > 50_000) throw new InputError('prompt', 'is longer than 50000 characters');

  const repoRaw = core.getInput('repo').trim() || env.repository || '';
  const repoless = repoRaw.toLowerCase() === 'none';
  if (!repoless && !repoRaw) throw new InputError('repo', 'is required when GITHUB_REPOSITORY is not set (owner/repo, or "none" for a session without a repository)');
  const repo = repoless ? undefined : repoRaw.replace(/^(sources\/)?github\//, '');
  if (repo !== undefined && !REPO.test(repo)) throw new InputError('repo', `must be owner/repo (got "${repoRaw.slice(0, 60)}")`);
  // A pull_request run's GITHUB_REF_NAME is "<n>/merge", which is not a branch Jules can start from.
  const branch = core.getInput('branch').trim() || env.headRef || env.refName;
  if (repo && !branch) throw new InputError('branch', 'is required when GITHUB_REF_NAME is not set');

  const waitRaw = (core.getInput('wait').trim() || 'none').toLowerCase();
  if (!(WAIT_MODES as readonly string[]).includes(waitRaw)) throw new InputError('wait', `must be one of ${WAIT_MODES.join(', ')} (got "${waitRaw.slice(0, 20)}")`);

  const common: CommonInputs = {
    prompt,
    title: core.getInput('title').trim() || undefined,
    repo,
    branch: repo ? branch : undefined,
    requirePlanApproval: bool('require-plan-approval', false),
    autoCreatePr: bool('auto-create-pr', true),
    eventContext: bool('event-context', true),
    wait: waitRaw as WaitMode,
    timeoutMs: Math.round(positive('timeout-minutes', 30, 0.1, 360) * 60_000),
    pollMs: Math.round(positive('poll-interval-seconds', 10, 0.1, 300) * 1000),
  };
  if (common.title && common.title.length > 300) throw new InputError('title', 'is longer than 300 characters');

  if (autopilotUrl) {
    return {
      ...common,
      mode: 'orchestrator',
      autopilotUrl: url('autopilot-url', autopilotUrl),
      autopilotKey,
      template,
      templateVars: vars('template-vars'),
      repoInput: core.getInput('repo').trim() ? repo : undefined,
      accountId: core.getInput('account-id').trim() || undefined,
    };
  }
  if (template) throw new InputError('template', 'needs autopilot-url: templates live on the orchestrator');
  return { ...common, mode: 'jules', julesApiKey, julesApiUrl: url('jules-api-url', core.getInput('jules-api-url').trim() || DEFAULT_JULES_API_URL) };
}
