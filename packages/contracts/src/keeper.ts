import { z } from '@hono/zod-openapi';
import { IsoDate, PageQuery, pageOf } from './common';

/**
 * The keeper: per-workspace settings, the action ledger (which doubles as the decision log), per-session keeper
 * state and the notifications it raises. Durations are milliseconds.
 */
export const KEEPER_ACTIONS = ['approve', 'answer', 'nudge', 'heal', 'continue', 'recover', 'hold', 'stuck', 'escalate', 'ci_fix', 'review_fix', 'rebase', 'merge', 'redispatch', 'archive', 'relay'] as const;
export const KeeperActionKind = z.enum(KEEPER_ACTIONS).openapi({
  description: 'approve/answer/nudge/heal/continue call Jules; recover creates a new session for a failed one; hold/stuck/escalate only record a decision and notify a human; the GitHub loop: ci_fix/review_fix/rebase message the session that owns a PR, merge merges it, redispatch opens a new session for it through the dispatcher, archive archives a session whose PR is done; relay sends a message a webhook rule asked for',
});
export type KeeperActionKind = z.infer<typeof KeeperActionKind>;

export const KeeperActionStatus = z.enum(['pending', 'sent', 'failed', 'recorded', 'abandoned']).openapi({
  description: 'pending = written before the Jules call; sent/failed = settled; recorded = no call needed; abandoned = a crashed pending row found already effective or superseded',
});
export type KeeperActionStatus = z.infer<typeof KeeperActionStatus>;

export const ApprovalPolicy = z.enum(['always', 'never', 'rules']);
export type ApprovalPolicy = z.infer<typeof ApprovalPolicy>;

const ms = (max: number) => z.number().int().min(0).max(max);
const DAY = 86_400_000;
const word = z.string().trim().min(1).max(100);
const SourceName = z.string().regex(/^(sources\/)?github\/[^/\s]+\/[^/\s]+$/, 'sources/github/{owner}/{repo}').max(300);

export const DEFAULT_HOLD_WORDS = ['delete', 'drop', 'migration', 'secret', 'credentials', 'force push', 'force-push', 'rm -rf', 'truncate'];

const ApprovalRules = z.strictObject({
  policy: ApprovalPolicy,
  respectRequirePlanApproval: z.boolean().openapi({
    description: 'true (default) = a session created with requirePlanApproval waits for a person whatever the policy; false = the policy decides',
  }),
  defaultRequirePlanApproval: z.boolean().openapi({
    description: 'What to assume for sessions created outside the orchestrator (Jules never reads requirePlanApproval back)',
  }),
  maxSteps: z.number().int().min(1).max(100).openapi({ description: 'rules: a plan with more steps is held for a human' }),
  holdWords: z.array(word).max(100).openapi({ description: 'rules: a plan mentioning any of these words or paths (case-insensitive) is held' }),
});

export const SourceApprovalOverride = z.strictObject({
  source: SourceName,
  policy: ApprovalPolicy,
  maxSteps: z.number().int().min(1).max(100).optional(),
  holdWords: z.array(word).max(100).optional(),
});

export const KeeperSettings = z
  .strictObject({
    enabled: z.boolean(),
    intervals: z.strictObject({
      tickMs: ms(3_600_000).min(100).openapi({ description: 'How often the loop wakes up' }),
      activeMs: ms(DAY).openapi({ description: 'Re-check cadence of active sessions (QUEUED, PLANNING, IN_PROGRESS)' }),
      waitingMs: ms(DAY).openapi({ description: 'Re-check cadence of sessions waiting on someone (AWAITING_*, PAUSED)' }),
      terminalMs: ms(7 * DAY).openapi({ description: 'Re-check cadence of COMPLETED and FAILED sessions' }),
    }),
    stall: z.strictObject({
      enabled: z.boolean(),
      thresholds: z
        .strictObject({ QUEUED: ms(7 * DAY).min(1000), PLANNING: ms(7 * DAY).min(1000), IN_PROGRESS: ms(7 * DAY).min(1000) })
        .openapi({ description: 'No new activity for longer than this (per state) = stalled. QUEUED is kept for old settings but never nudged: a queued session waits for a Jules slot' }),
      cooldownMs: ms(7 * DAY),
      maxNudges: z.number().int().min(0).max(50).openapi({ description: 'Per session; after that a human is notified instead' }),
    }),
    stuck: z.strictObject({
      enabled: z.boolean(),
      quietMs: ms(7 * DAY).openapi({ description: 'An IN_PROGRESS session with a pull request or change set, quiet this long, is marked stuck' }),
    }),
    approval: ApprovalRules.extend({
      perSource: z
        .array(SourceApprovalOverride)
        .max(200)
        .openapi({ description: 'At most one entry per source (sources/github/o/r and github/o/r are one source)', 'x-unique-by': 'source' } as Record<string, unknown>),
    }),
    answers: z.strictObject({
      enabled: z.boolean(),
      maxPerSession: z.number().int().min(0).max(100),
      answerGraceMinutes: z.number().int().min(0).max(1440).openapi({ description: 'Wait this long after a question so a watching person answers first' }),
    }),
    selfHeal: z.strictObject({
      enabled: z.boolean().openapi({ description: 'Opt-in recovery of FAILED sessions' }),
      maxAttempts: z.number().int().min(0).max(20).openapi({ description: 'Recoveries (message or new session) per session' }),
      strategy: z.enum(['auto', 'message', 'new_session']).openapi({
        description: 'auto = a message first, a new session (original prompt + failure reason) when Jules refuses the message',
      }),
    }),
    alerts: z
      .strictObject({
        enabled: z.boolean(),
        completedWithoutPrMs: ms(7 * DAY).openapi({ description: 'A repository session COMPLETED this long without a pull request: notify' }),
        pausedMs: ms(7 * DAY).openapi({ description: 'Upstream PAUSED this long: notify' }),
        noProgressAfterReplyMs: ms(7 * DAY).openapi({ description: 'Still AWAITING_USER_FEEDBACK this long after a reply: notify' }),
      })
      .openapi({ description: 'Notifications for sessions the keeper must not act on; once per cause' }),
    autoContinue: z.strictObject({ enabled: z.boolean(), maxPerSession: z.number().int().min(0).max(20), message: z.string().trim().min(1).max(2000) }),
    historyHorizonHours: z.number().int().min(1).max(8760).openapi({
      description:
        'The keeper leaves alone (no action, no notification) a session whose last sign of life (update or activity) is older than this: connecting an account with months of history must not approve or answer old sessions',
    }),
  })
  .openapi('KeeperSettings');
export type KeeperSettings = z.infer<typeof KeeperSettings>;

export const DEFAULT_KEEPER_SETTINGS: KeeperSettings = {
  enabled: true,
  intervals: { tickMs: 5_000, activeMs: 15_000, waitingMs: 30_000, terminalMs: 600_000 },
  stall: { enabled: true, thresholds: { QUEUED: 1_800_000, PLANNING: 900_000, IN_PROGRESS: 900_000 }, cooldownMs: 900_000, maxNudges: 3 },
  stuck: { enabled: true, quietMs: 600_000 },
  approval: { policy: 'rules', respectRequirePlanApproval: true, defaultRequirePlanApproval: false, maxSteps: 12, holdWords: DEFAULT_HOLD_WORDS, perSource: [] },
  answers: { enabled: true, maxPerSession: 5, answerGraceMinutes: 10 },
  selfHeal: { enabled: false, maxAttempts: 1, strategy: 'auto' },
  alerts: { enabled: true, completedWithoutPrMs: 600_000, pausedMs: 1_800_000, noProgressAfterReplyMs: 1_800_000 },
  autoContinue: { enabled: false, maxPerSession: 1, message: 'Please continue with any remaining work, then open a pull request.' },
  historyHorizonHours: 72,
};

/** A numeric keeper setting as a form shows it: where it lives, its bounds (from the schema) and its unit. */
export interface KeeperLimit {
  /** Dotted path in KeeperSettings, e.g. `answers.maxPerSession`. */
  path: string;
  label: string;
  /** `ms` values are shown and edited in minutes (`scale` ms per shown unit). */
  unit: string;
  scale: number;
  /** In the stored unit (ms for durations). */
  min: number;
  max: number;
  /** The switch this limit belongs to, if any (`answers.enabled`). */
  group?: string;
}

/** The bounds of a number schema (zod keeps them on the schema). */
function boundsOf(schema: unknown): { min: number; max: number } {
  const n = schema as { minValue?: number | null; maxValue?: number | null };
  return { min: n.minValue ?? 0, max: n.maxValue ?? Number.MAX_SAFE_INTEGER };
}
const at = (path: string): unknown => {
  let cur: unknown = KeeperSettings;
  for (const k of path.split('.')) cur = (cur as { shape: Record<string, unknown> }).shape[k];
  return cur;
};
const limit = (path: string, label: string, unit: string, scale = 1, group?: string): KeeperLimit => ({ path, label, unit, scale, ...boundsOf(at(path)), ...(group ? { group } : {}) });
const MIN = 60_000;

/**
 * Every numeric keeper setting with its bounds read from the schema, so the dashboard shows the same ranges the
 * server enforces without repeating a number.
 */
export const KEEPER_LIMITS: readonly KeeperLimit[] = [
  limit('approval.maxSteps', 'Most plan steps approved by the rules', 'steps', 1, 'approval'),
  limit('answers.maxPerSession', 'Answers per session', 'answers', 1, 'answers.enabled'),
  limit('answers.answerGraceMinutes', 'Wait before answering', 'min', 1, 'answers.enabled'),
  limit('stall.maxNudges', 'Nudges per session', 'nudges', 1, 'stall.enabled'),
  limit('stall.thresholds.PLANNING', 'Stalled when planning is quiet for', 'min', MIN, 'stall.enabled'),
  limit('stall.thresholds.IN_PROGRESS', 'Stalled when work is quiet for', 'min', MIN, 'stall.enabled'),
  limit('stall.cooldownMs', 'Between nudges', 'min', MIN, 'stall.enabled'),
  limit('stuck.quietMs', 'Stuck when finished but quiet for', 'min', MIN, 'stuck.enabled'),
  limit('selfHeal.maxAttempts', 'Recoveries per session', 'attempts', 1, 'selfHeal.enabled'),
  limit('autoContinue.maxPerSession', 'Continues per session', 'continues', 1, 'autoContinue.enabled'),
  limit('alerts.completedWithoutPrMs', 'Notify when completed without a PR after', 'min', MIN, 'alerts.enabled'),
  limit('alerts.pausedMs', 'Notify when paused for', 'min', MIN, 'alerts.enabled'),
  limit('alerts.noProgressAfterReplyMs', 'Notify when no progress after a reply for', 'min', MIN, 'alerts.enabled'),
  limit('historyHorizonHours', 'Leave alone sessions quiet for more than', 'h'),
  limit('intervals.tickMs', 'Wake up every', 's', 1000, 'intervals'),
  limit('intervals.activeMs', 'Look at active sessions every', 's', 1000, 'intervals'),
  limit('intervals.waitingMs', 'Look at waiting sessions every', 's', 1000, 'intervals'),
  limit('intervals.terminalMs', 'Look at finished sessions every', 's', 1000, 'intervals'),
];

/** PUT body: any subset of the settings; groups given are merged field by field into the current ones. */
export const UpdateKeeperSettingsBody = z
  .strictObject({
    enabled: z.boolean().optional(),
    intervals: KeeperSettings.shape.intervals.partial().optional(),
    stall: KeeperSettings.shape.stall
      .extend({ thresholds: KeeperSettings.shape.stall.shape.thresholds.partial() })
      .partial()
      .optional(),
    stuck: KeeperSettings.shape.stuck.partial().optional(),
    approval: KeeperSettings.shape.approval.partial().optional(),
    answers: KeeperSettings.shape.answers.partial().optional(),
    selfHeal: KeeperSettings.shape.selfHeal.partial().optional(),
    alerts: KeeperSettings.shape.alerts.partial().optional(),
    autoContinue: KeeperSettings.shape.autoContinue.partial().optional(),
    historyHorizonHours: KeeperSettings.shape.historyHorizonHours.optional(),
  })
  .openapi('UpdateKeeperSettings', {
    example: {
      enabled: true,
      stall: { thresholds: { IN_PROGRESS: 600_000 }, cooldownMs: 600_000, maxNudges: 2 },
      approval: { policy: 'rules', maxSteps: 10, perSource: [{ source: 'sources/github/acme/api', policy: 'never' }] },
      selfHeal: { enabled: true, maxAttempts: 1 },
    },
  });
export type UpdateKeeperSettingsBody = z.infer<typeof UpdateKeeperSettingsBody>;

export const KeeperAction = z
  .object({
    id: z.string(),
    sessionId: z.string(),
    sessionTitle: z.string().nullable().openapi({ description: "The session's title when the keeper acted (null for entries written before titles were kept)" }),
    kind: KeeperActionKind,
    trigger: z.string().openapi({ description: 'What caused it: an activity id or a state change; unique per session and kind' }),
    status: KeeperActionStatus,
    reason: z.string(),
    message: z.string().nullable().openapi({ description: 'The text sent to Jules (answer, nudge, heal, continue)' }),
    error: z.string().nullable(),
    createdAt: IsoDate,
    settledAt: IsoDate.nullable(),
  })
  .openapi('KeeperAction');
export type KeeperAction = z.infer<typeof KeeperAction>;

export const KeeperLogQuery = PageQuery.extend({
  sessionId: z.string().max(64).optional().openapi({ param: { name: 'sessionId', in: 'query' } }),
  action: KeeperActionKind.optional().openapi({ param: { name: 'action', in: 'query' } }),
  status: KeeperActionStatus.optional().openapi({ param: { name: 'status', in: 'query' } }),
  from: z.iso.datetime().optional().openapi({ param: { name: 'from', in: 'query' }, description: 'Inclusive, ISO-8601' }),
  to: z.iso.datetime().optional().openapi({ param: { name: 'to', in: 'query' }, description: 'Exclusive, ISO-8601' }),
});
export type KeeperLogQuery = z.infer<typeof KeeperLogQuery>;
export const KeeperLogPage = pageOf(KeeperAction).openapi('KeeperLogPage');

export const SessionKeeperState = z
  .object({
    sessionId: z.string(),
    paused: z.boolean(),
    stuck: z.boolean(),
    stuckReason: z.string().nullable(),
    nudges: z.number().int(),
    answers: z.number().int(),
    heals: z.number().int(),
    continues: z.number().int(),
    lastDecision: z
      .object({ action: z.string().openapi({ example: 'none' }), reason: z.string().openapi({ example: 'nudge cooldown' }), at: IsoDate })
      .nullable()
      .openapi({ description: "The keeper's latest decision about this session, including why it did nothing" }),
    actions: z.array(KeeperAction).openapi({ description: 'The newest 100 ledger entries of this session' }),
    links: z
      .array(z.object({ relation: z.enum(['recovered_as', 'recovered_from']), sessionId: z.string(), actionId: z.string(), reason: z.string(), at: IsoDate }))
      .openapi({ description: 'Sessions the keeper created to recover this one (recovered_as), or the failed session this one recovers (recovered_from)' }),
    gone: z.boolean().openapi({
      description: 'The session no longer exists in this workspace (deleted on Jules or removed here); what is shown comes from the ledger and notifications',
    }),
    title: z.string().nullable().openapi({ description: "The session's title (for a gone session: the last title the keeper saw)" }),
    source: z.string().nullable().openapi({ description: "The session's repository (sources/github/owner/repo), null for a repoless session or when unknown" }),
    messages: z
      .array(z.object({ activityId: z.string(), actionId: z.string(), kind: KeeperActionKind }))
      .openapi({
        description:
          "The session's userMessaged activities that are the keeper's messages: each sent ledger message matched to the first activity with exactly its text at or after the send, one to one (a person sending the same text later stays a person's)",
      }),
  })
  .openapi('SessionKeeperState');
export type SessionKeeperState = z.infer<typeof SessionKeeperState>;

export const UpdateSessionKeeperBody = z
  .strictObject({ paused: z.boolean() })
  .openapi('UpdateSessionKeeper', { example: { paused: true } });
export type UpdateSessionKeeperBody = z.infer<typeof UpdateSessionKeeperBody>;

export const KeeperNotificationStatus = z.enum(['unread', 'read', 'resolved', 'dismissed']).openapi({
  description: 'dismissed = someone dismissed it; resolved = its cause cleared (see resolvedReason); read = someone marked it read; unread otherwise',
});
export type KeeperNotificationStatus = z.infer<typeof KeeperNotificationStatus>;

/** Read, dismissed and resolved are shared by the whole workspace (one inbox per workspace, not per person). */
export const KeeperNotification = z
  .object({
    id: z.string(),
    sessionId: z.string().nullable(),
    sessionTitle: z.string().nullable().openapi({ description: "The session's title when the notification was raised" }),
    kind: z.string().openapi({ example: 'plan_held' }),
    title: z.string(),
    body: z.string(),
    createdAt: IsoDate,
    status: KeeperNotificationStatus,
    readAt: IsoDate.nullable(),
    dismissedAt: IsoDate.nullable(),
    resolvedAt: IsoDate.nullable(),
    resolvedReason: z.string().nullable().openapi({ example: 'the plan was approved (the session is IN_PROGRESS)' }),
  })
  .openapi('KeeperNotification');
export type KeeperNotification = z.infer<typeof KeeperNotification>;
export const KeeperNotificationQuery = PageQuery.extend({
  status: z
    .enum(['open', 'unread', 'all'])
    .default('open')
    .openapi({ param: { name: 'status', in: 'query' }, description: 'open (default) = not dismissed; unread = not read, dismissed or resolved; all' }),
  sessionId: z.string().max(64).optional().openapi({ param: { name: 'sessionId', in: 'query' } }),
});
export type KeeperNotificationQuery = z.infer<typeof KeeperNotificationQuery>;
export const KeeperNotificationPage = pageOf(KeeperNotification)
  .extend({ unread: z.number().int().min(0).openapi({ description: 'Unread notifications of the workspace (not read, dismissed or resolved)' }) })
  .openapi('KeeperNotificationPage');

export const UpdateKeeperNotificationBody = z
  .strictObject({
    read: z.boolean().optional().openapi({ description: 'true marks it read, false unread' }),
    dismissed: z.boolean().optional().openapi({ description: 'true dismisses it (it leaves the default list), false brings it back' }),
  })
  .refine((b) => b.read !== undefined || b.dismissed !== undefined, { message: 'give read or dismissed', path: ['read'] })
  .openapi('UpdateKeeperNotification', { minProperties: 1, example: { read: true } }); // minProperties: the refine above
export type UpdateKeeperNotificationBody = z.infer<typeof UpdateKeeperNotificationBody>;

export const UpdateKeeperNotificationsBody = z
  .strictObject({
    read: z.literal(true).optional().openapi({ description: 'Marks every unread notification read' }),
    dismissed: z.literal(true).optional().openapi({ description: 'Dismisses every notification not dismissed yet' }),
  })
  .refine((b) => b.read || b.dismissed, { message: 'give read: true or dismissed: true', path: ['read'] })
  .openapi('UpdateKeeperNotifications', { minProperties: 1, example: { read: true } }); // minProperties: the refine above
export type UpdateKeeperNotificationsBody = z.infer<typeof UpdateKeeperNotificationsBody>;
export const KeeperNotificationsUpdated = z.object({ updated: z.number().int().min(0), unread: z.number().int().min(0) }).openapi('KeeperNotificationsUpdated');
