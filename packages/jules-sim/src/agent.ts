import type { SessionState } from './types.ts';
import type { AgentHost } from './host.ts';
import type { Phase, SessionRecord } from './store.ts';
import { followUpStep } from './content/plan.ts';
import { acknowledgement, failureReason, questionFor, statusNote, stuckReply } from './content/messages.ts';
import { applyScriptItem } from './scenario.ts';
import { applyOpenedPr, waitForPr } from './github-bridge.ts';

const totalSteps = (s: SessionRecord): number => s.agent.planSteps.length + s.agent.followUps.length;
const stepAt = (s: SessionRecord, i: number) =>
  i < s.agent.planSteps.length ? s.agent.planSteps[i] : s.agent.followUps[i - s.agent.planSteps.length];

function complete(host: AgentHost, s: SessionRecord, at: number): void {
  host.setOutputs(s);
  applyOpenedPr(host, s);
  host.emit(s, { kind: 'sessionCompleted', originator: 'agent' }, at);
  host.setState(s, 'COMPLETED', at);
  s.agent.phase = 'done';
}

function fail(host: AgentHost, s: SessionRecord, reason: string, at: number): void {
  host.emit(s, { kind: 'sessionFailed', originator: 'agent', text: reason }, at);
  host.setState(s, 'FAILED', at);
  s.agent.phase = 'done';
}

function askQuestion(host: AgentHost, s: SessionRecord, text: string, at: number): void {
  host.emit(s, { kind: 'agentMessaged', originator: 'agent', text }, at);
  host.setState(s, 'AWAITING_USER_FEEDBACK', at);
  s.agent.phase = 'awaitFeedback';
}

/** The behaviour's twist, when the agent reaches its interrupt step. Returns true when it took over the tick. */
function interrupt(host: AgentHost, s: SessionRecord, at: number): boolean {
  const a = s.agent;
  if (a.interrupted || a.progress !== a.interruptAt) return false;
  a.interrupted = true;
  switch (a.behaviour) {
    case 'question':
      askQuestion(host, s, questionFor(s.topic, a.rng), at);
      return true;
    case 'stall':
      // A stalled agent says and changes nothing: no activity, no updateTime move, until a message nudges it.
      a.phase = 'stalled';
      return true;
    case 'fail':
      fail(host, s, failureReason(s.topic, a.rng), at);
      return true;
    default:
      return false;
  }
}

function work(host: AgentHost, s: SessionRecord, at: number): void {
  const a = s.agent;
  if (a.pendingAck) {
    a.pendingAck = false;
    host.emit(s, { kind: 'agentMessaged', originator: 'agent', text: acknowledgement(a.rng) }, at);
    host.schedule(s, 'step', at);
    return;
  }
  if (interrupt(host, s, at)) return;
  if (a.progress < totalSteps(s)) {
    const step = stepAt(s, a.progress);
    a.progress++;
    // Most steps change code; the first (exploration) step usually does not.
    const changes = a.progress > 1 || a.rng.chance(0.3);
    if (changes) a.files++;
    // Chosen by step index, not the agent's rng, so timings and texts stay as seeded: a screenshot on the second
    // step, the test run on the last.
    const extra = a.progress === totalSteps(s) ? 'bash' : a.progress === 2 ? 'media' : undefined;
    host.emit(s, {
      kind: 'progressUpdated', originator: 'agent', text: step.title, detail: step.description,
      files: a.files > 0 && changes ? a.files : undefined, extra,
    }, at);
    if (a.rng.chance(0.15)) host.emit(s, { kind: 'agentMessaged', originator: 'agent', text: statusNote(s.topic, a.rng) }, at);
    host.schedule(s, 'step', at);
    return;
  }
  if (a.files === 0) a.files = 1; // a finished task always has a change to show
  // With a GitHub simulator attached, the PR is opened there first; the agent is woken here when it is.
  if (waitForPr(host, s, at)) return;
  if (a.behaviour === 'stuck') {
    // The work is done and the PR is open, yet the session never reports completion.
    host.setOutputs(s);
    applyOpenedPr(host, s);
    host.emit(s, { kind: 'progressUpdated', originator: 'agent', text: 'Published the changes', files: a.files }, at);
    a.phase = 'stuck';
    return;
  }
  complete(host, s, at);
}

/** Advances a session's agent by one scheduled event. */
export function agentTick(host: AgentHost, s: SessionRecord, at: number): void {
  const a = s.agent;
  switch (a.phase) {
    case 'queued':
      if (!host.admitted(s)) return;
      host.setState(s, 'PLANNING', at);
      a.phase = 'planning';
      host.schedule(s, 'planning', at);
      return;
    case 'planning':
      a.planGenerated = true;
      host.emit(s, { kind: 'planGenerated', originator: 'agent' }, at);
      if (a.needsApproval) {
        host.setState(s, 'AWAITING_PLAN_APPROVAL', at);
        a.phase = 'awaitApproval';
      } else {
        a.phase = 'approve';
        host.schedule(s, 'autoApprove', at);
      }
      return;
    case 'approve':
      a.planApproved = true;
      host.emit(s, { kind: 'planApproved', originator: 'system' }, at);
      host.setState(s, 'IN_PROGRESS', at);
      a.phase = 'work';
      host.schedule(s, 'step', at);
      return;
    case 'work':
      work(host, s, at);
      return;
    case 'reply': {
      const next: Phase = a.afterReply;
      host.emit(s, {
        kind: 'agentMessaged', originator: 'agent', text: next === 'stuck' ? stuckReply(a.rng) : acknowledgement(a.rng),
      }, at);
      a.phase = next;
      if (next === 'work') {
        host.setState(s, 'IN_PROGRESS', at);
        host.schedule(s, 'step', at);
      }
      return;
    }
    case 'script':
      applyScriptItem(host, s, at);
      return;
    default:
      return; // waiting phases have no scheduled work; a stale event is harmless
  }
}

/** Handles sendMessage: records the user's message and wakes the agent when it was waiting or finished. */
export function agentMessage(host: AgentHost, s: SessionRecord, text: string, at: number): void {
  const a = s.agent;
  host.emit(s, { kind: 'userMessaged', originator: 'user', text }, at);
  const wake = (afterReply: Phase): void => {
    a.gen++;
    a.phase = 'reply';
    a.afterReply = afterReply;
    host.schedule(s, 'reply', at);
  };
  switch (a.phase) {
    case 'done':
      // A finished (or failed) session does more work, then completes again; it does not fail twice.
      a.interrupted = true;
      a.behaviour = a.behaviour === 'stuck' ? 'stuck' : 'happy';
      for (let i = 0, n = a.rng.int(1, 2); i < n; i++) a.followUps.push(followUpStep(s.topic, text, i));
      host.setState(s, 'IN_PROGRESS', at);
      wake('work');
      return;
    case 'awaitFeedback':
    case 'stalled':
    case 'frozen':
      host.setState(s, 'IN_PROGRESS', at);
      wake('work');
      return;
    case 'paused':
      host.setState(s, 'IN_PROGRESS', at);
      wake(a.pausedPhase === 'awaitApproval' ? 'awaitApproval' : 'work');
      return;
    case 'stuck':
      wake('stuck');
      return;
    case 'awaitApproval':
      wake('awaitApproval');
      return;
    default:
      a.pendingAck = a.phase === 'work' || a.phase === 'approve' || a.phase === 'planning';
  }
}

/** Handles approvePlan; returns false when no plan awaits approval. */
export function agentApprove(host: AgentHost, s: SessionRecord, at: number): boolean {
  const a = s.agent;
  if (!a.planGenerated || a.planApproved) return false;
  a.planApproved = true;
  host.emit(s, { kind: 'planApproved', originator: 'user' }, at);
  if (a.phase === 'paused') {
    a.pausedPhase = 'work';
    return true;
  }
  a.gen++;
  host.setState(s, 'IN_PROGRESS', at);
  a.phase = 'work';
  host.schedule(s, 'step', at);
  return true;
}

/** Forces a state from the simulator control API, with the activity a real transition would carry. */
export function agentForce(host: AgentHost, s: SessionRecord, state: SessionState, reason: string | undefined, at: number): void {
  const a = s.agent;
  a.gen++;
  switch (state) {
    case 'PAUSED':
      if (a.phase !== 'paused') a.pausedPhase = a.phase;
      a.phase = 'paused';
      host.setState(s, 'PAUSED', at);
      return;
    case 'COMPLETED':
      if (a.files === 0) a.files = 1;
      complete(host, s, at);
      return;
    case 'FAILED':
      fail(host, s, reason ?? 'Session failed (forced by the simulator).', at);
      return;
    case 'AWAITING_USER_FEEDBACK':
      askQuestion(host, s, reason ?? questionFor(s.topic, a.rng), at);
      return;
    case 'IN_PROGRESS':
      if (!a.planGenerated) {
        a.planGenerated = true;
        host.emit(s, { kind: 'planGenerated', originator: 'agent' }, at);
      }
      a.planApproved = true;
      a.interrupted = true;
      host.setState(s, 'IN_PROGRESS', at);
      a.phase = 'work';
      host.schedule(s, 'step', at);
      return;
    case 'AWAITING_PLAN_APPROVAL':
      if (!a.planGenerated || a.planApproved) {
        a.planGenerated = true;
        a.planApproved = false;
        host.emit(s, { kind: 'planGenerated', originator: 'agent' }, at);
      }
      host.setState(s, state, at);
      a.phase = 'awaitApproval';
      return;
    default:
      host.setState(s, state, at);
      a.phase = 'frozen';
  }
}
