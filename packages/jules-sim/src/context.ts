import type { SimEngine } from './engine.ts';
import type { FaultController } from './faults.ts';
import type { Observer } from './observe.ts';
import type { WireSource } from './types.ts';
import type { SimClock } from './clock.ts';
import type { MinuteQuota } from './quota.ts';
import type { World, Worlds } from './worlds.ts';
import type { PlanStatus } from './plan.ts';

/** Everything the HTTP layer needs; built once per simulator and shared by the route modules. */
export interface SimContext {
  /** The world this context works in: the shared one, or an API key's own (see {@link Worlds}). */
  engine: SimEngine;
  faults: FaultController;
  observer: Observer;
  /** Per-minute request quota per API key (`minuteQuota` in the fault config). */
  quota: MinuteQuota;
  clock: SimClock;
  /** Accepted API keys; undefined = any non-empty key. */
  apiKeys?: readonly string[];
  sources(): WireSource[];
  /** API creates per sim UTC day, for the daily quota. */
  createsByDay: Map<string, number>;
  /** The world this context works in (plan limits, create window, creates in flight). */
  world: World;
  /** Every world; one unless the simulator runs with a world per API key. */
  worlds: Worlds;
  /** The context of the world a request with this accepted key works in (this one unless per-key). */
  forKey(key: string | undefined): SimContext;
  /** Re-applies the fault config's concurrency settings to the engine. */
  applyLimits(): void;
  /** Sets the plan of every world, or of one API key's world (`worldPerKey`); null = no limits. */
  setPlan(plan: unknown, apiKey?: string): PlanStatus[];
  /** Plan limits and slot use per world. */
  planStatus(): PlanStatus[];
  /** Called after every API request that may have changed a world (anything but GET), e.g. to persist it. */
  mutated(): void;
  /** Restores the initial world (sessions, faults, stats, log). */
  reset(): void;
}
