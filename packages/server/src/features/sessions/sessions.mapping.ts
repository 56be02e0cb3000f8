import { z } from 'zod';
import { cursorCodec } from '../../platform/cursor';
import type { SessionActivity, SessionDetail, SessionSummary } from '@autopilot/contracts';
import type { JulesActivitiesTable, JulesSessionsTable } from '../../platform/db/schema';
import type { SessionSummaryRow } from './sessions.store';
import { prUrlOf, sortableTime, type JulesActivity, type JulesSession } from '../../integrations/jules';

/** Conversions between the Jules wire format, table rows and API shapes. */

/** The columns a wire session determines (everything but ids, ownership and sync bookkeeping). */
export function sessionFields(s: JulesSession) {
  const ctx = s.sourceContext;
  return {
    name: s.name ?? `sessions/${s.id}`,
    title: s.title ?? '',
    prompt: s.prompt ?? '',
    state: String(s.state),
    source: ctx?.source ?? null,
    starting_branch: ctx?.githubRepoContext?.startingBranch ?? null,
    working_branch: ctx?.workingBranch ?? null,
    pr_url: prUrlOf(s),
    url: s.url ?? null,
    require_plan_approval: s.requirePlanApproval ? 1 : 0,
    automation_mode: s.automationMode ?? null,
    outputs: JSON.stringify(s.outputs ?? []),
    raw: JSON.stringify(s),
    archived: s.archived ? 1 : 0,
    create_time: sortableTime(s.createTime),
    update_time: sortableTime(s.updateTime),
  } satisfies Partial<JulesSessionsTable>;
}

/** A sortable time back to the usual ISO form (microseconds kept when present). */
export function displayTime(t: string): string {
  return t.replace(/\.(\d{3})(\d{3})000Z$/, (_, ms, us) => (us === '000' ? `.${ms}Z` : `.${ms}${us}Z`));
}

export function toSummary(r: SessionSummaryRow): SessionSummary {
  return {
    id: r.id,
    julesId: r.jules_id,
    accountId: r.account_id,
    title: r.title,
    prompt: r.prompt,
    state: r.state,
    source: r.source,
    startingBranch: r.starting_branch,
    prUrl: r.pr_url,
    url: r.url,
    archived: !!r.archived,
    deleted: r.deleted_at !== null,
    createTime: displayTime(r.create_time),
    updateTime: displayTime(r.update_time),
    lastActivityAt: r.last_activity_at ? displayTime(r.last_activity_at) : null,
    activityCount: Number(r.activity_count),
  };
}

export function toDetail(r: JulesSessionsTable): SessionDetail {
  let outputs: Record<string, unknown>[] = [];
  try {
    outputs = JSON.parse(r.outputs);
  } catch {
    outputs = [];
  }
  return {
    ...toSummary(r),
    // Jules never reads these inputs back: the intent recorded at create time wins over any echo.
    requirePlanApproval: r.orchestrator_created ? !!r.intent_require_plan_approval : !!r.require_plan_approval,
    automationMode: r.orchestrator_created ? (r.intent_automation_mode ?? null) : r.automation_mode,
    createdBy: r.orchestrator_created ? 'orchestrator' : 'external',
    workingBranch: r.working_branch,
    outputs,
  };
}

export function activityRow(workspaceId: string, sessionId: string, position: number, a: JulesActivity): JulesActivitiesTable {
  const { kind: _kind, ...wire } = a;
  return {
    session_id: sessionId,
    activity_id: a.id,
    workspace_id: workspaceId,
    position,
    kind: String(a.kind),
    originator: a.originator ?? 'system',
    create_time: sortableTime(a.createTime),
    raw: JSON.stringify(wire),
  };
}

export function toActivity(r: JulesActivitiesTable): SessionActivity {
  const data = JSON.parse(r.raw) as Record<string, unknown>;
  return {
    id: r.activity_id,
    kind: r.kind,
    originator: r.originator,
    createTime: typeof data.createTime === 'string' ? data.createTime : displayTime(r.create_time),
    description: typeof data.description === 'string' ? data.description : null,
    data,
  };
}

/** Session pages (list, board columns) continue after (update_time, id); activity pages after a position. */
export const sessionCursor = cursorCodec(z.object({ u: z.string(), i: z.string() }));
export const activityCursor = cursorCodec(z.object({ p: z.number().int() }));
