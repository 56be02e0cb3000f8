import { z } from 'zod';
import type { AgentHost } from './host.ts';
import type { SessionRecord } from './store.ts';
import type { ScriptItem } from './scenario-types.ts';
import { SESSION_STATES, type SessionState } from './types.ts';
import { draftPlan } from './content/plan.ts';

const stateSchema = z.enum(SESSION_STATES as unknown as [SessionState, ...SessionState[]]);

const scriptItemSchema = z.strictObject({
  atSeconds: z.number().min(0),
  activity: z.enum(['planGenerated', 'planApproved', 'progressUpdated', 'agentMessaged', 'sessionCompleted', 'sessionFailed']).optional(),
  title: z.string().optional(),
  description: z.string().optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  changeSet: z.boolean().optional(),
  steps: z.number().int().min(1).max(8).optional(),
  state: stateSchema.optional(),
});

const scenarioSessionSchema = z.strictObject({
  id: z.string().regex(/^\d{19,20}$/).optional(),
  prompt: z.string().min(1),
  title: z.string().optional(),
  /** `owner/repo`; absent = repoless. */
  source: z.string().optional(),
  branch: z.string().optional(),
  automationMode: z.enum(['AUTOMATION_MODE_UNSPECIFIED', 'AUTO_CREATE_PR']).optional(),
  requirePlanApproval: z.boolean().optional(),
  behaviour: z.enum(['happy', 'question', 'stall', 'fail', 'stuck', 'approval']).optional(),
  /** Create time: ISO string, or seconds before the simulator started. */
  createTime: z.string().optional(),
  createdSecondsAgo: z.number().min(0).optional(),
  archived: z.boolean().optional(),
  /** Exact timeline; when present it replaces the behaviour-driven agent. */
  timeline: z.array(scriptItemSchema).optional(),
});

const sourceSchema = z.union([
  z.string().regex(/^[^/\s]+\/[^/\s]+$/),
  z.strictObject({
    owner: z.string(), repo: z.string(), isPrivate: z.boolean().optional(),
    defaultBranch: z.string().optional(), branches: z.array(z.string()).optional(),
  }),
]);

/** A scenario file: sources and sessions to load at start (and on reset). */
export const scenarioSchema = z.strictObject({
  seed: z.union([z.number(), z.string()]).optional(),
  sources: z.array(sourceSchema).optional(),
  sessions: z.array(scenarioSessionSchema).optional(),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioSession = z.infer<typeof scenarioSessionSchema>;
export type SourceSpec = z.infer<typeof sourceSchema>;

/** Validates a parsed scenario document, throwing a readable error. */
export function parseScenario(doc: unknown): Scenario {
  const r = scenarioSchema.safeParse(doc);
  if (!r.success) throw new Error(`invalid scenario: ${z.prettifyError(r.error)}`);
  for (const s of r.data.sessions ?? []) {
    if (s.timeline) s.timeline.sort((a, b) => a.atSeconds - b.atSeconds);
  }
  return r.data;
}

/** Schedules a scripted session's next item relative to its create time. */
export function scheduleScript(s: SessionRecord, push: (atUs: number) => void): void {
  const item = s.agent.script?.[s.agent.scriptIndex];
  if (item) push(s.createUs + Math.round(item.atSeconds * 1_000_000));
}

/** When the script runs out, the session waits in the phase its final state implies. */
function settle(s: SessionRecord): void {
  const st = s.state;
  s.agent.phase = st === 'COMPLETED' || st === 'FAILED' ? 'done'
    : st === 'AWAITING_USER_FEEDBACK' ? 'awaitFeedback'
      : st === 'AWAITING_PLAN_APPROVAL' ? 'awaitApproval'
        : st === 'IN_PROGRESS' ? 'stalled' : st === 'PAUSED' ? 'paused' : 'frozen';
  if (s.agent.phase === 'paused') s.agent.pausedPhase = 'stalled';
}

/** Applies the current script item of a scripted session and schedules the next one. */
export function applyScriptItem(host: AgentHost, s: SessionRecord, at: number): void {
  const a = s.agent;
  const item: ScriptItem | undefined = a.script?.[a.scriptIndex];
  if (!item) return settle(s);
  a.scriptIndex++;
  switch (item.activity) {
    case 'planGenerated':
      a.planSteps = draftPlan(s.topic, a.rng, item.steps ?? 4);
      a.planGenerated = true;
      a.planApproved = false;
      host.emit(s, { kind: 'planGenerated', originator: 'agent' }, at);
      break;
    case 'planApproved':
      a.planApproved = true;
      host.emit(s, { kind: 'planApproved', originator: 'system' }, at);
      break;
    case 'progressUpdated':
      if (item.changeSet) a.files++;
      host.emit(s, {
        kind: 'progressUpdated', originator: 'agent', text: item.title ?? `Step ${a.scriptIndex}`,
        detail: item.description, files: item.changeSet ? a.files : undefined,
      }, at);
      break;
    case 'agentMessaged':
      host.emit(s, { kind: 'agentMessaged', originator: 'agent', text: item.message ?? 'Working on it.' }, at);
      break;
    case 'sessionCompleted':
      if (a.files === 0) a.files = 1;
      host.setOutputs(s);
      host.emit(s, { kind: 'sessionCompleted', originator: 'agent' }, at);
      host.setState(s, 'COMPLETED', at);
      break;
    case 'sessionFailed':
      host.emit(s, { kind: 'sessionFailed', originator: 'agent', text: item.reason ?? 'Session failed.' }, at);
      host.setState(s, 'FAILED', at);
      break;
  }
  if (item.state) host.setState(s, item.state, at);
  const next = a.script?.[a.scriptIndex];
  if (next) host.scheduleAt(s, s.createUs + Math.round(next.atSeconds * 1_000_000));
  else settle(s);
}
