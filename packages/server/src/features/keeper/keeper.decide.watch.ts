import type { KeeperSettings } from '@autopilot/contracts';
import { counted, countOf, gate, handled, last, markedSince, MAX_ATTEMPTS, mins, none, secs } from './keeper.decide.util';
import type { Decision, HistoryEntry, KeeperActivity, KeeperSession } from './keeper.types';

/**
 * Sessions that move on their own: active ones (nudges, done-but-stuck), upstream PAUSED, COMPLETED (no PR,
 * auto-continue) and FAILED (opt-in recovery).
 */

// With a changeSet artifact in the session, an agent saying it is done corroborates "done but stuck"; alone it never does.
const FINISH_RE = /\b(published|pull request (is )?(open|ready)|opened (a|the) (pr|pull request)|all done|task is complete|work is complete|ready for review)\b/i;

/** The recovery marker a recovered session's prompt carries (see keeper.supervisor.ts recoveryPrompt). */
/** How old a completion may be and still be news (the no-PR alert). */
export const HISTORY_MS = 24 * 3600_000;
const RECOVERY_MARK = /by the Jules Autopilot keeper, action [0-9a-f-]{36}\.\)/g;

function stuckEvidence(s: KeeperSession, acts: readonly KeeperActivity[]): string | null {
  if (s.prUrl) return `a pull request exists (${s.prUrl})`;
  if (s.hasOutputs) return 'the session has outputs (a pull request or change set)';
  const lastAgent = last(acts, (a) => a.originator === 'agent' && a.text !== null);
  if (acts.some((a) => a.changeSet) && lastAgent?.text && FINISH_RE.test(lastAgent.text)) return 'a change set exists and the agent said it finished';
  return null;
}

export function decideActive(s: KeeperSession, acts: readonly KeeperActivity[], st: KeeperSettings, h: readonly HistoryEntry[], now: number): Decision {
  // Waiting for a Jules slot is not a stall: nudging would only burn the nudge cap.
  if (s.state === 'QUEUED') return none('queued: waiting for a Jules slot (never nudged)');
  const lastAct = acts.at(-1);
  const since = Math.max(s.lastActivityAtMs ?? 0, s.updateTimeMs, s.createTimeMs, lastAct?.createTimeMs ?? 0);
  const quiet = now - since;
  const base = lastAct?.id ?? `t${since}`;
  if (s.state === 'IN_PROGRESS' && st.stuck.enabled) {
    const why = stuckEvidence(s, acts);
    if (why) {
      if (quiet < st.stuck.quietMs) return none('looks finished; waiting for the session to complete');
      const trigger = `done:${base}`;
      // Marked since the last sign of life: the mirror may show an older activity later, which is no news.
      if (!gate(h, 'stuck', trigger, now).ok || markedSince(h, 'stuck', since)) return none('marked stuck; waiting for a human');
      return {
        action: 'stuck',
        trigger,
        reason: `${why} but the session is still IN_PROGRESS after ${secs(quiet)} s`,
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
      reason: `no activity for ${secs(quiet)} s and ${st.stall.maxNudges} nudges sent`,
      notify: { kind: 'stall_escalated', title: `Stalled: ${s.title}`, body: `No activity for ${mins(quiet)} min; the keeper stopped nudging.` },
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
    reason: `no activity for ${secs(quiet)} s in ${s.state} (threshold ${secs(threshold)} s)`,
    brief: { purpose: 'nudge', cue: lastAgent?.text ?? null, quietMs: quiet, nudgeNumber: countOf(h, 'nudge') + 1 },
  };
}

/** Upstream PAUSED: nothing the keeper may do, but a person hears of it once per pause after the threshold. */
export function decidePaused(s: KeeperSession, st: KeeperSettings, h: readonly HistoryEntry[], now: number): Decision {
  if (!st.alerts.enabled) return none('paused upstream');
  const since = Math.max(s.updateTimeMs, s.lastActivityAtMs ?? 0);
  if (!(now - since >= st.alerts.pausedMs)) return none('paused upstream; not long enough to notify');
  const trigger = `paused:${since}`;
  if (handled(h, 'escalate', trigger)) return none('paused upstream; a person was notified');
  return {
    action: 'escalate',
    trigger,
    reason: `paused upstream for ${mins(now - since)} min`,
    notify: { kind: 'session_paused', title: `Paused: ${s.title}`, body: `The session has been PAUSED on Jules for ${mins(now - since)} min. Resume or archive it.` },
  };
}

export function decideCompleted(s: KeeperSession, acts: readonly KeeperActivity[], st: KeeperSettings, h: readonly HistoryEntry[], now: number): Decision {
  if (st.autoContinue.enabled && countOf(h, 'continue') < st.autoContinue.maxPerSession) {
    const c = last(acts, (a) => a.kind === 'sessionCompleted');
    const trigger = c ? `completed:${c.id}` : `completed@${s.updateTimeMs}`;
    if (gate(h, 'continue', trigger, now).ok) return { action: 'continue', trigger, reason: 'completed; auto-continue is on', brief: { purpose: 'continue', cue: null } };
  }
  // A PR is expected from a repository session asked to create one (or whose wish is unknown: created elsewhere).
  const expectsPr = !!s.source && (s.automationMode === 'AUTO_CREATE_PR' || !s.createdHere);
  if (!st.alerts.enabled || !expectsPr || s.prUrl) return none(st.autoContinue.enabled ? 'completed; auto-continue cap reached' : 'completed');
  const waited = now - s.updateTimeMs;
  if (!(waited >= st.alerts.completedWithoutPrMs)) return none('completed without a pull request yet; waiting before notifying');
  // An account connected with months of history would otherwise raise one alert per old session: past a day (or
  // twice the alert's delay) a completion is history, not news.
  if (waited > Math.max(HISTORY_MS, 2 * st.alerts.completedWithoutPrMs)) return none('completed without a pull request long before the keeper looked; history, not news');
  const trigger = `nopr:${s.updateTimeMs}`;
  if (handled(h, 'escalate', trigger)) return none('completed without a pull request; a person was notified');
  return {
    action: 'escalate',
    trigger,
    reason: `completed ${mins(waited)} min ago without a pull request`,
    notify: { kind: 'completed_without_pr', title: `Completed without a PR: ${s.title}`, body: 'The session completed but no pull request was created. Check its change set and open one yourself.' },
  };
}

/** The strategy for this failure: a message, or a new session when so configured or when Jules refused the message. */
function recoveryKind(st: KeeperSettings, h: readonly HistoryEntry[], trigger: string): 'heal' | 'recover' {
  if (st.selfHeal.strategy === 'new_session') return 'recover';
  if (st.selfHeal.strategy === 'message') return 'heal';
  const refused = h.some((e) => e.kind === 'heal' && e.trigger === trigger && e.status === 'failed' && /refused|bad_request|failed_precondition|\b40[09]\b/i.test(e.error ?? ''));
  return refused ? 'recover' : 'heal';
}

export function decideFailed(s: KeeperSession, acts: readonly KeeperActivity[], st: KeeperSettings, h: readonly HistoryEntry[], now: number): Decision {
  if (!st.selfHeal.enabled) return none('self-healing is off');
  const f = last(acts, (a) => a.kind === 'sessionFailed');
  const trigger = f ? `failed:${f.id}` : `failed@${s.updateTimeMs}`;
  // Handled after the failure already (the trigger can change once the mirror catches up with the activity).
  const since = Math.max(s.updateTimeMs, s.lastActivityAtMs ?? 0, f?.createTimeMs ?? 0);
  const kinds = ['heal', 'recover', 'escalate'] as const;
  // Jules' clock and ours differ: the same trigger handled counts even when the row looks older than the failure.
  if (kinds.some((k) => markedSince(h, k, since) || handled(h, k, trigger))) return none('this failure was already handled');
  // A recovered session's prompt carries one marker per generation: the cap covers the whole chain.
  const generations = (s.prompt.match(RECOVERY_MARK) ?? []).length;
  const used = countOf(h, 'heal') + countOf(h, 'recover') + generations;
  if (used >= st.selfHeal.maxAttempts) {
    if (!gate(h, 'escalate', trigger, now).ok) return none('recovery cap reached; a human was notified');
    return {
      action: 'escalate',
      trigger,
      reason: `recovery cap reached (${st.selfHeal.maxAttempts})`,
      notify: { kind: 'heal_exhausted', title: `Session failed again: ${s.title}`, body: f?.text ?? 'The session failed.' },
    };
  }
  const kind = recoveryKind(st, h, trigger);
  const g = gate(h, kind, trigger, now);
  if (!g.ok) return none(g.reason);
  const why = f?.text ? `: ${f.text.slice(0, 300)}` : '';
  return kind === 'heal'
    ? { action: 'heal', trigger, reason: `session failed${why}; asking the agent to recover`, brief: { purpose: 'heal', cue: f?.text ?? null } }
    : {
        action: 'recover',
        trigger,
        reason: `session failed${why}; starting a new session with the original prompt and the failure reason`,
        brief: { purpose: 'recover', cue: f?.text ?? null },
        notify: { kind: 'session_recovered', title: `Recovering: ${s.title}`, body: 'The session failed; the keeper started a new session with the original prompt and the failure reason.' },
      };
}
