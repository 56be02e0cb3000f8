import { z } from '@hono/zod-openapi';
import { IsoDate } from './common';

/**
 * The event catalog: every event the server publishes on its bus, streams on `GET /api/events` and (later) sends
 * to webhooks, notifications, plugins and MCP. One entry per type: a version, a description and the exact payload
 * (`data`). The server's `publish` only accepts the payload of its type (checked at compile time and at run time),
 * the client parses every event with `AppEvent`, and `npm run events:schemas` writes one JSON Schema per type to
 * docs/events/.
 *
 * Versioning: a type's version goes up when a field is removed, renamed or changes meaning or type. Adding a field
 * keeps the version, so consumers must ignore fields they do not know. A consumer that gets a version it does not
 * know should skip the event (the client does).
 *
 * Self-contained on purpose: only shared primitives come from common.ts, so the catalog can be published as is.
 */

const Id = (what: string) => z.string().describe(what);
const MirrorId = Id('The session id in this orchestrator (the `id` of GET /api/sessions/{id})');
const JulesId = Id('The session id on Jules');
const SessionState = z.string().describe('The Jules session state: QUEUED, PLANNING, AWAITING_PLAN_APPROVAL, AWAITING_USER_FEEDBACK, IN_PROGRESS, PAUSED, FAILED, COMPLETED (or a newer value)');

/** The keeper's action kinds (the same list as keeper.ts's KEEPER_ACTIONS; a test keeps them equal). */
export const KeeperEventActionKind = z.enum(['approve', 'answer', 'nudge', 'heal', 'continue', 'recover', 'hold', 'stuck', 'escalate', 'ci_fix', 'review_fix', 'rebase', 'merge', 'redispatch', 'archive', 'relay']);
/** Why the keeper raised a notification. */
export const NotificationKind = z.enum([
  'plan_held', 'session_stuck', 'stall_escalated', 'question_escalated', 'heal_exhausted',
  'completed_without_pr', 'session_paused', 'no_progress_after_reply', 'session_recovered',
  'ci_escalated', 'review_escalated', 'conflict_escalated',
]);
export type NotificationKind = z.infer<typeof NotificationKind>;

const SessionCreated = z.object({
  id: MirrorId,
  julesId: JulesId,
  accountId: Id('The Jules account the session belongs to'),
  state: SessionState,
  title: z.string(),
});
const SessionStateChanged = z.object({ id: MirrorId, julesId: JulesId, from: SessionState, to: SessionState });
const SessionUpdated = z.object({
  id: MirrorId,
  julesId: JulesId,
  state: SessionState,
  archived: z.boolean(),
  updateTime: z.string().describe("Jules's updateTime of the session (RFC 3339)"),
});
const SessionDeleted = z.object({ id: MirrorId, julesId: JulesId });
const ActivityAdded = z.object({
  sessionId: MirrorId,
  julesId: JulesId,
  activityId: Id('The activity id on Jules'),
  kind: z.string().describe('agentMessaged, userMessaged, planGenerated, planApproved, progressUpdated, sessionCompleted, sessionFailed, system (or a newer kind)'),
  originator: z.string().describe('agent, user or system'),
  createTime: z.string().describe("Jules's createTime of the activity (RFC 3339; empty when Jules sent none)"),
});
const count = z.number().int().min(0);
const SessionsSynced = z.object({
  accountId: Id('The Jules account that was polled'),
  backfill: z.boolean().describe('The first import of the account: it published no per-session events, only this summary'),
  created: count,
  updated: count,
  deleted: count,
  activitiesAdded: count,
});
const KeeperAction = z.object({
  id: Id('The keeper action (GET /api/keeper/logs)'),
  sessionId: MirrorId,
  kind: KeeperEventActionKind,
  trigger: z.string().describe('With the session and kind, what made the keeper act (the ledger key)'),
  status: z.enum(['sent', 'failed', 'recorded']).describe('sent/failed = the Jules call settled; recorded = no call needed'),
  reason: z.string(),
  error: z.string().optional().describe('Why a failed action failed'),
});
const NotificationRaised = z.object({
  id: Id('The notification (GET /api/keeper/notifications)'),
  sessionId: MirrorId.nullable(),
  kind: NotificationKind,
  title: z.string(),
  body: z.string(),
});
const NotificationUpdated = z.object({
  ids: z.array(Id('A notification (GET /api/keeper/notifications)')).describe('The notifications that changed (empty when `all` is true)'),
  all: z.boolean().describe('Every notification of the workspace matching the change (mark all read, dismiss all)'),
  change: z.enum(['read', 'unread', 'dismissed', 'restored', 'resolved']).describe('resolved = its cause cleared (see reason); restored = brought back after a dismissal'),
  reason: z.string().nullable().describe('Why it was resolved; null for the other changes'),
});
/** A circuit breaker of the LLM gateway (per provider and model) or of a Jules account. */
const breakerData = <S extends 'open' | 'closed'>(state: S) =>
  z.discriminatedUnion('breaker', [
    z.object({
      breaker: z.literal('llm'),
      providerId: Id('The LLM provider (GET /api/providers)'),
      provider: z.string().describe("The provider's name in its workspace"),
      kind: z.string().describe('The provider kind (openai, anthropic, gemini, openai-compatible)'),
      model: z.string(),
      state: z.literal(state),
    }),
    z.object({
      breaker: z.literal('jules'),
      accountId: Id('The Jules account (GET /api/jules/accounts)'),
      accountName: z.string(),
      state: z.literal(state),
    }),
  ]);

const DispatchUpdated = z.object({
  id: Id('The dispatch intent (GET /api/dispatch/intents/{id})'),
  accountId: Id('The Jules account it goes to'),
  state: z.enum(['queued', 'dispatching', 'created', 'failed', 'cancelled']),
  origin: z.object({ kind: z.enum(['api', 'batch', 'schedule', 'keeper', 'template', 'github', 'webhook']), id: z.string().nullable().describe('The batch, schedule run, keeper action or webhook delivery') }),
  sessionId: MirrorId.nullable().describe('Set once created'),
  attempts: count,
  error: z.string().nullable(),
  waitingFor: z.string().nullable().describe('Why a queued intent waits: slot, daily_quota, retry, in_flight, rate_limit, paused'),
});
const BatchProgress = z.object({
  id: Id('The batch (GET /api/batches/{id})'),
  state: z.enum(['running', 'done', 'cancelled']),
  total: count,
  queued: count,
  dispatching: count,
  created: count,
  failed: count,
  cancelled: count,
});

const PullUpdated = z.object({
  id: Id('The PR link (GET /api/github/pulls/{id})'),
  repo: z.string().describe('owner/name'),
  number: count,
  sessionId: MirrorId.nullable(),
  state: z.enum(['open', 'closed', 'merged']),
  headSha: z.string(),
  checks: z.enum(['none', 'pending', 'failure', 'success']),
  reviewDecision: z.enum(['none', 'approved', 'changes_requested', 'review_required']),
  mergeableState: z.string().nullable(),
});
const CiRunUpdated = z.object({
  id: Id('The CI run row (GET /api/ci/runs)'),
  repo: z.string().describe('owner/name'),
  prNumber: count.nullable(),
  sessionId: MirrorId.nullable(),
  name: z.string(),
  headSha: z.string(),
  status: z.enum(['queued', 'in_progress', 'completed']),
  conclusion: z.string().nullable().describe('success, failure, neutral, cancelled, skipped, timed_out, action_required, stale'),
});

const Severity = z.enum(['info', 'warning', 'critical']);
const InboxRaised = z.object({
  id: Id('The notification (GET /api/notifications/{id})'),
  source: z.string().describe('keeper, breaker, budget, batch, schedule, session, channel, hooks, github'),
  kind: z.string().describe('What happened (plan_held, budget_80, batch_failed, session_completed …)'),
  severity: Severity,
  title: z.string(),
  body: z.string(),
  sessionId: MirrorId.nullable(),
  repo: z.string().nullable().describe('owner/name when it concerns one repository'),
  count: count.describe('Times it happened: above 1 when this is a grouped repeat'),
  links: z.array(z.object({ label: z.string(), href: z.string() })),
});
const InboxUpdated = z.object({
  ids: z.array(Id('A notification')).describe('The notifications that changed (empty when `all` is true)'),
  all: z.boolean().describe('A bulk change by filter'),
  change: z.enum(['read', 'unread', 'dismissed', 'restored', 'snoozed', 'unsnoozed', 'resolved']),
  unread: count.describe("The workspace's unread count after the change"),
});
const BudgetThreshold = z.object({
  budgetId: Id('The budget (GET /api/budgets)'),
  name: z.string(),
  percent: z.union([z.literal(80), z.literal(100)]).describe('80 = warning; 100 = exhausted (calls are refused)'),
  spentUsd: z.number(),
  limitUsd: z.number(),
  period: z.string().describe('The budget period the spend belongs to (e.g. 2026-12 or 2026-12-02)'),
});
const ScheduleRun = z.object({
  scheduleId: Id('The schedule (GET /api/schedules/{id})'),
  name: z.string(),
  runId: Id('The run'),
  outcome: z.enum(['ok', 'failed', 'skipped']),
  reason: z.string().nullable(),
  batchId: Id('The batch it started').nullable(),
});
const HookDeliveryEvent = z.object({
  id: Id('The delivery (GET /api/hooks/deliveries/{id})'),
  endpointId: Id('The endpoint'),
  status: z.enum(['queued', 'processed', 'no_match', 'failed']),
  matched: z.array(z.string()).describe('Names of the rules that matched'),
});
const ChannelDeliveryEvent = z.object({
  id: Id('The delivery (GET /api/channel-deliveries/{id}); also its webhook-id'),
  channelId: Id('The channel'),
  eventType: z.string(),
  status: z.enum(['pending', 'delivered', 'failed', 'cancelled']),
  attempts: count,
  error: z.string().nullable(),
});
const ChannelTest = z.object({ channelId: Id('The channel being tested'), message: z.string() });
const PeopleRole = z.enum(['owner', 'admin', 'member', 'viewer']);
const ActorRefText = z.string().describe('Who did it: `person:<id>`, `key:<id>`, `system:system`');
const MemberAdded = z.object({ userId: Id('The person'), role: PeopleRole, via: z.enum(['create', 'invite', 'signup']).describe('How they joined'), by: ActorRefText });
const MemberUpdated = z.object({ userId: Id('The person'), from: PeopleRole, to: PeopleRole, by: ActorRefText });
const MemberRemoved = z.object({ userId: Id('The person'), role: PeopleRole, left: z.boolean().describe('True when they removed themselves'), by: ActorRefText });
const InviteCreated = z.object({ inviteId: Id('The invitation (GET /api/workspaces/{id}/invites)'), role: PeopleRole, emailed: z.boolean(), expiresAt: IsoDate, by: ActorRefText });
const InviteAccepted = z.object({ inviteId: Id('The invitation'), userId: Id('The person who accepted it'), role: PeopleRole.describe('Their role now') });
const InviteRevoked = z.object({ inviteId: Id('The invitation'), by: ActorRefText });
const WorkspaceUpdated = z.object({ name: z.string(), slug: z.string(), by: ActorRefText });
const WorkspaceDeleted = z.object({ slug: z.string(), by: ActorRefText });

const entry = <V extends number, S extends z.ZodType>(version: V, description: string, data: S) => ({ version, description, data });

/** Every event type: version, description and payload schema. */
export const EventCatalog = {
  'session.created': entry(1, 'A session appeared on a Jules account (created here or elsewhere).', SessionCreated),
  'session.state_changed': entry(1, "A session's state changed (published before its session.updated).", SessionStateChanged),
  'session.updated': entry(1, 'A mirrored session changed (state, archived flag or update time).', SessionUpdated),
  'session.deleted': entry(1, 'A session was deleted (here, or it vanished from Jules).', SessionDeleted),
  'activity.added': entry(1, 'A new activity of a session was mirrored from Jules.', ActivityAdded),
  'sessions.synced': entry(1, 'One poll of a Jules account changed something (a backfill publishes only this).', SessionsSynced),
  'keeper.action': entry(1, 'The keeper acted on a session, or settled an action interrupted earlier.', KeeperAction),
  'notification.raised': entry(1, 'The keeper wants a person to look at something.', NotificationRaised),
  'notification.updated': entry(1, 'Notifications were marked read or unread, dismissed, restored, or resolved because their cause cleared.', NotificationUpdated),
  'dispatch.updated': entry(1, 'A session create moved: queued, being sent, created, failed or cancelled.', DispatchUpdated),
  'github.pull.updated': entry(1, 'A linked pull request changed: state, head commit, checks, review decision or mergeability.', PullUpdated),
  'ci.run.updated': entry(1, 'A CI check run of a linked pull request was created or changed status.', CiRunUpdated),
  'batch.progress': entry(1, "A batch's counts changed (an item was sent, created, failed or cancelled).", BatchProgress),
  'breaker.opened': entry(1, 'A circuit breaker opened: calls to that LLM model or Jules account stop for a while.', breakerData('open')),
  'breaker.closed': entry(1, 'A circuit breaker closed again: calls go through.', breakerData('closed')),
  'inbox.raised': entry(1, 'A notification for people: new, or a grouped repeat of one (count above 1).', InboxRaised),
  'inbox.updated': entry(1, 'Notifications were read, dismissed, snoozed, restored or resolved; carries the unread count.', InboxUpdated),
  'budget.threshold': entry(1, 'A budget reached 80% or 100% of its limit in its period (once per period and threshold).', BudgetThreshold),
  'schedule.run': entry(1, 'A schedule fired: its run finished, failed or was skipped.', ScheduleRun),
  'hook.delivery': entry(1, 'An inbound webhook delivery was accepted or processed.', HookDeliveryEvent),
  'channel.delivery': entry(1, 'An outbound delivery was attempted: delivered, waiting to retry, or given up.', ChannelDeliveryEvent),
  'channel.test': entry(1, 'A test event sent to one channel by a person (POST /api/channels/{id}/test).', ChannelTest),
  'member.added': entry(1, 'A person joined the workspace (created it, accepted an invitation, or signed up with one).', MemberAdded),
  'member.updated': entry(1, "A member's role changed.", MemberUpdated),
  'member.removed': entry(1, 'A member was removed, or left.', MemberRemoved),
  'invite.created': entry(1, 'A person was invited by e-mail (the token is never in an event).', InviteCreated),
  'invite.accepted': entry(1, 'An invitation was accepted (once).', InviteAccepted),
  'invite.revoked': entry(1, 'A pending invitation was revoked.', InviteRevoked),
  'workspace.updated': entry(1, 'The workspace was renamed or its slug changed.', WorkspaceUpdated),
  'workspace.deleted': entry(1, 'The workspace and everything in it was deleted.', WorkspaceDeleted),
} as const;

type Catalog = typeof EventCatalog;
export type EventType = keyof Catalog;
/** Every event type, in catalog order. */
export const EventTypes = Object.keys(EventCatalog) as [EventType, ...EventType[]];
export const EventType = z.enum(EventTypes);
/** The payload (`data`) of one event type. */
export type EventData<T extends EventType> = z.infer<Catalog[T]['data']>;

/** The envelope of one event type: what the bus carries and the SSE stream sends as each message's data. */
function envelopeOf<T extends EventType>(type: T) {
  const { version, description, data } = EventCatalog[type];
  return z
    .object({
      id: z.string().describe('Monotonic id; send it back as Last-Event-ID to resume'),
      type: z.literal(type),
      version: z.literal(version as Catalog[T]['version']).describe('The version of this type\'s payload'),
      workspaceId: z.string().nullable().describe('The workspace the event belongs to (null = every workspace)'),
      at: IsoDate.describe('When it was published'),
      data: data as Catalog[T]['data'],
    })
    .describe(description);
}
type Envelope<T extends EventType> = ReturnType<typeof envelopeOf<T>>;
type AnyEnvelope = { [T in EventType]: Envelope<T> }[EventType];

/** The envelope schema of each type (for JSON Schemas and per-type parsing). */
export const EventEnvelopes = Object.fromEntries(EventTypes.map((t) => [t, envelopeOf(t)])) as { [T in EventType]: Envelope<T> };

/** Any event: a union discriminated on `type`. */
export const AppEvent = z
  .discriminatedUnion('type', EventTypes.map((t) => EventEnvelopes[t]) as unknown as [AnyEnvelope, ...AnyEnvelope[]])
  .openapi('Event');
export type AppEvent = z.infer<typeof AppEvent>;
/** The event of one type (or of several), narrowed. */
export type EventOf<T extends EventType> = Extract<AppEvent, { type: T }>;

/** The payload schema of a type. */
export const eventDataSchema = <T extends EventType>(type: T): Catalog[T]['data'] => EventCatalog[type].data;
export const eventVersion = (type: EventType): number => EventCatalog[type].version;
export const isEventType = (t: string): t is EventType => Object.hasOwn(EventCatalog, t);

/** The roles of a workspace, weakest first (the same list as workspaces.ts's Role; kept here so the catalog stands alone). */
type EventRole = 'viewer' | 'member' | 'admin' | 'owner';
const EVENT_ROLE_RANK: Record<EventRole, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

/**
 * Who may receive an event on `GET /api/events`: a subscriber below `minRole` never receives it, and a scoped API key
 * receives it only when its scopes grant `<resource>:read` (the resource is the routes feature that reads the same
 * data). The rule: an event is for whoever may read what it describes; `minRole` is that of the GET routes of the
 * resource, raised for events about access itself (members, invites, keys, audit).
 */
export interface EventAccess {
  resource: string;
  minRole: EventRole;
  /** Why this least role (one line, published in docs/events/). */
  why: string;
}

/** Event type prefix -> who may receive it; the longest matching prefix wins (see `eventAccess`). */
export const EventAccessRules: ReadonlyArray<readonly [prefix: string, access: EventAccess]> = [
  ['session.', { resource: 'sessions', minRole: 'viewer', why: 'every role reads the sessions it mirrors (GET /api/sessions)' }],
  ['sessions.', { resource: 'sessions', minRole: 'viewer', why: 'a poll summary of sessions every role reads' }],
  ['activity.', { resource: 'sessions', minRole: 'viewer', why: 'activities are read by every role (GET /api/sessions/{id}/activities)' }],
  ['keeper.', { resource: 'keeper', minRole: 'viewer', why: 'the keeper log is read by every role (GET /api/keeper/logs)' }],
  ['notification.', { resource: 'keeper', minRole: 'viewer', why: "the keeper's notifications are read by every role" }],
  ['dispatch.', { resource: 'dispatch', minRole: 'viewer', why: 'the dispatch queue is read by every role (GET /api/dispatch/intents)' }],
  ['github.pull.', { resource: 'pulls', minRole: 'viewer', why: 'linked pull requests are read by every role (GET /api/github/pulls)' }],
  ['ci.run.', { resource: 'pulls', minRole: 'viewer', why: 'CI runs are read by every role (GET /api/ci/runs)' }],
  ['batch.', { resource: 'batches', minRole: 'viewer', why: 'batches are read by every role (GET /api/batches)' }],
  ['breaker.', { resource: 'llm', minRole: 'viewer', why: 'breaker states are read by every role (GET /api/llm/breakers); no secrets' }],
  ['inbox.', { resource: 'inbox', minRole: 'viewer', why: 'the notification center is for every role (GET /api/notifications)' }],
  ['budget.', { resource: 'budgets', minRole: 'viewer', why: 'spend and limits are read by every role (GET /api/budgets)' }],
  ['schedule.', { resource: 'schedules', minRole: 'viewer', why: 'schedule runs are read by every role (GET /api/schedules/{id}/runs)' }],
  ['hook.', { resource: 'hooks', minRole: 'viewer', why: 'delivery states (never payloads) are read by every role (GET /api/hooks/deliveries/{id})' }],
  ['channel.', { resource: 'channels', minRole: 'viewer', why: 'outbound deliveries are read by every role (GET /api/channel-deliveries/{id})' }],
  ['workspace.', { resource: 'workspaces', minRole: 'viewer', why: 'everyone in a workspace must learn it was renamed or deleted' }],
  ['member.', { resource: 'workspaces', minRole: 'admin', why: 'who has access is for the people who manage access (admins and owners)' }],
  ['invite.', { resource: 'workspaces', minRole: 'admin', why: 'invitations name people not yet in the workspace: managers only' }],
  ['key.', { resource: 'workspaces', minRole: 'admin', why: 'API keys are managed by admins and owners' }],
  ['audit.', { resource: 'audit', minRole: 'admin', why: 'the audit trail is read by admins and owners' }],
  ['transfer.', { resource: 'transfer', minRole: 'admin', why: 'export and import of a workspace are for admins and owners' }],
];

/**
 * The access of an event type: its longest matching rule in `EventAccessRules`. A type no rule covers is closed by
 * default (admins and owners, resource = its first segment) and `declared: false`, which the authorization matrix
 * test refuses, so every type is decided on purpose.
 */
export function eventAccess(type: string): EventAccess & { declared: boolean } {
  let best: readonly [string, EventAccess] | undefined;
  for (const rule of EventAccessRules) if (type.startsWith(rule[0]) && (!best || rule[0].length > best[0].length)) best = rule;
  if (best) return { ...best[1], declared: true };
  return { resource: type.split('.')[0], minRole: 'admin', why: 'not declared in EventAccessRules: closed by default', declared: false };
}

/**
 * Whether a subscriber with `role` and `scopes` (null = unscoped) may receive events of `type`. `scopeAllows` is the
 * routes' own check (passed in so the catalog stays free of route code).
 */
export function mayReceiveEvent(
  type: string,
  who: { role: EventRole; scopes: readonly string[] | null },
  scopeAllows: (scopes: readonly string[] | null, needed: string) => boolean,
): boolean {
  const access = eventAccess(type);
  return EVENT_ROLE_RANK[who.role] >= EVENT_ROLE_RANK[access.minRole] && scopeAllows(who.scopes, `${access.resource}:read`);
}
