import { randomUUID } from 'node:crypto';
import type { KeeperActionKind, KeeperSettings } from '@autopilot/contracts';
import type { Clock } from '../../platform/clock';
import type { EventBus } from '../../platform/events/bus';
import type { Logger } from '../../platform/logger';
import type { Counter } from 'prom-client';
import type { KeeperStore, ActionRow } from './keeper.store';
import type { KeeperMirror } from './keeper.mirror';
import { toKeeperActivity } from './keeper.mirror';
import { resolveSuperseded } from './keeper.resolve';
import { recoveryMarker, recoveryPrompt, type Supervisor } from './keeper.supervisor';
import { CALLS_JULES, type Decision, type HistoryEntry, type KeeperActivity, type KeeperSession, type NotificationDraft } from './keeper.types';

export interface LedgerDeps {
  store: KeeperStore;
  mirror: KeeperMirror;
  supervisor: Supervisor;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  instanceId: string;
  actions?: Counter<'action' | 'outcome'>;
  /** A pending row younger than this may still be in flight somewhere; older ones are reconciled. */
  pendingStaleMs: number;
  /**
   * Checked right before a Jules call: false = do not send (this instance lost the workspace's lease, or since the
   * tick read its settings the keeper was switched off or the session paused).
   */
  mayAct?: (sessionId: string) => Promise<boolean>;
}

export const toHistory = (r: ActionRow): HistoryEntry => ({
  kind: r.kind as KeeperActionKind,
  trigger: r.trigger,
  status: r.status as HistoryEntry['status'],
  attempts: Number(r.attempts),
  createdAtMs: Number(r.created_at),
  settledAtMs: r.settled_at === null ? null : Number(r.settled_at),
  error: r.error,
});

const NOT_SENT = 'lease lost, keeper disabled or session paused before the call; not sent';

/**
 * A question the rules could not place: the supervisor's classifier decides, and anything but a clear "the agent
 * may decide" (including a failure) makes it a person's question. Returns the escalation reason, or null to answer.
 */
async function humanReason(deps: LedgerDeps, workspaceId: string, s: KeeperSession, question: string | null): Promise<string | null> {
  if (!deps.supervisor.classify) return 'the rules were unsure and there is no classifier, so a person decides';
  const v = await deps.supervisor.classify(question ?? '', { workspaceId, sessionId: s.id }).catch(() => ({ human: true, reason: 'the classifier failed, so a person decides' }));
  return v.human ? `only a person can answer: ${v.reason}` : null;
}

/**
 * Recovery by a new session: the original prompt plus the failure reason (fenced), created through the sessions
 * service, then linked. A retried row first looks for the session an earlier attempt may have created.
 */
async function recoverBySession(deps: LedgerDeps, workspaceId: string, s: KeeperSession, d: Exclude<Decision, { action: 'none' }>, row: ActionRow): Promise<void> {
  if (!deps.mirror.createSession) throw new Error('no session create path is wired');
  const prompt = recoveryPrompt({ prompt: s.prompt, sessionId: s.id }, d.brief?.cue ?? null, row.id);
  row.message = prompt;
  await deps.store.setMessage(row.id, prompt);
  let created = row.attempts > 1 ? await deps.mirror.findSessionByText?.(workspaceId, recoveryMarker(row.id)) : null;
  if (!created) {
    if (deps.mayAct && !(await deps.mayAct(s.id))) throw new Error(NOT_SENT);
    created = (
      await deps.mirror.createSession(workspaceId, {
        prompt,
        title: `${s.title.slice(0, 280)} (recovery)`,
        ...(s.source ? { source: s.source, startingBranch: s.startingBranch ?? 'main' } : {}),
        ...(s.requirePlanApproval ? { requirePlanApproval: true } : {}),
        ...(s.automationMode === 'AUTO_CREATE_PR' ? { autoCreatePr: true } : {}),
        ...(s.accountId ? { accountId: s.accountId } : {}),
      }, `keeper:${s.id}:${d.trigger}`)
    ).id;
  }
  await deps.store.addLink({ action_id: row.id, workspace_id: workspaceId, from_session_id: s.id, to_session_id: created, reason: d.reason.slice(0, 1000), created_at: deps.clock.now() });
}

/**
 * The exactly-once path of one decision: claim (session, kind, trigger) in the ledger BEFORE calling Jules, then
 * settle the row as sent or failed. A lost claim means someone else acts (or acted) on that trigger: do nothing.
 * Messages are composed after the claim (no LLM spend on lost races) and stored before sending, so a crash
 * leaves either no text (never sent) or the text to look for when reconciling.
 */
export async function runAction(
  deps: LedgerDeps,
  workspaceId: string,
  s: KeeperSession,
  d: Exclude<Decision, { action: 'none' }>,
  ctx: { recent: KeeperActivity[]; history: HistoryEntry[]; settings: KeeperSettings },
): Promise<'sent' | 'failed' | 'recorded' | 'lost'> {
  const now = deps.clock.now();
  const prev = ctx.history.find((h) => h.kind === d.action && h.trigger === d.trigger);
  const calls = CALLS_JULES.has(d.action);
  const row: ActionRow = {
    id: randomUUID(), workspace_id: workspaceId, session_id: s.id, kind: d.action, trigger: d.trigger, status: calls ? 'pending' : 'recorded',
    reason: d.reason, message: null, error: null, attempts: (prev?.attempts ?? 0) + 1, holder: deps.instanceId, created_at: now, settled_at: calls ? null : now,
    session_title: s.title.slice(0, 2000),
    session_source: s.source,
  };
  const claimed = await deps.store.claim(row);
  if (!claimed) return 'lost';
  row.id = claimed;
  let outcome: 'sent' | 'failed' | 'recorded' = 'recorded';
  if (calls) {
    try {
      const escalation = d.action === 'answer' && d.brief?.classify ? await humanReason(deps, workspaceId, s, d.brief.cue) : null;
      if (escalation) {
        // Never answered: the answer row is given up and a person is told why (one escalation per question).
        await deps.store.settle(row.id, 'abandoned', deps.clock.now(), `not answered: ${escalation}`.slice(0, 500));
        deps.actions?.inc({ action: d.action, outcome: 'abandoned' });
        const q = d.brief?.cue ?? '(no text)';
        return runAction(deps, workspaceId, s, {
          action: 'escalate', trigger: d.trigger, reason: escalation,
          notify: { kind: 'question_escalated', title: `Question needs you: ${s.title}`, body: `${escalation}. The agent asked: ${q.slice(0, 1000)}` },
        }, ctx);
      }
      if (d.action === 'approve') {
        if (deps.mayAct && !(await deps.mayAct(s.id))) throw new Error(NOT_SENT);
        await deps.mirror.approvePlan(workspaceId, s.id);
      } else if (d.action === 'recover') {
        await recoverBySession(deps, workspaceId, s, d, row);
      } else {
        const plan = [...ctx.recent].reverse().find((a) => a.kind === 'planGenerated')?.plan ?? null;
        const reply = await deps.supervisor.compose(d.brief ?? { purpose: 'nudge', cue: null }, {
          workspaceId, sessionId: s.id, prompt: s.prompt, title: s.title, plan, recent: ctx.recent, continueMessage: ctx.settings.autoContinue.message,
        });
        row.message = reply.text;
        await deps.store.setMessage(row.id, reply.text);
        if (reply.refused) deps.log.warn({ sessionId: s.id, action: d.action, refused: reply.refused, via: reply.via }, 'keeper message replaced by a safe text');
        if (d.action === 'answer') {
          // Writing the answer takes a while: a person may have replied meanwhile, and then the keeper stays out.
          const up = await deps.mirror.upstream(workspaceId, s.id);
          if (up && (up.state !== s.state || up.updateTimeMs > s.updateTimeMs)) throw new Error('the session moved while the answer was written (a person may have replied); not sent');
        }
        if (deps.mayAct && !(await deps.mayAct(s.id))) throw new Error(NOT_SENT);
        await deps.mirror.sendMessage(workspaceId, s.id, reply.text);
      }
      outcome = 'sent';
      await deps.store.settle(row.id, 'sent', deps.clock.now());
    } catch (err) {
      outcome = 'failed';
      row.error = (err as Error).message.slice(0, 500);
      await deps.store.settle(row.id, 'failed', deps.clock.now(), row.error);
    }
  }
  deps.actions?.inc({ action: d.action, outcome });
  deps.log.info({ sessionId: s.id, action: d.action, trigger: d.trigger, outcome, reason: d.reason, error: row.error ?? undefined }, 'keeper acted');
  await deps.bus.publish('keeper.action', workspaceId, {
    id: row.id, sessionId: s.id, kind: d.action, trigger: d.trigger, status: outcome, reason: d.reason, ...(row.error ? { error: row.error } : {}),
  });
  if (d.notify) await raise(deps, workspaceId, s, d.notify);
  return outcome;
}

/**
 * Stores a notification and publishes `notification.raised`. The session's state and activity count are kept
 * with it: the notification resolves itself once the session moves past them (keeper.resolve.ts).
 */
export async function raise(
  deps: Pick<LedgerDeps, 'store' | 'bus' | 'clock'>,
  workspaceId: string,
  s: Pick<KeeperSession, 'id' | 'title' | 'state' | 'activityCount' | 'source'> | null,
  n: NotificationDraft,
): Promise<void> {
  const sessionId = s?.id ?? null;
  const row = {
    id: randomUUID(), workspace_id: workspaceId, session_id: sessionId, kind: n.kind, title: n.title, body: n.body, created_at: deps.clock.now(),
    session_title: s ? s.title.slice(0, 2000) : null, session_source: s?.source ?? null, cause_state: s?.state ?? null, cause_activities: s ? s.activityCount : null,
  };
  await deps.store.addNotification(row);
  await deps.bus.publish('notification.raised', workspaceId, { id: row.id, sessionId, kind: n.kind, title: n.title, body: n.body });
  if (sessionId) await resolveSuperseded(deps, workspaceId, sessionId, n.kind, row.id);
}

const SKEW_MS = 5_000;

/**
 * Settles rows left pending by a crash (or a lost process), without blindly re-sending:
 * - younger than `pendingStaleMs`: left alone (another instance that just lost its lease may still be calling);
 * - approve: the mirror shows the plan approved (a planApproved activity after the claim, or the session left
 *   AWAITING_PLAN_APPROVAL) -> sent; messages: a userMessaged activity with our exact text after the claim -> sent;
 * - no text stored -> the crash came before the call -> failed (the decision may retry it);
 * - no evidence, and the mirror polled the account after the claim -> the call never took effect -> failed;
 * - no evidence yet and no poll since -> stays pending (the decision holds off while a row is pending).
 */
export async function reconcile(deps: LedgerDeps, workspaceId: string): Promise<number> {
  const now = deps.clock.now();
  let settled = 0;
  for (const row of await deps.store.pending(workspaceId)) {
    if (now - Number(row.created_at) < deps.pendingStaleMs) continue;
    const at = Number(row.created_at);
    let verdict: { status: 'sent' | 'failed'; note: string } | undefined;
    if (row.kind !== 'approve' && row.message === null) verdict = { status: 'failed', note: 'interrupted before sending (no message stored)' };
    else {
      let s;
      try {
        s = await deps.mirror.detail(workspaceId, row.session_id);
      } catch {
        verdict = { status: 'failed', note: 'session no longer mirrored' };
      }
      if (s && row.kind === 'recover') {
        const created = await deps.mirror.findSessionByText?.(workspaceId, recoveryMarker(row.id));
        if (created) {
          await deps.store.addLink({ action_id: row.id, workspace_id: workspaceId, from_session_id: row.session_id, to_session_id: created, reason: row.reason, created_at: now });
          verdict = { status: 'sent', note: 'confirmed from the mirror after an interruption (the recovery session exists)' };
        } else {
          const synced = await deps.mirror.lastSyncAt(workspaceId, s.accountId);
          if (synced !== null && synced > at + SKEW_MS) verdict = { status: 'failed', note: 'not created: the mirror polled after the claim and shows no recovery session' };
        }
      } else if (s) {
        const acts = (await deps.mirror.recentActivities(workspaceId, s, 50)).map(toKeeperActivity);
        const after = acts.filter((a) => a.createTimeMs >= at - SKEW_MS);
        const evidence =
          row.kind === 'approve'
            ? after.some((a) => a.kind === 'planApproved') || s.state !== 'AWAITING_PLAN_APPROVAL'
            : after.some((a) => a.kind === 'userMessaged' && a.text?.trim() === row.message?.trim());
        if (evidence) verdict = { status: 'sent', note: 'confirmed from the mirror after an interruption' };
        else {
          const synced = await deps.mirror.lastSyncAt(workspaceId, s.accountId);
          if (synced !== null && synced > at + SKEW_MS) verdict = { status: 'failed', note: 'not delivered: the mirror polled after the claim and shows no effect' };
        }
      }
    }
    if (!verdict) continue;
    if (await deps.store.settle(row.id, verdict.status, now, verdict.status === 'failed' ? verdict.note : null)) {
      settled++;
      deps.actions?.inc({ action: row.kind, outcome: `reconciled_${verdict.status}` });
      deps.log.warn({ sessionId: row.session_id, action: row.kind, trigger: row.trigger, status: verdict.status, note: verdict.note }, 'keeper reconciled a pending action');
      await deps.bus.publish('keeper.action', workspaceId, { id: row.id, sessionId: row.session_id, kind: row.kind as KeeperActionKind, trigger: row.trigger, status: verdict.status, reason: verdict.note });
    }
  }
  return settled;
}
