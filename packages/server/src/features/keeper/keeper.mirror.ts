import type { CreateSessionBody, SessionActivity, SessionDetail, SessionSummary } from '@autopilot/contracts';
import type { SessionSignature, SessionsFeatureService } from '../sessions';
import { filesFromPatch } from './keeper.risk';
import type { KeeperActivity, KeeperSession, PlanStepView } from './keeper.types';

/**
 * What the keeper needs from the session mirror, as a port: the loop and the tests depend on this, and
 * `mirrorFromSessions` adapts the sessions feature's service to it (the keeper never touches the mirror's tables).
 */
export interface KeeperMirror {
  /**
   * Change signatures of every session of the workspace that is not deleted, archived ones included (the keeper
   * must see them to skip them): narrow rows, so a tick over 100,000 sessions stays cheap.
   */
  signatures(workspaceId: string): Promise<SessionSignature[]>;
  /** Full summaries of the sessions a tick found due. */
  summaries(workspaceId: string, ids: string[]): Promise<SessionSummary[]>;
  detail(workspaceId: string, id: string): Promise<SessionDetail>;
  /** The newest `count` activities, oldest first. */
  recentActivities(workspaceId: string, s: Pick<SessionSummary, 'id' | 'activityCount'>, count: number): Promise<SessionActivity[]>;
  approvePlan(workspaceId: string, id: string): Promise<unknown>;
  sendMessage(workspaceId: string, id: string, message: string): Promise<unknown>;
  /** When the mirror last finished a full poll of the session's account (epoch ms), or null. */
  lastSyncAt(workspaceId: string, accountId: string): Promise<number | null>;
  /**
   * The session as Jules sees it right now (one sessions.get), or null when it cannot be read: checked right
   * before an action so a mirror that is behind never makes the keeper act on a session that moved on.
   */
  upstream(workspaceId: string, id: string): Promise<{ state: string; archived: boolean; updateTimeMs: number } | null>;
  /** Workspaces that have at least one Jules account (each gets a keeper loop). */
  workspaces(): Promise<string[]>;
  /**
   * Creates a session through the dispatcher (quota-aware, exactly once; `key` makes a retried recovery find the
   * create it already submitted). Throws while the create is still queued or when it failed.
   */
  createSession?(workspaceId: string, body: CreateSessionBody, key: string): Promise<{ id: string }>;
  /** The id of a session of the workspace whose prompt contains `text` (the recovery marker), or null. */
  findSessionByText?(workspaceId: string, text: string): Promise<string | null>;
}

/** The sessions feature's service as a {@link KeeperMirror} (the keeper reads no account row of its own). */
export function mirrorFromSessions(sessions: SessionsFeatureService, create?: (workspaceId: string, body: CreateSessionBody, key: string) => Promise<{ id: string }>): KeeperMirror {
  return {
    signatures: (workspaceId) => sessions.signatures(workspaceId),
    summaries: (workspaceId, ids) => sessions.summaries(workspaceId, ids),
    detail: (workspaceId, id) => sessions.get(workspaceId, id),
    async recentActivities(workspaceId, s, count) {
      // Positions are 0-based arrival order, so the newest `count` start after position activityCount - count - 1.
      const page = await sessions.activities(workspaceId, s.id, { limit: count, afterPosition: Math.max(-1, s.activityCount - count - 1) });
      return page.items;
    },
    approvePlan: (workspaceId, id) => sessions.approvePlan(workspaceId, id),
    sendMessage: (workspaceId, id, message) => sessions.sendMessage(workspaceId, id, message),
    lastSyncAt: (workspaceId, accountId) => sessions.lastSyncAt(workspaceId, accountId),
    upstream: (workspaceId, id) => sessions.upstream(workspaceId, id),
    workspaces: () => sessions.workspacesWithAccounts(),
    ...(create ? { createSession: create } : {}),
    async findSessionByText(workspaceId, text) {
      const page = await sessions.list(workspaceId, { text, limit: 2, archived: 'all', deleted: 'true' });
      return page.items[0]?.id ?? null;
    },
  };
}

const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : NaN);

/** The decision's view of a mirrored session. */
export function toKeeperSession(s: SessionSummary | SessionDetail, paused: boolean): KeeperSession {
  const outputs = 'outputs' in s ? s.outputs : [];
  const last = ms(s.lastActivityAt);
  return {
    id: s.id,
    state: s.state,
    archived: s.archived,
    deleted: s.deleted,
    paused,
    prompt: s.prompt,
    title: s.title || s.prompt.slice(0, 80),
    source: s.source,
    prUrl: s.prUrl,
    hasOutputs: outputs.length > 0,
    createTimeMs: ms(s.createTime),
    updateTimeMs: ms(s.updateTime),
    lastActivityAtMs: Number.isNaN(last) ? null : last,
    activityCount: s.activityCount,
    accountId: s.accountId,
    startingBranch: s.startingBranch,
    // Only a detail carries the create-time intent; a summary leaves it unknown (the workspace default applies).
    ...('createdBy' in s
      ? {
          createdHere: s.createdBy === 'orchestrator',
          requirePlanApproval: s.createdBy === 'orchestrator' ? s.requirePlanApproval : s.requirePlanApproval ? true : null,
          automationMode: s.automationMode,
        }
      : {}),
  };
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/** The decision's view of a mirrored activity: kind, time and the one text that matters for its kind. */
export function toKeeperActivity(a: SessionActivity): KeeperActivity {
  const d = a.data;
  let text: string | null = null;
  let plan: PlanStepView[] | undefined;
  switch (a.kind) {
    case 'agentMessaged':
      text = str(obj(d.agentMessaged).agentMessage);
      break;
    case 'userMessaged':
      text = str(obj(d.userMessaged).userMessage);
      break;
    case 'sessionFailed':
      text = str(obj(d.sessionFailed).reason);
      break;
    case 'progressUpdated':
      text = str(obj(d.progressUpdated).title);
      break;
    case 'planGenerated': {
      const steps = obj(obj(d.planGenerated).plan).steps;
      plan = Array.isArray(steps) ? steps.map((x) => ({ title: String(obj(x).title ?? ''), description: str(obj(x).description) ?? undefined })) : [];
      break;
    }
  }
  // Files of changeSet artifacts (unidiff headers): the plan rules look at what the session actually touches.
  const sets = Array.isArray(d.artifacts) ? d.artifacts.map((x) => obj(obj(x).changeSet)).filter((c) => Object.keys(c).length > 0) : [];
  const files = sets.flatMap((c) => {
    const patch = str(obj(c.gitPatch).unidiffPatch);
    return patch ? filesFromPatch(patch) : [];
  });
  return {
    id: a.id, kind: a.kind, originator: a.originator, createTimeMs: ms(a.createTime), text: text ?? a.description ?? null,
    ...(plan ? { plan } : {}),
    ...(sets.length ? { changeSet: true, files } : {}),
  };
}
