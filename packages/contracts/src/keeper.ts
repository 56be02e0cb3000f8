import { z } from '@hono/zod-openapi';
import { IsoDate, PageQuery, pageOf } from './common';

/**
 * The keeper: per-workspace settings, the action ledger (which doubles as the decision log), per-session keeper
 * state and the notifications it raises. Durations are milliseconds.
 */
export const KEEPER_ACTIONS = ['approve', 'answer', 'nudge', 'heal', 'continue', 'recover', 'hold', 'stuck', 'escalate'] as const;
export const KeeperActionKind = z.enum(KEEPER_ACTIONS).openapi({
  description: 'approve/answer/nudge/heal/continue call Jules; recover creates a new session for a failed one; hold/stuck/escalate only record a decision and notify a human',
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
    approval: ApprovalRules.extend({ perSource: z.array(SourceApprovalOverride).max(200) }),
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
};

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
  })
  .openapi('SessionKeeperState');
export type SessionKeeperState = z.infer<typeof SessionKeeperState>;

export const UpdateSessionKeeperBody = z
  .strictObject({ paused: z.boolean() })
  .openapi('UpdateSessionKeeper', { example: { paused: true } });
export type UpdateSessionKeeperBody = z.infer<typeof UpdateSessionKeeperBody>;

export const KeeperNotification = z
  .object({
    id: z.string(),
    sessionId: z.string().nullable(),
    kind: z.string().openapi({ example: 'plan_held' }),
    title: z.string(),
    body: z.string(),
    createdAt: IsoDate,
  })
  .openapi('KeeperNotification');
export type KeeperNotification = z.infer<typeof KeeperNotification>;
export const KeeperNotificationPage = pageOf(KeeperNotification).openapi('KeeperNotificationPage');
