/**
 * @autopilot/jules-sim: a Jules REST API (v1alpha) simulator for tests, demo mode and benchmarks.
 * See README.md for the control API, fault shapes and `[sim:...]` prompt tags.
 */
export { createJulesSimulator } from './simulator.ts';
export type { JulesSimulator, JulesSimulatorOptions, ListeningSimulator, SimSessionRow } from './simulator.ts';
export type { FaultConfig, FaultRule, FaultKind, Op } from './faults.ts';
export { OPS, faultConfigSchema } from './faults.ts';
export type { LogEntry, RequestStats } from './observe.ts';
export type { Scenario, ScenarioSession, SourceSpec } from './scenario.ts';
export { parseScenario } from './scenario.ts';
export type { ScriptItem } from './scenario-types.ts';
export type { CreateInput } from './engine.ts';
export type {
  SessionState, AutomationMode, Behaviour, WireSession, WireActivity, WireSource, Plan, PlanStep, Artifact,
  ChangeSet, GitPatch, PullRequest, SessionOutput, SourceContext,
} from './types.ts';
export { SESSION_STATES, BEHAVIOURS } from './types.ts';
export { DEFAULT_SOURCES } from './sources.ts';
export { loadSnapshot, persistSimulator, parseSnapshot, writeFileAtomic, SNAPSHOT_FORMAT, SNAPSHOT_VERSION } from './persist.ts';
export type { SimSnapshot, WorldSnapshot, LoadResult, Persister, PersistOptions } from './persist.ts';
export type { EngineSnapshot, SessionSnapshot } from './engine.ts';
export { PLAN_TIERS, resolvePlan } from './plan.ts';
export type { PlanSpec, PlanLimits, PlanStatus, PlanTier } from './plan.ts';
export type { ParallelCreatesConfig } from './faults.ts';
