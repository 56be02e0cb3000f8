import { z } from 'zod';

/**
 * The Jules v1alpha wire format (see docs/JULES_API.md), parsed tolerantly: objects keep unknown fields
 * (`looseObject`), enums are plain strings so a new state never breaks a poll, and union members ("kinds") are
 * detected by which key is present, with unknown kinds kept as raw data. Only an id is required, and it may come
 * from the resource `name`; missing times get the fallbacks below. Lists are parsed record by record by the client
 * (`parseItems`), so one malformed record is skipped instead of failing its page.
 */

export const SESSION_STATES = [
  'STATE_UNSPECIFIED', 'QUEUED', 'PLANNING', 'AWAITING_PLAN_APPROVAL', 'AWAITING_USER_FEEDBACK', 'IN_PROGRESS', 'PAUSED', 'FAILED', 'COMPLETED',
] as const;
/** A known state, or whatever new value the API sends (kept as a string). */
export type SessionState = (typeof SESSION_STATES)[number] | (string & {});
export const TERMINAL_STATES: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED']);

/**
 * Non-essential fields: a value of the wrong type (null, a number...) is dropped rather than failing the whole
 * page, so one odd field never stops a poll. Only ids and times are strict.
 */
const optStr = z.string().optional().catch(undefined);
const optBool = z.boolean().optional().catch(undefined);
const text = z.string().catch('');
/** An optional nested member, dropped if it is not an object of the expected shape. */
const opt = <T extends z.ZodType>(t: T) => t.optional().catch(undefined);

export const GitPatch = z.looseObject({ unidiffPatch: optStr, baseCommitId: optStr, suggestedCommitMessage: optStr });
export const ChangeSet = z.looseObject({ source: optStr, gitPatch: opt(GitPatch) });
export const PullRequest = z.looseObject({ url: optStr, title: optStr, description: optStr, baseRef: optStr, headRef: optStr });

/** One session output: `pullRequest`, `changeSet`, or an unknown kind kept raw. */
export const SessionOutput = z.looseObject({ pullRequest: opt(PullRequest), changeSet: opt(ChangeSet) });
export type SessionOutput = z.infer<typeof SessionOutput>;

export const SourceContext = z.looseObject({
  source: optStr,
  githubRepoContext: opt(z.looseObject({ startingBranch: optStr })),
  workingBranch: optStr,
  environmentVariablesEnabled: optBool,
});

/**
 * Stands in for a time the API left out when nothing better is known. The epoch, not "now": a time that changed
 * on every poll would make an unchanged session look moved each time (and re-fetch its activities).
 */
export const UNKNOWN_TIME = '1970-01-01T00:00:00Z';

/** The last segment of a resource name (`sessions/{id}`, `sessions/{id}/activities/{aid}`) of the expected shape. */
export function idFromName(name: unknown, collection: 'sessions' | 'activities'): string | undefined {
  if (typeof name !== 'string') return undefined;
  const m = collection === 'sessions' ? /^sessions\/([^/]+)$/.exec(name) : /^sessions\/[^/]+\/activities\/([^/]+)$/.exec(name);
  return m?.[1] || undefined;
}

/** `id`, else the id in `name`; a record with neither fails (it could not be stored or addressed). */
function withId<T extends { id?: string; name?: string }>(collection: 'sessions' | 'activities') {
  return (r: T, ctx: z.RefinementCtx) => {
    const id = r.id || idFromName(r.name, collection);
    if (!id) {
      ctx.addIssue({ code: 'custom', path: ['id'], message: 'no id and no readable name' });
      return z.NEVER;
    }
    return { ...r, id };
  };
}

const SessionFields = z.looseObject({
  name: optStr,
  id: optStr,
  prompt: text,
  title: text,
  sourceContext: opt(SourceContext),
  requirePlanApproval: optBool,
  automationMode: optStr,
  createTime: optStr,
  updateTime: optStr,
  state: z.string().catch('STATE_UNSPECIFIED') as z.ZodType<SessionState>,
  url: optStr,
  outputs: opt(z.array(SessionOutput)),
  archived: optBool,
});
/**
 * A session. Missing times: each falls back to the other (a session whose updateTime is absent is taken as not
 * updated since it was created, and a createTime can be no later than its updateTime), then to UNKNOWN_TIME.
 */
export const Session = SessionFields.transform(withId('sessions')).transform((s) => ({
  ...s,
  createTime: s.createTime || s.updateTime || UNKNOWN_TIME,
  updateTime: s.updateTime || s.createTime || UNKNOWN_TIME,
}));
export type Session = z.output<typeof Session>;

export const Artifact = z.looseObject({
  changeSet: opt(ChangeSet),
  media: opt(z.looseObject({ data: optStr, mimeType: optStr })),
  bashOutput: opt(z.looseObject({ command: optStr, output: optStr, exitCode: z.number().optional().catch(undefined) })),
});
export type Artifact = z.infer<typeof Artifact>;

export const PlanStep = z.looseObject({ id: optStr, title: text, description: optStr, index: z.number().optional().catch(undefined) });
export const Plan = z.looseObject({ id: optStr, steps: z.array(PlanStep).catch([]), createTime: optStr });
export type Plan = z.infer<typeof Plan>;

const ActivityFields = z.looseObject({
  name: optStr,
  id: optStr,
  description: optStr,
  /** Missing: '' here; the client fills it in from the activity before it in the page (see client.ts). */
  createTime: z.string().catch(''),
  originator: z.string().catch('system'),
  artifacts: opt(z.array(Artifact)),
  agentMessaged: opt(z.looseObject({ agentMessage: text })),
  userMessaged: opt(z.looseObject({ userMessage: text })),
  planGenerated: opt(z.looseObject({ plan: opt(Plan) })),
  planApproved: opt(z.looseObject({ planId: optStr })),
  progressUpdated: opt(z.looseObject({ title: text, description: optStr })),
  sessionCompleted: opt(z.looseObject({})),
  sessionFailed: opt(z.looseObject({ reason: text })),
});
export const Activity = ActivityFields.transform(withId('activities'));
export type WireActivity = z.output<typeof Activity>;

export const Source = z.looseObject({
  name: optStr,
  id: optStr,
  githubRepo: z
    .looseObject({
      owner: optStr,
      repo: optStr,
      isPrivate: optBool,
      defaultBranch: opt(z.looseObject({ displayName: optStr })),
      branches: opt(z.array(z.looseObject({ displayName: optStr }))),
    })
    .optional()
    .catch(undefined),
});
export type Source = z.infer<typeof Source>;

/** List pages hold raw records: the client parses each one, so a malformed record costs itself, not the page. */
export const SessionsPage = z.looseObject({ sessions: z.array(z.unknown()).default([]), nextPageToken: optStr });
export const ActivitiesPage = z.looseObject({ activities: z.array(z.unknown()).default([]), nextPageToken: optStr });
export const SourcesPage = z.looseObject({ sources: z.array(Source).default([]), nextPageToken: optStr });
/** `{}` answers (approvePlan, sendMessage, delete): anything JSON is accepted. */
export const Empty = z.unknown();

export const ACTIVITY_KINDS = ['agentMessaged', 'userMessaged', 'planGenerated', 'planApproved', 'progressUpdated', 'sessionCompleted', 'sessionFailed'] as const;
/** A known activity kind, `system` for a bare activity (e.g. "Session started"), or an unknown kind's key. */
export type ActivityKind = (typeof ACTIVITY_KINDS)[number] | 'system' | (string & {});

const ACTIVITY_BASE_KEYS = new Set(['name', 'id', 'description', 'createTime', 'originator', 'artifacts']);

/**
 * Which union member an activity carries. The API has no type key; the kind is whichever member is present.
 * A key we do not know whose value is an object is an unknown kind (returned with `known: false`).
 */
export function activityKind(a: Record<string, unknown>): { kind: ActivityKind; known: boolean } {
  for (const k of ACTIVITY_KINDS) if (a[k] !== undefined) return { kind: k, known: true };
  for (const [k, v] of Object.entries(a)) {
    if (!ACTIVITY_BASE_KEYS.has(k) && v !== null && typeof v === 'object' && !Array.isArray(v)) return { kind: k, known: false };
  }
  return { kind: 'system', known: true };
}

const ARTIFACT_KINDS = ['changeSet', 'media', 'bashOutput'];
/** The kind of one artifact or output (`changeSet`, `media`, ...), or the unknown key it carries. */
export function memberKind(x: Record<string, unknown>, known: readonly string[] = ARTIFACT_KINDS): { kind: string; known: boolean } {
  for (const k of known) if (x[k] !== undefined) return { kind: k, known: true };
  const first = Object.keys(x)[0];
  return { kind: first ?? 'empty', known: false };
}

/** An activity with its detected kind; every field the API sent is still on it. */
export type JulesActivity = WireActivity & { kind: ActivityKind };

/**
 * RFC 3339 times carry 0-9 fractional digits, so the strings do not sort. This form (always 9 digits, UTC) does,
 * on both database engines. Invalid input is returned unchanged.
 */
export function sortableTime(ts: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(ts);
  if (!m) return ts;
  if (m[3] !== 'Z') {
    const d = new Date(ts);
    if (Number.isNaN(d.getTime())) return ts;
    const base = d.toISOString().slice(0, 19);
    return `${base}.${(m[2] ?? '').padEnd(9, '0')}Z`;
  }
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z`;
}

/** The newest PR url among a session's outputs, if any. */
export function prUrlOf(s: Pick<Session, 'outputs'>): string | null {
  for (const o of [...(s.outputs ?? [])].reverse()) if (o.pullRequest?.url) return o.pullRequest.url;
  return null;
}
