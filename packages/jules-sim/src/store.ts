import type { ActivityRecord, AutomationMode, Behaviour, SessionState } from './types.ts';
import { SESSION_STATES } from './types.ts';
import type { Rng } from './rng.ts';
import type { Topic } from './content/topic.ts';
import type { StepDraft } from './content/plan.ts';
import type { ScriptItem } from './scenario-types.ts';

/** Where a session's agent is in its lifecycle; events and API calls move it between phases. */
export type Phase =
  | 'queued' | 'planning' | 'approve' | 'awaitApproval' | 'work' | 'reply' | 'awaitFeedback' | 'stalled'
  | 'stuck' | 'done' | 'paused' | 'frozen' | 'script';

export interface AgentState {
  behaviour: Behaviour;
  rng: Rng;
  phase: Phase;
  /** Bumped to cancel scheduled events (pause, force, delete, wake). */
  gen: number;
  needsApproval: boolean;
  planSteps: StepDraft[];
  planGenerated: boolean;
  planApproved: boolean;
  /** Id of the latest generated plan. */
  planId?: string;
  /** Steps added by follow-up messages after the plan. */
  followUps: StepDraft[];
  progress: number;
  /** Step index at which the behaviour's twist (question, stall, failure) happens. */
  interruptAt: number;
  interrupted: boolean;
  /** Files in the cumulative change set so far. */
  files: number;
  pendingAck: boolean;
  /** Phase to enter after the next 'reply' event. */
  afterReply: Phase;
  pausedPhase?: Phase;
  script?: ScriptItem[];
  scriptIndex: number;
}

export interface SessionRecord {
  id: string;
  seed: number;
  prompt: string;
  title: string;
  topic: Topic;
  source?: string;
  startingBranch?: string;
  workingBranch?: string;
  environmentVariablesEnabled?: boolean;
  requirePlanApproval?: boolean;
  automationMode?: AutomationMode;
  createUs: number;
  updateUs: number;
  state: SessionState;
  archived: boolean;
  deleted: boolean;
  /** 'pr' | 'changeSet' once the session has produced outputs. */
  output?: 'pr' | 'changeSet';
  prNumber?: number;
  /** The html_url of the PR a GitHub simulator opened for this session (github-bridge.ts); else a simulated one. */
  prUrl?: string;
  outputFiles: number;
  activities: ActivityRecord[];
  agent: AgentState;
  /** Counted against the concurrency limit (not waiting in the create queue). */
  admitted: boolean;
}

const cmp = (a: SessionRecord, b: SessionRecord): number =>
  a.createUs - b.createUs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Sessions sorted oldest first by (createTime, id). New sessions nearly always land at the end (the clock only
 * moves forward), so insertion is amortised O(1); lists walk it backwards from a binary-searched cursor.
 */
export class SortedSessions {
  readonly items: SessionRecord[] = [];

  insert(s: SessionRecord): void {
    const a = this.items;
    if (a.length === 0 || cmp(a[a.length - 1], s) < 0) {
      a.push(s);
      return;
    }
    a.splice(this.lowerBound(s.createUs, s.id), 0, s);
  }

  remove(s: SessionRecord): void {
    const i = this.lowerBound(s.createUs, s.id);
    if (this.items[i] === s) this.items.splice(i, 1);
  }

  /** First index whose key is >= (t, id). */
  lowerBound(t: number, id: string): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.items[mid];
      if (m.createUs < t || (m.createUs === t && m.id < id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** All sessions, with per-state counts kept up to date so stats never scan. */
export class SessionStore {
  readonly byId = new Map<string, SessionRecord>();
  readonly visible = new SortedSessions();
  readonly archived = new SortedSessions();
  readonly stateCounts = Object.fromEntries(SESSION_STATES.map((s) => [s, 0])) as Record<SessionState, number>;

  add(s: SessionRecord): void {
    this.byId.set(s.id, s);
    (s.archived ? this.archived : this.visible).insert(s);
    this.stateCounts[s.state]++;
  }

  delete(s: SessionRecord): void {
    if (s.deleted) return;
    s.deleted = true;
    this.byId.delete(s.id);
    (s.archived ? this.archived : this.visible).remove(s);
    this.stateCounts[s.state]--;
  }

  setArchived(s: SessionRecord, archived: boolean): void {
    if (s.archived === archived) return;
    (s.archived ? this.archived : this.visible).remove(s);
    s.archived = archived;
    (s.archived ? this.archived : this.visible).insert(s);
  }

  /** Changes the state field and the counters; callers handle updateTime. */
  setState(s: SessionRecord, state: SessionState): void {
    if (s.state === state) return;
    if (!s.deleted) {
      this.stateCounts[s.state]--;
      this.stateCounts[state]++;
    }
    s.state = state;
  }

  clear(): void {
    this.byId.clear();
    this.visible.items.length = 0;
    this.archived.items.length = 0;
    for (const k of SESSION_STATES) this.stateCounts[k] = 0;
  }
}
