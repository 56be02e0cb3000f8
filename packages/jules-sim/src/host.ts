import type { ActivityRecord, SessionState } from './types.ts';
import type { SessionRecord } from './store.ts';

/** Agent pace at speed 1, as [min, max] milliseconds of sim time. */
export const TIMING = {
  queued: [2_000, 6_000],
  planning: [8_000, 25_000],
  autoApprove: [500, 2_000],
  step: [15_000, 60_000],
  reply: [4_000, 12_000],
} as const satisfies Record<string, readonly [number, number]>;

export type TimingKey = keyof typeof TIMING;

/** What the agent needs from the engine: it never touches stores, clocks or queues directly. */
export interface AgentHost {
  /** Appends an activity at (at least) `at` microseconds and moves updateTime. */
  emit(s: SessionRecord, rec: Omit<ActivityRecord, 'n' | 't'>, at: number): ActivityRecord;
  /** Sets the state; moves updateTime only when it changes. */
  setState(s: SessionRecord, state: SessionState, at: number): void;
  /** Schedules the session's next tick after a paced delay from `from`. */
  schedule(s: SessionRecord, key: TimingKey, from: number): void;
  /** Sets the session's outputs (PR or change set) as of now. */
  setOutputs(s: SessionRecord): void;
  /** Concurrency admission for a queued session. */
  admitted(s: SessionRecord): boolean;
  /** Schedules the session's next tick at an exact sim time (microseconds). */
  scheduleAt(s: SessionRecord, atUs: number): void;
}

