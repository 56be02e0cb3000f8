import type { KeeperActionKind, KeeperSettings } from '@autopilot/contracts';
import type { Decision, HistoryEntry, KeeperActivity, KeeperSession, PlanStepView } from './keeper.types';

/** A failed action is tried again after this long, at most MAX_ATTEMPTS times in all. */
export const RETRY_AFTER_MS = 30_000;
export const MAX_ATTEMPTS = 3;

const ACTIVE = new Set(['QUEUED', 'PLANNING', 'IN_PROGRESS']);
// What an agent says when it believes it is done; with the state still IN_PROGRESS that is "done but stuck".
const FINISH_RE = /\b(published|pull request|opened a pr|all done|finished|task is complete|work is complete|ready for review)\b/i;

const none = (reason: string): Decision => ({ action: 'none', reason });
const last = <T>(xs: readonly T[], pred: (x: T) => boolean): T | undefined => {
  for (let i = xs.length - 1; i >= 0; i--) if (pred(xs[i])) return xs[i];
  return undefined;
};
const counted = (h: HistoryEntry) => h.status === 'sent' || h.status === 'pending';
const countOf = (history: readonly HistoryEntry[], kind: KeeperActionKind) => history.filter((h) => h.kind === kind && counted(h)).length;

/** A row of this kind recorded after `since` (the session's last sign of life). */
const markedSince = (history: readonly HistoryEntry[], kind: KeeperActionKind, since: number) =>
  history.some((h) => h.kind === kind && h.status !== 'failed' && h.createdAtMs >= since);

type Gate = { ok: true } | { ok: false; reason: string };

/** Whether (kind, trigger) may be acted on: never acted, or failed and due for another attempt. */
export function gate(history: readonly HistoryEntry[], kind: KeeperActionKind, trigger: string, now: number): Gate {
  const e = history.find((h) => h.kind === kind && h.trigger === trigger);
  if (!e) return { ok: true };
  if (e.status !== 'failed') return { ok: false, reason: `already ${e.status} for ${trigger}` };
  if (e.attempts >= MAX_ATTEMPTS) return { ok: false, reason: `gave up on ${trigger} after ${e.attempts} attempts` };
  if (now - (e.settledAtMs ?? e.createdAtMs) < RETRY_AFTER_MS) return { ok: false, reason: `waiting to retry ${trigger}` };
  return { ok: true };
}

/** The approval rules that apply to a session's source: a per-source override, else the workspace's. */
export function approvalRulesFor(settings: KeeperSettings, source: string | null) {
  const a = settings.approval;
  const norm = (s: string) => s.replace(/^sources\//, '');
  const o = source ? a.perSource.find((p) => norm(p.source) === norm(source)) : undefined;
  return { policy: o?.policy ?? a.policy, maxSteps: o?.maxSteps ?? a.maxSteps, holdWords: o?.holdWords ?? a.holdWords };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The first hold word found in the plan (case-insensitive, matched at a word start so "drop" finds "dropping"). */
export function riskyWord(steps: readonly PlanStepView[], words: readonly string[]): string | undefined {
  const text = steps.map((s) => `${s.title}\n${s.description ?? ''}`).join('\n');
  return words.find((w) => new RegExp(`(?<![A-Za-z0-9])${escapeRe(w.trim())}`, 'i').test(text));
}

function decideApproval(s: KeeperSession, acts: readonly KeeperActivity[], st: KeeperSettings, h: readonly HistoryEntry[], now: number): Decision {
  const plan = last(acts, (a) => a.kind === 'planGenerated');
  if (!plan) return none('plan not mirrored yet');
  if (acts.some((a) => a.kind === 'planApproved' && a.createTimeMs >= plan.createTimeMs)) return none('plan already approved');
  const trigger = `plan:${plan.id}`;
  const rules = approvalRulesFor(st, s.source);
  const steps = plan.plan ?? [];
  let holdReason: string | undefined;
  if (rules.policy === 'never') holdReason = 'approval policy is "never"';
  else if (rules.policy === 'rules') {
    const word = riskyWord(steps, rules.holdWords);
    if (steps.length > rules.maxSteps) holdReason = `plan has ${steps.length} steps (max ${rules.maxSteps})`;
    else if (word) holdReason = `plan mentions "${word}"`;
  }
  if (holdReason) {
    const g = gate(h, 'hold', trigger, now);
    if (!g.ok) return none(`plan held for a human (${g.reason})`);
    return {
      action: 'hold',
      trigger,
      reason: holdReason,
      notify: { kind: 'plan_held', title: `Plan held: ${s.title}`, body: `The keeper did not approve this plan: ${holdReason}. Review and approve it yourself.` },
    };
  }
  const g = gate(h, 'approve', trigger, now);
  if (!g.ok) return none(g.reason);
  return { action: 'approve', trigger, reason: rules.policy === 'always' ? 'approval policy is "always"' : `plan of ${steps.length} steps passes the rules` };
}

function decideQuestion(s: KeeperSession, acts: readonly KeeperActivity[], st: KeeperSettings, h: readonly HistoryEntry[], now: number): Decision {
  if (!st.answers.enabled) return none('answers are disabled');
  const q = last(acts, (a) => a.kind === 'agentMessaged');
  if (!q) return none('question not mirrored yet');
  if (acts.some((a) => a.kind === 'userMessaged' && a.createTimeMs >= q.createTimeMs)) return none('question already answered');
  if (countOf(h, 'answer') >= st.answers.maxPerSession) {
    const trigger = `question:${q.id}`;
    if (!gate(h, 'escalate', trigger, now).ok) return none('answer cap reached; a human was notified');
    return {
      action: 'escalate',
      trigger,
      reason: `answer cap reached (${st.answers.maxPerSession})`,
      notify: { kind: 'question_escalated', title: `Question needs you: ${s.title}`, body: q.text ?? 'The agent asked a question.' },
    };
  }
  const trigger = `question:${q.id}`;
  const g = gate(h, 'answer', trigger, now);
  if (!g.ok) return none(g.reason);
  return { action: 'answer', trigger, reason: 'the agent asked a question', brief: { purpose: 'answer', cue: q.text } };
}

function decideFailed(s: KeeperSession, acts: readonly KeeperActivity[], st: KeeperSettings, h: readonly HistoryEntry[], now: number): Decision {
  if (!st.selfHeal.enabled) return none('self-healing is off');
  const f = last(acts, (a) => a.kind === 'sessionFailed');
  const trigger = f ? `failed:${f.id}` : `failed@${s.updateTimeMs}`;
  // Handled after the failure already (the trigger can change once the mirror catches up with the activity).
  const since = Math.max(s.updateTimeMs, s.lastActivityAtMs ?? 0, f?.createTimeMs ?? 0);
  if (markedSince(h, 'heal', since) || markedSince(h, 'escalate', since)) return none('this failure was already handled');
  if (countOf(h, 'heal') >= st.selfHeal.maxAttempts) {
    if (!gate(h, 'escalate', trigger, now).ok) return none('self-heal cap reached; a human was notified');
    return {
      action: 'escalate',
      trigger,
      reason: `self-heal cap reached (${st.selfHeal.maxAttempts})`,
      notify: { kind: 'heal_exhausted', title: `Session failed again: ${s.title}`, body: f?.text ?? 'The session failed.' },
    };
  }
  const g = gate(h, 'heal', trigger, now);
  if (!g.ok) return none(g.reason);
  return { action: 'heal', trigger, reason: `session failed${f?.text ? `: ${f.text}` : ''}`, brief: { purpose: 'heal', cue: f?.text ?? null } };
}

function decideCompleted(s: KeeperSession, acts: readonly KeeperActivity[], st: KeeperSettings, h: readonly HistoryEntry[], now: number): Decision {
  if (!st.autoContinue.enabled) return none('completed');
  if (countOf(h, 'continue') >= st.autoContinue.maxPerSession) return none('completed; auto-continue cap reached');
  const c = last(acts, (a) => a.kind === 'sessionCompleted');
  const trigger = c ? `completed:${c.id}` : `completed@${s.updateTimeMs}`;
  const g = gate(h, 'continue', trigger, now);
  if (!g.ok) return none(g.reason);
  return { action: 'continue', trigger, reason: 'completed; auto-continue is on', brief: { purpose: 'continue', cue: null } };
}

function decideActive(s: KeeperSession, acts: readonly KeeperActivity[], st: KeeperSettings, h: readonly HistoryEntry[], now: number): Decision {
  const lastAct = acts.at(-1);
  const since = Math.max(s.lastActivityAtMs ?? 0, s.updateTimeMs, s.createTimeMs, lastAct?.createTimeMs ?? 0);
  const quiet = now - since;
  const base = lastAct?.id ?? `t${since}`;
  if (s.state === 'IN_PROGRESS' && st.stuck.enabled) {
    const lastAgent = last(acts, (a) => a.originator === 'agent');
    const done = s.prUrl !== null || s.hasOutputs || (lastAgent?.text ? FINISH_RE.test(lastAgent.text) : false);
    if (done) {
      if (quiet < st.stuck.quietMs) return none('looks finished; waiting for the session to complete');
      const trigger = `done:${base}`;
      // Marked since the last sign of life: the mirror may show an older activity later, which is no news.
      if (!gate(h, 'stuck', trigger, now).ok || markedSince(h, 'stuck', since)) return none('marked stuck; waiting for a human');
      const why = s.prUrl ? `a pull request exists (${s.prUrl})` : s.hasOutputs ? 'outputs exist' : 'the agent said it finished';
      return {
        action: 'stuck',
        trigger,
        reason: `${why} but the session is still IN_PROGRESS after ${Math.round(quiet / 1000)} s`,
        notify: { kind: 'session_stuck', title: `Done but stuck: ${s.title}`, body: `${why}, yet the session has not completed. Check it and complete or archive it.` },
      };
    }
  }
  if (!st.stall.enabled) return none('stall nudges are off');
  const threshold = st.stall.thresholds[s.state as keyof KeeperSettings['stall']['thresholds']];
  if (quiet <= threshold) return none('active');
  if (countOf(h, 'nudge') >= st.stall.maxNudges) {
    const trigger = `stall:${base}`;
    if (!gate(h, 'escalate', trigger, now).ok || markedSince(h, 'escalate', since)) return none('nudge cap reached; a human was notified');
    return {
      action: 'escalate',
      trigger,
      reason: `no activity for ${Math.round(quiet / 1000)} s and ${st.stall.maxNudges} nudges sent`,
      notify: { kind: 'stall_escalated', title: `Stalled: ${s.title}`, body: `No activity for ${Math.round(quiet / 60_000)} min; the keeper stopped nudging.` },
    };
  }
  const prev = h.filter((e) => e.kind === 'nudge' && counted(e)).sort((a, b) => a.createdAtMs - b.createdAtMs).at(-1);
  if (prev && now - prev.createdAtMs < st.stall.cooldownMs) return none('nudge cooldown');
  const mine = h.filter((e) => e.kind === 'nudge' && e.trigger.startsWith(`quiet:${base}#`));
  const lastMine = mine.sort((a, b) => a.createdAtMs - b.createdAtMs).at(-1);
  const trigger = lastMine?.status === 'failed' && lastMine.attempts < MAX_ATTEMPTS ? lastMine.trigger : `quiet:${base}#${mine.length + 1}`;
  const g = gate(h, 'nudge', trigger, now);
  if (!g.ok) return none(g.reason);
  const lastAgent = last(acts, (a) => a.originator === 'agent' && a.text !== null);
  return {
    action: 'nudge',
    trigger,
    reason: `no activity for ${Math.round(quiet / 1000)} s in ${s.state} (threshold ${Math.round(threshold / 1000)} s)`,
    brief: { purpose: 'nudge', cue: lastAgent?.text ?? null, quietMs: quiet, nudgeNumber: countOf(h, 'nudge') + 1 },
  };
}

/**
 * The keeper's one decision, pure: given a session, its recent activities (oldest first), the workspace's
 * settings, the session's ledger history and the time, what to do and why. Never acts on archived, deleted or
 * paused sessions, nor on COMPLETED ones unless auto-continue is on.
 */
export function decide(
  session: KeeperSession,
  activities: readonly KeeperActivity[],
  settings: KeeperSettings,
  history: readonly HistoryEntry[],
  now: number,
): Decision {
  if (!settings.enabled) return none('keeper disabled');
  if (session.deleted) return none('deleted');
  if (session.archived) return none('archived');
  if (session.paused) return none('paused in the orchestrator');
  if (history.some((h) => h.status === 'pending')) return none('an action is in flight');
  switch (session.state) {
    case 'AWAITING_PLAN_APPROVAL':
      return decideApproval(session, activities, settings, history, now);
    case 'AWAITING_USER_FEEDBACK':
      return decideQuestion(session, activities, settings, history, now);
    case 'FAILED':
      return decideFailed(session, activities, settings, history, now);
    case 'COMPLETED':
      return decideCompleted(session, activities, settings, history, now);
    default:
      return ACTIVE.has(session.state) ? decideActive(session, activities, settings, history, now) : none(`nothing to do in ${session.state}`);
  }
}
