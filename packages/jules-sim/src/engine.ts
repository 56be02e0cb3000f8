import type { ActivityRecord, AutomationMode, Behaviour, SessionState, WireSource } from './types.ts';
import type { SimClock } from './clock.ts';
import { EventHeap } from './heap.ts';
import { SessionStore, type AgentState, type SessionRecord } from './store.ts';
import { createRng, mixSeed, type Rng } from './rng.ts';
import { sessionIdFrom, planIdFor } from './ids.ts';
import { agentTick } from './agent.ts';
import { TIMING, type AgentHost, type TimingKey } from './host.ts';
import { msToMicros } from './time.ts';
import { titleFromPrompt, topicOf } from './content/topic.ts';
import { draftPlan } from './content/plan.ts';
import type { ScriptItem } from './scenario-types.ts';

export interface CreateInput {
  prompt: string;
  title?: string;
  source?: string;
  startingBranch?: string;
  environmentVariablesEnabled?: boolean;
  requirePlanApproval?: boolean;
  automationMode?: AutomationMode;
}

export interface CreateExtras {
  behaviour?: Behaviour;
  createUs?: number;
  id?: string;
  archived?: boolean;
  script?: ScriptItem[];
  /** Waits in QUEUED for a concurrency slot instead of starting. */
  wait?: boolean;
}

/** A session as a snapshot holds it: the record with its agent's generator reduced to its state. */
export type SessionSnapshot = Omit<SessionRecord, 'agent'> & { agent: Omit<AgentState, 'rng'> & { rng: number } };

/** Everything a world's engine needs to continue where it was (see persist.ts). Times in sim epoch microseconds. */
export interface EngineSnapshot {
  seed: number;
  rng: number;
  serial: number;
  prNumbers: [string, number][];
  /** Ids of sessions waiting for a concurrency slot, in queue order. */
  waiting: string[];
  sessions: SessionSnapshot[];
  /** Scheduled agent events in firing order. */
  events: { at: number; sessionId: string; gen: number }[];
}

export interface EngineOptions {
  seed: number;
  speed: number;
  clock: SimClock;
  sources: WireSource[];
  /** Add the bare system "Session started" activity first in every session. */
  startedActivity: boolean;
  mix: Record<Exclude<Behaviour, 'scripted'>, number>;
}

/** A session taking, waiting for or giving back a concurrency slot (the request log records them with a plan). */
export type SlotEvent = 'queued' | 'started' | 'ended';

const TERMINAL = (st: SessionState): boolean => st === 'COMPLETED' || st === 'FAILED';
const TAG = /\[sim:(happy|question|stall|fail|stuck|approval)\]/i;

/** The simulated world: sessions, their agents' event queue, concurrency slots and PR numbering. */
export class SimEngine implements AgentHost {
  readonly store = new SessionStore();
  private readonly heap = new EventHeap();
  private rng: Rng;
  private serial = 0;
  private prNumbers = new Map<string, number>();
  private waiting: SessionRecord[] = [];
  /** Admitted, non-terminal sessions: what the concurrency limit counts. */
  active = 0;
  concurrencyLimit: number | undefined;
  /** New activities leave updateTime alone (fault `freezeUpdateTime`); state and output changes still move it. */
  freezeUpdateTime = false;
  /** Told when a session queues for, takes or gives back a slot (times in sim microseconds). */
  onSlot: ((event: SlotEvent, s: SessionRecord, atUs: number) => void) | undefined;

  constructor(readonly opts: EngineOptions) {
    this.rng = createRng(mixSeed(opts.seed, 0x5e55));
  }

  nowUs(): number {
    return msToMicros(this.opts.clock.now());
  }

  /** Applies every agent event due up to now. Cost: O(events due x log queue). */
  sync(): void {
    const now = this.nowUs();
    for (let ev = this.heap.peek(); ev && ev.at <= now; ev = this.heap.peek()) {
      this.heap.pop();
      const s = this.store.byId.get(ev.sessionId);
      if (s && !s.deleted && s.agent.gen === ev.gen) agentTick(this, s, ev.at);
    }
  }

  pendingEvents(): number {
    return this.heap.size;
  }

  /** Draws a behaviour from the seeded mix, honouring `[sim:...]` tags in the prompt. */
  behaviourFor(prompt: string): Exclude<Behaviour, 'scripted'> {
    const tag = TAG.exec(prompt);
    if (tag) return tag[1].toLowerCase() as Exclude<Behaviour, 'scripted'>;
    const entries = Object.entries(this.opts.mix) as [Exclude<Behaviour, 'scripted'>, number][];
    const total = entries.reduce((a, [, w]) => a + Math.max(0, w), 0);
    let x = this.rng.next() * total;
    for (const [b, w] of entries) {
      x -= Math.max(0, w);
      if (x < 0) return b;
    }
    return 'happy';
  }

  /** Creates a session (validation and limits are the caller's job). */
  create(input: CreateInput, extra: CreateExtras = {}): SessionRecord {
    const serial = this.serial++;
    const seed = mixSeed(this.opts.seed, 0x5e551, serial);
    const rng = createRng(seed);
    let id = extra.id ?? sessionIdFrom(this.rng);
    while (this.store.byId.has(id)) id = sessionIdFrom(this.rng);
    let behaviour: Behaviour = extra.script ? 'scripted' : extra.behaviour ?? this.behaviourFor(input.prompt);
    // A client that explicitly opted out of approval is not made to wait by the random mix, only by a tag.
    if (behaviour === 'approval' && input.requirePlanApproval === false && !TAG.test(input.prompt)) behaviour = 'happy';
    const needsApproval = input.requirePlanApproval === true || behaviour === 'approval';
    const createUs = extra.createUs ?? this.nowUs();
    const topic = topicOf(input.prompt);
    const planSteps = draftPlan(topic, rng);
    const s: SessionRecord = {
      id, seed, prompt: input.prompt, title: input.title?.trim() || titleFromPrompt(input.prompt), topic,
      source: input.source, startingBranch: input.startingBranch,
      environmentVariablesEnabled: input.environmentVariablesEnabled,
      requirePlanApproval: needsApproval || undefined, automationMode: input.automationMode,
      createUs, updateUs: createUs, state: 'QUEUED', archived: extra.archived ?? false, deleted: false,
      outputFiles: 0, activities: [], admitted: !extra.wait,
      agent: {
        behaviour, rng, phase: extra.script ? 'script' : 'queued', gen: 0, needsApproval, planSteps,
        planGenerated: false, planApproved: false, followUps: [], progress: 0,
        interruptAt: rng.int(1, Math.max(1, planSteps.length - 1)), interrupted: false, files: 0,
        pendingAck: false, afterReply: 'work', script: extra.script, scriptIndex: 0,
      },
    };
    this.store.add(s);
    if (s.admitted) this.active++;
    if (this.opts.startedActivity) this.emit(s, { kind: 'started', originator: 'system' }, createUs);
    if (extra.script) {
      if (extra.script.length) this.scheduleAt(s, createUs + Math.round(extra.script[0].atSeconds * 1e6));
    } else if (s.admitted) this.schedule(s, 'queued', createUs);
    else this.waiting.push(s);
    this.onSlot?.(s.admitted ? 'started' : 'queued', s, createUs);
    return s;
  }

  /** Next PR number for a repository; numbers start at a plausible, seeded offset. */
  private nextPr(source: string): number {
    const n = this.prNumbers.get(source) ?? 100 + createRng(mixSeed(this.opts.seed, source.length, source.charCodeAt(source.length - 1))).int(0, 900);
    this.prNumbers.set(source, n + 1);
    return n;
  }

  // ---- AgentHost ----

  emit(s: SessionRecord, rec: Omit<ActivityRecord, 'n' | 't'>, at: number): ActivityRecord {
    const last = s.activities[s.activities.length - 1];
    // Strictly increasing by >= 1 ms per session: clients dedupe by millisecond timestamps.
    const jitter = rec.kind === 'started' ? 0 : s.agent.rng.int(0, 999);
    const t = Math.max(at + jitter, last ? last.t + 1000 : 0, s.updateUs);
    // A fixed object shape keeps a million records monomorphic and cheap for the GC.
    const r: ActivityRecord = {
      n: s.activities.length, t, kind: rec.kind, originator: rec.originator, text: rec.text, detail: rec.detail, files: rec.files, extra: rec.extra,
    };
    if (r.kind === 'planGenerated') {
      r.text = planIdFor(s.seed, r.n);
      s.agent.planId = r.text;
    } else if (r.kind === 'planApproved') r.text = s.agent.planId;
    if (r.kind === 'planApproved' && s.source && !s.workingBranch) s.workingBranch = `jules/${s.topic.slug}-${s.id.slice(-6)}`;
    s.activities.push(r);
    if (!this.freezeUpdateTime) s.updateUs = t;
    return r;
  }

  setState(s: SessionRecord, state: SessionState, at: number): void {
    if (s.state === state) return;
    const wasActive = s.admitted && !TERMINAL(s.state);
    this.store.setState(s, state);
    s.updateUs = Math.max(s.updateUs + 1, at);
    const isActive = s.admitted && !TERMINAL(state);
    if (wasActive !== isActive) {
      this.active += isActive ? 1 : -1;
      this.onSlot?.(isActive ? 'started' : 'ended', s, at);
      if (!isActive) this.admitWaiting(at);
    }
  }

  schedule(s: SessionRecord, key: TimingKey, from: number): void {
    const [min, max] = TIMING[key];
    const ms = s.agent.rng.int(min, max) / Math.max(this.opts.speed, 1e-6);
    this.scheduleAt(s, from + msToMicros(ms));
  }

  scheduleAt(s: SessionRecord, atUs: number): void {
    this.heap.push(atUs, s.id, s.agent.gen);
  }

  setOutputs(s: SessionRecord): void {
    const files = Math.max(1, s.agent.files);
    if (s.source && s.automationMode === 'AUTO_CREATE_PR') {
      if (s.output !== 'pr') s.prNumber = this.nextPr(s.source);
      s.output = 'pr';
    } else s.output = 'changeSet';
    s.outputFiles = files;
  }

  admitted(s: SessionRecord): boolean {
    return s.admitted;
  }

  // ---- concurrency ----

  /** Starts queued sessions while slots are free (queue mode). */
  admitWaiting(at: number): void {
    while (this.waiting.length && (this.concurrencyLimit === undefined || this.active < this.concurrencyLimit)) {
      const s = this.waiting.shift()!;
      if (s.deleted || s.admitted) continue;
      s.admitted = true;
      if (!TERMINAL(s.state)) {
        this.active++;
        this.onSlot?.('started', s, at);
      }
      if (s.agent.phase === 'queued') this.schedule(s, 'queued', Math.max(at, s.createUs));
    }
  }

  /** Sessions waiting in QUEUED for a slot. */
  get queuedCount(): number {
    let n = 0;
    for (const s of this.waiting) if (!s.deleted && !s.admitted) n++;
    return n;
  }

  /** Removes a session; frees its slot. */
  delete(s: SessionRecord): void {
    const wasActive = s.admitted && !TERMINAL(s.state);
    s.agent.gen++;
    this.store.delete(s);
    if (wasActive) {
      this.active--;
      this.onSlot?.('ended', s, this.nowUs());
      this.admitWaiting(this.nowUs());
    }
  }

  /** The world as data (call `sync()` first so it is the world as of now). */
  snapshot(): EngineSnapshot {
    const live = (id: string) => this.store.byId.has(id);
    return {
      seed: this.opts.seed,
      rng: this.rng.state(),
      serial: this.serial,
      prNumbers: [...this.prNumbers],
      waiting: this.waiting.filter((s) => !s.deleted && !s.admitted).map((s) => s.id),
      sessions: [...this.store.byId.values()].map((s) => ({ ...s, agent: { ...s.agent, rng: s.agent.rng.state() } })),
      // Cancelled events (stale generation) and those of deleted sessions would be skipped anyway.
      events: this.heap.entries().filter((e) => live(e.sessionId) && this.store.byId.get(e.sessionId)!.agent.gen === e.gen)
        .map((e) => ({ at: e.at, sessionId: e.sessionId, gen: e.gen })),
    };
  }

  /**
   * Replaces this world with a snapshot's. `shiftUs` moves every scheduled event later by that much: a world
   * restored after a downtime resumes its timelines relative to now instead of replaying the gap at once.
   */
  restore(snap: EngineSnapshot, shiftUs = 0): void {
    this.clear();
    this.rng = createRng(snap.rng);
    this.serial = snap.serial;
    this.prNumbers = new Map(snap.prNumbers);
    for (const raw of snap.sessions) {
      const s: SessionRecord = { ...raw, agent: { ...raw.agent, rng: createRng(raw.agent.rng) } };
      this.store.add(s);
      if (s.admitted && !TERMINAL(s.state)) this.active++;
    }
    this.waiting = snap.waiting.map((id) => this.store.byId.get(id)).filter((s): s is SessionRecord => s !== undefined);
    const shift = Math.max(0, Math.round(shiftUs));
    for (const e of snap.events) if (this.store.byId.has(e.sessionId)) this.heap.push(e.at + shift, e.sessionId, e.gen);
  }

  /** Drops every session and event; the seeded generators restart so a reset world replays identically. */
  clear(): void {
    this.store.clear();
    this.heap.clear();
    this.waiting = [];
    this.active = 0;
    this.serial = 0;
    this.prNumbers.clear();
    this.rng = createRng(mixSeed(this.opts.seed, 0x5e55));
  }
}
