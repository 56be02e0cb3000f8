import { ApiError, createClient } from '@autopilot/client';
import type { Inputs } from './inputs';
import { RemoteError, safeUrl, type Backend, type SessionView } from './session';
import * as core from '@actions/core';
import type { RunnerEnv } from './env';

type OrchestratorInputs = Extract<Inputs, { mode: 'orchestrator' }>;

/** The orchestrator's error in the workflow author's terms, without the request (which carries the key). */
function remote(err: unknown, what: string): RemoteError {
  if (err instanceof ApiError) {
    const fields = err.issues.map((x) => `${x.path}: ${x.message}`).join('; ');
    const hint = err.status === 401 ? ' (check the autopilot-key input: the orchestrator refused the key)' : err.status === 403 ? ' (the autopilot-key lacks the role for this; a member key is needed)' : '';
    return new RemoteError(`Orchestrator: could not ${what}: HTTP ${err.status || 'no answer'} ${err.message}${fields ? ` (${fields})` : ''}${hint}`, err.status, err.retryable, err.retryAfterMs);
  }
  return new RemoteError(`Orchestrator: could not ${what}: ${(err as Error)?.message ?? String(err)}`, 0, true);
}

async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw remote(err, what);
  }
}

interface Queued { kind: 'dispatch'; id: string; state: string; sessionId: string | null; error: string | null; position: number | null; waitingFor: string | null }
const isQueued = (v: unknown): v is Queued => typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'dispatch';
const lineText = (q: Pick<Queued, 'state' | 'position' | 'waitingFor' | 'error'>) =>
  q.state === 'failed' ? `failed: ${q.error ?? 'no reason given'}` : [q.state, q.position ? `#${q.position} in line` : '', q.waitingFor ? `waiting for ${q.waitingFor.replace('_', ' ')}` : ''].filter(Boolean).join(', ');

/**
 * Through the orchestrator: the create goes through its dispatcher (POST /api/sessions, or a template launch, which
 * is a one-item batch), so the Jules account's plan limits, the keeper and the audit trail all apply.
 */
export function orchestratorBackend(i: OrchestratorInputs, env: RunnerEnv, doFetch?: typeof fetch): Backend {
  const client = createClient({ baseUrl: i.autopilotUrl, apiKey: i.autopilotKey, fetch: doFetch });
  const dashboard = (id: string) => `${i.autopilotUrl}/sessions/${encodeURIComponent(id)}`;
  const view = (s: { id: string; julesId: string; state: string; title: string; prUrl: string | null; url: string | null }): SessionView => ({
    id: s.id, julesId: s.julesId, state: s.state, title: s.title, prUrl: safeUrl(s.prUrl), sessionUrl: safeUrl(s.url), dashboardUrl: dashboard(s.id),
  });

  async function launchTemplate(name: string) {
    const all = await attempt('list the templates', () => client.templates.all());
    const t = all.find((x) => x.id === name) ?? all.find((x) => x.name === name);
    if (!t) throw new RemoteError(`Input "template": no template "${name}" in the key's workspace (known: ${all.map((x) => x.name).slice(0, 10).join(', ') || 'none'})`, 404, false);
    // The same run, attempt and step launch once, whatever retries happen in between.
    const key = env.runId ? ['github-action', env.repository, env.runId, env.runAttempt ?? '1', env.job, env.action].filter(Boolean).join(':') : undefined;
    const batch = await attempt(`launch template "${t.name}"`, () =>
      client.templates.launch(t.id, { values: i.templateVars, ...(i.repoInput ? { sources: [i.repoInput] } : {}), ...(i.accountId ? { accountId: i.accountId } : {}), ...(key ? { idempotencyKey: key.slice(0, 200) } : {}) }),
    );
    const item = batch.items[0];
    if (!item) throw new RemoteError(`Orchestrator: template "${t.name}" launched no session (batch ${batch.id})`, 200, false);
    if (batch.items.length > 1) core.info(`The template launched ${batch.items.length} sessions (batch ${batch.id}); the action follows the first.`);
    return item;
  }

  return {
    kind: 'orchestrator',
    async start(prompt) {
      if (i.template) {
        const item = await launchTemplate(i.template);
        if (item.sessionId) return { session: await this.get(item.sessionId) };
        if (item.state === 'failed') throw new RemoteError(`Orchestrator: the create failed: ${item.error ?? 'no reason given'}`, 200, false);
        return { queued: { dispatchId: item.intentId, text: lineText(item) } };
      }
      const created = await attempt('create the session', () =>
        client.sessions.create({
          prompt: prompt ?? '',
          ...(i.title ? { title: i.title } : {}),
          ...(i.repo ? { source: i.repo, startingBranch: i.branch } : {}),
          requirePlanApproval: i.requirePlanApproval,
          autoCreatePr: i.autoCreatePr,
          ...(i.accountId ? { accountId: i.accountId } : {}),
        }),
      );
      if (isQueued(created)) return created.sessionId ? { session: await this.get(created.sessionId) } : { queued: { dispatchId: created.id, text: lineText(created) } };
      return { session: view(created) };
    },
    async get(id) {
      return view(await attempt(`read session ${id}`, () => client.sessions.get(id)));
    },
    async queued(dispatchId) {
      const q = await attempt(`read dispatch ${dispatchId}`, () => client.dispatch.intent(dispatchId));
      return { sessionId: q.sessionId ?? undefined, failed: q.state === 'failed' || q.state === 'cancelled' ? lineText(q) : undefined, text: lineText(q) };
    },
  };
}
