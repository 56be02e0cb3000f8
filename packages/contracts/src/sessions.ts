import { z } from '@hono/zod-openapi';
import { IsoDate, PageQuery, pageOf } from './common';
import { BoardColumnId } from './board';

/**
 * Jules sessions as mirrored by the orchestrator, and the Jules accounts (API keys) they come from. States and
 * kinds are strings: the Jules API is alpha and adds values; known ones are listed for documentation.
 */
export const KNOWN_SESSION_STATES = [
  'QUEUED', 'PLANNING', 'AWAITING_PLAN_APPROVAL', 'AWAITING_USER_FEEDBACK', 'IN_PROGRESS', 'PAUSED', 'FAILED', 'COMPLETED',
] as const;
export const SessionStateText = z.string().openapi({ example: 'IN_PROGRESS', description: `One of ${KNOWN_SESSION_STATES.join(', ')} (or a newer value)` });

export const JulesAccountOrigin = z.enum(['api', 'env', 'simulator']);

export const JulesAccount = z
  .object({
    id: z.string(),
    name: z.string(),
    origin: JulesAccountOrigin.openapi({ description: 'api = added through this API; env = JULES_API_KEY; simulator = demo mode' }),
    keyLast4: z.string().openapi({ description: 'The last 4 characters of the key; the key itself is never returned' }),
    baseUrl: z.string().nullable(),
    createdAt: IsoDate,
    lastSyncAt: IsoDate.nullable(),
    lastError: z.string().nullable(),
  })
  .openapi('JulesAccount');
export type JulesAccount = z.infer<typeof JulesAccount>;

export const JulesAccountList = z.object({ items: z.array(JulesAccount) }).openapi('JulesAccountList');

export const CreateJulesAccountBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    apiKey: z.string().trim().min(8).max(512).openapi({ description: 'Write-only' }),
    baseUrl: z.url({ protocol: /^https?$/ }).max(500).optional().openapi({ pattern: '^https?://', description: 'Default https://jules.googleapis.com/v1alpha' }),
  })
  .openapi('CreateJulesAccount', { example: { name: 'team key', apiKey: 'AQ.example-jules-api-key' } });
export type CreateJulesAccountBody = z.infer<typeof CreateJulesAccountBody>;

export const UpdateJulesAccountBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    apiKey: z.string().trim().min(8).max(512).optional().openapi({ description: 'Write-only; required whenever baseUrl changes (a key never follows a new URL on its own)' }),
    baseUrl: z.url({ protocol: /^https?$/ }).max(500).nullable().optional().openapi({ pattern: '^https?://', description: 'null = the default Jules API' }),
  })
  // A new baseUrl needs the key again (the server also accepts the unchanged URL without it): stated for clients.
  .openapi('UpdateJulesAccount', { dependentRequired: { baseUrl: ['apiKey'] }, example: { name: 'team key (rotated)', apiKey: 'AQ.example-new-jules-api-key' } } as Record<string, unknown>);
export type UpdateJulesAccountBody = z.infer<typeof UpdateJulesAccountBody>;

export const SessionSummary = z
  .object({
    id: z.string(),
    julesId: z.string(),
    accountId: z.string(),
    title: z.string(),
    prompt: z.string(),
    state: SessionStateText,
    source: z.string().nullable().openapi({ example: 'sources/github/acme/api' }),
    startingBranch: z.string().nullable(),
    prUrl: z.string().nullable(),
    url: z.string().nullable(),
    archived: z.boolean(),
    deleted: z.boolean().openapi({ description: 'Gone upstream (or deleted here); kept so nothing is lost silently' }),
    createTime: IsoDate,
    updateTime: IsoDate,
    lastActivityAt: IsoDate.nullable(),
    activityCount: z.number().int(),
  })
  .openapi('SessionSummary');
export type SessionSummary = z.infer<typeof SessionSummary>;

export const SessionDetail = SessionSummary.extend({
  requirePlanApproval: z.boolean().openapi({
    description: 'As recorded when the orchestrator created the session (Jules treats it as input-only and never returns it); for sessions created elsewhere, false unless Jules happened to echo true',
  }),
  automationMode: z.string().nullable().openapi({ description: 'As recorded at create time (orchestrator sessions), else whatever Jules echoed' }),
  createdBy: z.enum(['orchestrator', 'external']).openapi({
    description: 'orchestrator = created through POST /api/sessions (its requirePlanApproval and automationMode are known); external = found by the mirror',
  }),
  workingBranch: z.string().nullable(),
  outputs: z.array(z.record(z.string(), z.unknown())),
}).openapi('SessionDetail');
export type SessionDetail = z.infer<typeof SessionDetail>;

export const SessionActivity = z
  .object({
    id: z.string(),
    kind: z.string().openapi({ example: 'planGenerated', description: 'agentMessaged, userMessaged, planGenerated, planApproved, progressUpdated, sessionCompleted, sessionFailed, system, or an unknown kind kept as is' }),
    originator: z.string(),
    createTime: IsoDate,
    description: z.string().nullable(),
    data: z.record(z.string(), z.unknown()).openapi({ description: 'The activity exactly as Jules sent it' }),
  })
  .openapi('SessionActivity');
export type SessionActivity = z.infer<typeof SessionActivity>;

const boolText = z.enum(['true', 'false']);
const STATE_ALT = `(?:${KNOWN_SESSION_STATES.join('|')})`;
const STATE_LIST = new RegExp(`^${STATE_ALT}(?:,${STATE_ALT})*$`);

export const ListSessionsQuery = PageQuery.extend({
  // Any case on input (`completed`), read as the state's own spelling; an unknown state is a 400 listing the known.
  state: z
    .preprocess(
      (v) => (typeof v === 'string' ? v.toUpperCase() : v),
      z
        .string()
        .max(300)
        .regex(STATE_LIST, `comma-separated states, each one of ${KNOWN_SESSION_STATES.join(', ')} (any case)`)
        .optional(),
    )
    .openapi({ param: { name: 'state', in: 'query' }, description: `Comma-separated, any case: ${KNOWN_SESSION_STATES.join(', ')}`, example: 'IN_PROGRESS,AWAITING_USER_FEEDBACK' }),
  source: z.string().max(300).optional().openapi({ param: { name: 'source', in: 'query' }, description: 'owner/repo, github/owner/repo or sources/github/owner/repo' }),
  text: z.string().max(200).optional().openapi({ param: { name: 'text', in: 'query' }, description: 'Substring of the prompt or title' }),
  archived: z.enum(['true', 'false', 'all']).default('false').openapi({ param: { name: 'archived', in: 'query' } }),
  deleted: boolText.default('false').openapi({ param: { name: 'deleted', in: 'query' }, description: 'true = include sessions gone upstream' }),
  accountId: z.string().max(64).optional().openapi({ param: { name: 'accountId', in: 'query' } }),
  column: BoardColumnId.optional().openapi({ param: { name: 'column', in: 'query' }, description: 'Only the sessions of this board column (contracts/board.ts)' }),
});
export type ListSessionsQuery = z.infer<typeof ListSessionsQuery>;

/** The list's filters without paging or column: what the board counts per column. */
export const BoardCountsQuery = ListSessionsQuery.omit({ limit: true, cursor: true, column: true });
export type BoardCountsQuery = z.infer<typeof BoardCountsQuery>;

export const BoardCounts = z
  .object({
    columns: z.record(BoardColumnId, z.number().int()).openapi({ description: 'Sessions per board column, with the same filters as the list' }),
    total: z.number().int().openapi({ description: 'Sum of the columns' }),
    sources: z.array(z.string()).openapi({ description: "Every source of the workspace's sessions (for the repository filter), filters aside" }),
  })
  .openapi('BoardCounts');
export type BoardCounts = z.infer<typeof BoardCounts>;

export const SessionPage = pageOf(SessionSummary).openapi('SessionPage');
export const ActivityPage = pageOf(SessionActivity).openapi('ActivityPage');

/**
 * A GitHub repository as people type it: `owner/repo`, `github/owner/repo` or Jules's `sources/github/owner/repo`
 * (owner: letters, digits and hyphens; repo: letters, digits, `.`, `_`, `-`).
 */
export const SOURCE_PATTERN = '^(?:sources/github/|github/)?[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$';


export const CreateSessionBody = z
  .strictObject({
    prompt: z.string().trim().min(1).max(50_000),
    title: z.string().trim().min(1).max(300).optional(),
    source: z
      .string()
      .max(160)
      .regex(new RegExp(SOURCE_PATTERN), 'must be a GitHub repository: owner/repo (also accepted: github/owner/repo, sources/github/owner/repo)')
      .optional()
      .openapi({ description: 'The repository: `owner/repo`, `github/owner/repo` or `sources/github/owner/repo` (stored as the last). Needs startingBranch.', example: 'acme-corp/storefront' }),
    startingBranch: z.string().trim().min(1).max(250).optional().openapi({ description: 'The branch Jules starts from; required with source (and only with it)', example: 'main' }),
    requirePlanApproval: z.boolean().optional(),
    autoCreatePr: z.boolean().optional().openapi({ description: 'true = automationMode AUTO_CREATE_PR' }),
    accountId: z.string().max(64).optional().openapi({ description: 'Which Jules account; default: the workspace has exactly one' }),
  })
  .superRefine((b, ctx) => {
    // The live API answers 400 for a source without a starting branch; say so before calling it.
    if (b.source && !b.startingBranch) ctx.addIssue({ code: 'custom', path: ['startingBranch'], message: 'required when source is set' });
    if (b.startingBranch && !b.source) ctx.addIssue({ code: 'custom', path: ['source'], message: 'required when startingBranch is set' });
  })
  .openapi('CreateSession', {
    // The superRefine above, stated in JSON Schema (2020-12, OpenAPI 3.1) so the document and the server agree.
    dependentRequired: { source: ['startingBranch'], startingBranch: ['source'] },
    example: { prompt: 'Add a CHANGELOG entry for the last release', title: 'Changelog', source: 'acme-corp/storefront', startingBranch: 'main', autoCreatePr: true },
  } as Record<string, unknown>);
export type CreateSessionBody = z.infer<typeof CreateSessionBody>;

export const SendMessageBody = z.strictObject({ message: z.string().trim().min(1).max(50_000) }).openapi('SendMessage', { example: { message: 'Use pino for logging.' } });
