import { z } from '@hono/zod-openapi';
import { IsoDate, PageQuery, pageOf } from './common';

/**
 * The GitHub loop (issue #14): pull requests linked to the sessions that wrote them, their checks (CI runs),
 * per-repository automation settings (CI fixing, review routing, merging, archiving) and the webhook that feeds
 * it (polling with ETags is the fallback when no webhook is configured).
 */

const Repo = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/, 'owner/name')
  .openapi({ example: 'acme/shop' });

export const PullState = z.enum(['open', 'closed', 'merged']);
export type PullState = z.infer<typeof PullState>;

/** The combined state of a head commit's checks. */
export const ChecksState = z
  .enum(['none', 'pending', 'failure', 'success'])
  .openapi({ description: 'none = no checks reported yet; pending = at least one still running and none failed; failure = at least one failed (failure, timed_out, cancelled, action_required); success = every check completed successfully (neutral and skipped count as success)' });
export type ChecksState = z.infer<typeof ChecksState>;

export const ReviewDecision = z
  .enum(['none', 'approved', 'changes_requested', 'review_required'])
  .openapi({ description: 'From the latest review of each reviewer: changes_requested wins; approved when at least one approval and the repository requires no more' });
export type ReviewDecision = z.infer<typeof ReviewDecision>;

export const CiConclusion = z.enum(['success', 'failure', 'neutral', 'cancelled', 'skipped', 'timed_out', 'action_required', 'stale']);
export type CiConclusion = z.infer<typeof CiConclusion>;

/** One check run on a commit: what the CI page lists. */
export const CiRun = z
  .object({
    id: z.string().openapi({ description: 'The orchestrator id of this run row' }),
    repo: z.string().openapi({ example: 'acme/shop' }),
    checkRunId: z.number().int().openapi({ description: "GitHub's check run id" }),
    name: z.string().openapi({ example: 'test' }),
    headSha: z.string(),
    prNumber: z.number().int().nullable(),
    sessionId: z.string().nullable().openapi({ description: 'The session whose PR this commit belongs to' }),
    status: z.enum(['queued', 'in_progress', 'completed']),
    conclusion: CiConclusion.nullable(),
    startedAt: IsoDate.nullable(),
    completedAt: IsoDate.nullable(),
    durationMs: z.number().int().nullable(),
    htmlUrl: z.string().nullable(),
  })
  .openapi('CiRun');
export type CiRun = z.infer<typeof CiRun>;

export const PullRequest = z
  .object({
    id: z.string().openapi({ description: 'The orchestrator id of this PR link' }),
    repo: z.string().openapi({ example: 'acme/shop' }),
    number: z.number().int(),
    title: z.string(),
    htmlUrl: z.string(),
    headRef: z.string(),
    headSha: z.string(),
    baseRef: z.string(),
    author: z.string().nullable(),
    state: PullState,
    draft: z.boolean(),
    mergeable: z.boolean().nullable().openapi({ description: 'null while GitHub is still computing it' }),
    mergeableState: z.string().nullable().openapi({ description: "GitHub's mergeable_state: clean, dirty (conflict), blocked, unstable, draft, unknown" }),
    checks: ChecksState,
    reviewDecision: ReviewDecision,
    labels: z.array(z.string()),
    sessionId: z.string().nullable().openapi({ description: 'The session that opened it (from its outputs or its branch name); null when none is known' }),
    linkedBy: z.enum(['output', 'branch', 'dispatch']).nullable().openapi({ description: "How the session was found: its outputs' PR URL, the PR's head branch, or a session the GitHub loop dispatched" }),
    mergedAt: IsoDate.nullable(),
    closedAt: IsoDate.nullable(),
    updatedAt: IsoDate.openapi({ description: 'When the orchestrator last saw it change' }),
    syncedAt: IsoDate.openapi({ description: 'When the orchestrator last read it (webhook or poll)' }),
  })
  .openapi('PullRequest');
export type PullRequest = z.infer<typeof PullRequest>;

export const PullRequestDetail = PullRequest.extend({
  runs: z.array(CiRun).openapi({ description: "The head commit's check runs, newest first" }),
}).openapi('PullRequestDetail');
export type PullRequestDetail = z.infer<typeof PullRequestDetail>;

const q = (name: string) => ({ param: { name, in: 'query' as const } });

export const PullListQuery = PageQuery.extend({
  repo: Repo.optional().openapi(q('repo')),
  sessionId: z.string().max(200).optional().openapi(q('sessionId')),
  state: PullState.optional().openapi(q('state')),
  checks: ChecksState.optional().openapi(q('checks')),
});
export type PullListQuery = z.infer<typeof PullListQuery>;
export const PullPage = pageOf(PullRequest).openapi('PullPage');

export const CiRunQuery = PageQuery.extend({
  repo: Repo.optional().openapi(q('repo')),
  pr: z.coerce.number().int().min(1).optional().openapi(q('pr')),
  sessionId: z.string().max(200).optional().openapi(q('sessionId')),
  conclusion: CiConclusion.optional().openapi(q('conclusion')),
  since: z.iso.datetime().optional().openapi({ ...q('since'), description: 'Runs started at or after this time' }),
});
export type CiRunQuery = z.infer<typeof CiRunQuery>;
export const CiRunPage = pageOf(CiRun).openapi('CiRunPage');

export const CiStatsQuery = CiRunQuery.omit({ limit: true, cursor: true });
export type CiStatsQuery = z.infer<typeof CiStatsQuery>;

export const CiStats = z
  .object({
    total: z.number().int(),
    passed: z.number().int(),
    failed: z.number().int(),
    running: z.number().int(),
    successRate: z.number().min(0).max(1).nullable().openapi({ description: 'passed / (passed + failed); null with no finished run' }),
    medianDurationMs: z.number().int().nullable(),
    byDay: z.array(z.object({ day: z.string().openapi({ example: '2026-12-02' }), passed: z.number().int(), failed: z.number().int() })).openapi({ description: 'Finished runs per UTC day, oldest first (for the chart)' }),
  })
  .openapi('CiStats');
export type CiStats = z.infer<typeof CiStats>;

/** What the GitHub loop does for one repository. Everything is off until turned on. */
export const RepoAutomation = z
  .object({
    repo: z.string().openapi({ example: 'acme/shop' }),
    ciFix: z.object({
      enabled: z.boolean().openapi({ description: "Message the owning session with a diagnosis when its PR's checks fail (once per failing commit)" }),
      maxPerPr: z.number().int().min(0).max(20).openapi({ description: 'Attempts per PR, counted forever (a restart never refills); default 2' }),
      maxPerRepoPerDay: z.number().int().min(0).max(1000).openapi({ description: 'Attempts per repository per UTC day; default 10' }),
      afterCap: z.enum(['escalate', 'new_session']).openapi({ description: 'After the cap, or when the session no longer takes messages: tell a person with the diagnosis, or open a new session "fix CI on PR #n" through the dispatcher (once per PR, then escalate)' }),
    }),
    reviewFix: z.object({ enabled: z.boolean().openapi({ description: 'Route a review requesting changes to the owning session (once per review), same caps as ciFix' }) }),
    merge: z.object({
      enabled: z.boolean().openapi({ description: 'Merge linked PRs when checks are green and required reviews are present' }),
      method: z.enum(['merge', 'squash', 'rebase']),
      useAutoMerge: z.boolean().openapi({ description: "GitHub's auto-merge where the repository allows it, else the merge API" }),
      maxRebaseAsks: z.number().int().min(0).max(10).openapi({ description: 'Times a conflicting PR\'s session is asked to rebase before the PR is re-dispatched once (then escalated); default 1' }),
    }),
    archive: z.object({ auto: z.boolean().openapi({ description: 'Archive a session on Jules once its PR merged or closed' }) }),
    optOutLabel: z.string().min(1).max(100).openapi({ description: 'A PR with this label is left alone by every automation', example: 'autopilot:hands-off' }),
    updatedAt: IsoDate.nullable().openapi({ description: 'null = never saved (defaults)' }),
  })
  .openapi('RepoAutomation');
export type RepoAutomation = z.infer<typeof RepoAutomation>;

export const DEFAULT_OPT_OUT_LABEL = 'autopilot:hands-off';

export const defaultRepoAutomation = (repo: string): RepoAutomation => ({
  repo,
  ciFix: { enabled: false, maxPerPr: 2, maxPerRepoPerDay: 10, afterCap: 'escalate' },
  reviewFix: { enabled: false },
  merge: { enabled: false, method: 'squash', useAutoMerge: true, maxRebaseAsks: 1 },
  archive: { auto: false },
  optOutLabel: DEFAULT_OPT_OUT_LABEL,
  updatedAt: null,
});

const deep = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape).partial();

export const PutRepoAutomationBody = z
  .strictObject({
    repo: Repo,
    ciFix: deep({
      enabled: z.boolean(),
      maxPerPr: z.number().int().min(0).max(20),
      maxPerRepoPerDay: z.number().int().min(0).max(1000),
      afterCap: z.enum(['escalate', 'new_session']),
    }).optional(),
    reviewFix: deep({ enabled: z.boolean() }).optional(),
    merge: deep({ enabled: z.boolean(), method: z.enum(['merge', 'squash', 'rebase']), useAutoMerge: z.boolean(), maxRebaseAsks: z.number().int().min(0).max(10) }).optional(),
    archive: deep({ auto: z.boolean() }).optional(),
    optOutLabel: z.string().trim().min(1).max(100).optional(),
  })
  .openapi('PutRepoAutomation', { example: { repo: 'acme/shop', ciFix: { enabled: true, maxPerPr: 2 }, merge: { enabled: true, method: 'squash' } } });
export type PutRepoAutomationBody = z.infer<typeof PutRepoAutomationBody>;

export const RepoAutomationList = z
  .object({ items: z.array(RepoAutomation).openapi({ description: 'Saved repositories, then repositories of the workspace\'s sessions with defaults' }) })
  .openapi('RepoAutomationList');

/** The webhook GitHub sends to: its URL and whether a secret is set (the secret is write-only). */
export const GitHubWebhook = z
  .object({
    url: z.string().openapi({ description: 'Give GitHub this payload URL (content type application/json)', example: 'https://autopilot.example.com/hooks/github/ws_123' }),
    secretSet: z.boolean(),
    secretLast4: z.string().nullable(),
    lastDeliveryAt: IsoDate.nullable(),
    deliveries: z.number().int().openapi({ description: 'Deliveries accepted so far' }),
    rejected: z.number().int().openapi({ description: 'Deliveries refused (bad or missing signature) so far' }),
    polling: z.enum(['fallback', 'primary']).openapi({ description: 'primary = no webhook is configured (or none arrived lately), so PRs are polled at the normal rate; fallback = webhooks feed it and polling only catches up slowly' }),
  })
  .openapi('GitHubWebhook');
export type GitHubWebhook = z.infer<typeof GitHubWebhook>;

export const PutGitHubWebhookBody = z
  .strictObject({
    secret: z.string().min(16).max(256).regex(/^[\x21-\x7e]{16,256}$/, '16 to 256 printable ASCII characters without spaces').optional().openapi({ description: 'The secret set on GitHub; omitted = generate one (answered once in `secret`)' }),
  })
  .openapi('PutGitHubWebhook', { example: { secret: 'a-long-random-webhook-secret' } });
export type PutGitHubWebhookBody = z.infer<typeof PutGitHubWebhookBody>;

export const GitHubWebhookSaved = GitHubWebhook.extend({
  secret: z.string().nullable().openapi({ description: 'The generated secret, shown only in this answer (null when you gave one)' }),
}).openapi('GitHubWebhookSaved');

export const ArchiveFinishedBody = z
  .strictObject({
    dryRun: z.boolean().optional().openapi({ description: 'true = only count' }),
    repo: Repo.optional(),
  })
  .openapi('ArchiveFinished', { example: { dryRun: true } });
export type ArchiveFinishedBody = z.infer<typeof ArchiveFinishedBody>;

export const ArchiveFinishedResult = z
  .object({
    matched: z.number().int().openapi({ description: 'Unarchived sessions whose PR merged or closed' }),
    archived: z.number().int(),
    failed: z.array(z.object({ sessionId: z.string(), error: z.string() })),
  })
  .openapi('ArchiveFinishedResult');
export type ArchiveFinishedResult = z.infer<typeof ArchiveFinishedResult>;

export const PullSyncResult = z
  .object({ repos: z.number().int(), pulls: z.number().int(), changed: z.number().int(), requests: z.number().int(), notModified: z.number().int() })
  .openapi('PullSyncResult');
export type PullSyncResult = z.infer<typeof PullSyncResult>;
