import type { KeeperSettings } from '@autopilot/contracts';
import { gate, handled, last, countOf, mins, none } from './keeper.decide.util';
import { classifyByRules } from './keeper.questions';
import { planRisk } from './keeper.risk';
import type { Decision, HistoryEntry, KeeperActivity, KeeperSession } from './keeper.types';

/**
 * The decisions where a person may be waiting to have a say: plan approval and the agent's questions. The rule
 * throughout: when in doubt, a person decides.
 */

/** The approval rules that apply to a session's source: a per-source override, else the workspace's. */
export function approvalRulesFor(settings: KeeperSettings, source: string | null) {
  const a = settings.approval;
  const norm = (s: string) => s.replace(/^sources\//, '');
  const o = source ? a.perSource.find((p) => norm(p.source) === norm(source)) : undefined;
  return { policy: o?.policy ?? a.policy, maxSteps: o?.maxSteps ?? a.maxSteps, holdWords: o?.holdWords ?? a.holdWords };
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Why a plan waits for a person, or undefined when the keeper may approve it. */
function holdReasonFor(s: KeeperSession, plan: KeeperActivity, acts: readonly KeeperActivity[], st: KeeperSettings): string | undefined {
  // Jules never reads requirePlanApproval back: it is what the orchestrator recorded, or the workspace default.
  const known = s.requirePlanApproval !== null && s.requirePlanApproval !== undefined;
  const requested = known ? s.requirePlanApproval : st.approval.defaultRequirePlanApproval;
  if (requested && st.approval.respectRequirePlanApproval) {
    return known
      ? 'the session was created with "require plan approval": a person approves it'
      : 'sessions created outside the orchestrator require plan approval (workspace default): a person approves it';
  }
  const rules = approvalRulesFor(st, s.source);
  if (rules.policy === 'never') return 'approval policy is "never"';
  if (rules.policy === 'always') return undefined;
  return planRisk(plan.plan, acts, rules);
}

export function decideApproval(s: KeeperSession, acts: readonly KeeperActivity[], st: KeeperSettings, h: readonly HistoryEntry[], now: number): Decision {
  const plan = last(acts, (a) => a.kind === 'planGenerated');
  if (!plan) return none('plan not mirrored yet');
  if (acts.some((a) => a.kind === 'planApproved' && a.createTimeMs >= plan.createTimeMs)) return none('plan already approved');
  const trigger = `plan:${plan.id}`;
  const holdReason = holdReasonFor(s, plan, acts, st);
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
  const policy = approvalRulesFor(st, s.source).policy;
  return { action: 'approve', trigger, reason: policy === 'always' ? 'approval policy is "always"' : `plan of ${plan.plan?.length ?? 0} steps passes the rules` };
}

/** AWAITING_USER_FEEDBACK after a reply and nothing since: a person should look, once per reply. */
function afterReply(s: KeeperSession, reply: KeeperActivity, st: KeeperSettings, h: readonly HistoryEntry[], now: number): Decision {
  if (!st.alerts.enabled) return none('question already answered');
  const since = Math.max(reply.createTimeMs, s.lastActivityAtMs ?? 0);
  const waited = now - since;
  if (!(waited >= st.alerts.noProgressAfterReplyMs)) return none('question already answered; waiting for the agent to continue');
  const trigger = `replied:${reply.id}`;
  if (handled(h, 'escalate', trigger)) return none('no progress after the reply; a person was notified');
  return {
    action: 'escalate',
    trigger,
    reason: `still waiting for feedback ${mins(waited)} min after the reply, with no progress`,
    notify: {
      kind: 'no_progress_after_reply',
      title: `No progress after a reply: ${s.title}`,
      body: `The session was answered ${mins(waited)} min ago but is still AWAITING_USER_FEEDBACK with no new activity. Check it.`,
    },
  };
}

export function decideQuestion(s: KeeperSession, acts: readonly KeeperActivity[], st: KeeperSettings, h: readonly HistoryEntry[], now: number): Decision {
  const q = last(acts, (a) => a.kind === 'agentMessaged');
  if (!q) return none('question not mirrored yet');
  // A reply after the question (a person's, usually) settles it: the keeper never answers over it.
  const reply = last(acts, (a) => a.kind === 'userMessaged' && a.createTimeMs >= q.createTimeMs);
  if (reply) return afterReply(s, reply, st, h, now);
  const trigger = `question:${q.id}`;
  if (handled(h, 'escalate', trigger)) return none('question escalated to a person; the keeper never answers it');
  const verdict = classifyByRules(q.text);
  const escalate = (reason: string): Decision => ({
    action: 'escalate',
    trigger,
    reason,
    notify: { kind: 'question_escalated', title: `Question needs you: ${s.title}`, body: `${reason}. The agent asked: ${clip(q.text ?? '(no text)', 1000)}` },
  });
  if (verdict.verdict === 'human') return escalate(`only a person can answer: ${verdict.reason}`);
  if (!st.answers.enabled) return none('answers are disabled');
  if (countOf(h, 'answer') >= st.answers.maxPerSession) return escalate(`answer cap reached (${st.answers.maxPerSession})`);
  const askedAt = Number.isFinite(q.createTimeMs) ? q.createTimeMs : s.updateTimeMs;
  const graceMs = st.answers.answerGraceMinutes * 60_000;
  if (!(now - askedAt >= graceMs)) return none(`waiting ${st.answers.answerGraceMinutes} min after the question so a watching person answers first`);
  const g = gate(h, 'answer', trigger, now);
  if (!g.ok) return none(g.reason);
  return {
    action: 'answer',
    trigger,
    reason: verdict.verdict === 'agent' ? `the agent asked an engineering question (${verdict.reason}); told to decide itself` : 'the rules were unsure; the classifier decides before any answer',
    brief: { purpose: 'answer', cue: q.text, ...(verdict.verdict === 'unsure' ? { classify: true } : {}) },
  };
}
