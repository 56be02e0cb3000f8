import { z } from '@hono/zod-openapi';
import { IsoDate, PageQuery, pageOf } from './common';
import { DispatchIntent, DispatchRequest, DispatchState } from './dispatch';
import { SOURCE_PATTERN } from './sessions';
import { TemplateProblem, TemplateValues } from './templates';

/**
 * Batches: many sessions started at once through the dispatcher, from one template or prompt over many
 * repositories, or from a task list (pasted lines, a CSV file, a markdown checklist). Every item is checked before
 * anything is stored: one bad row is a 400 naming it and nothing is created. An idempotency key makes submitting
 * the same batch twice return the first one instead of creating anything new.
 */
const Source = z
  .string()
  .max(160)
  .regex(new RegExp(SOURCE_PATTERN), 'must be a GitHub repository: owner/repo (also accepted: github/owner/repo, sources/github/owner/repo)');
const Sources = z.array(Source).min(1).max(500).openapi({ description: 'One item per repository (any spelling; duplicates are one item)' });
const branch = z.string().trim().min(1).max(250);
const flags = {
  requirePlanApproval: z.boolean().optional(),
  autoCreatePr: z.boolean().optional().openapi({ description: 'true = automationMode AUTO_CREATE_PR' }),
};

/** One template over repositories (the template's own sources when none are given). */
export const BatchTemplateInput = z
  .strictObject({
    kind: z.literal('template'),
    templateId: z.string().trim().min(1).max(64),
    values: TemplateValues.optional(),
    sources: Sources.optional().openapi({ description: "Omitted: the template's sources (or its repo variable)" }),
  })
  .openapi('BatchTemplateInput');

/** One prompt over repositories. */
export const BatchPromptInput = z
  .strictObject({
    kind: z.literal('prompt'),
    prompt: z.string().trim().min(1).max(50_000),
    title: z.string().trim().min(1).max(300).optional(),
    sources: Sources,
    branch: branch.optional().openapi({ description: "Omitted: each repository's default branch" }),
    ...flags,
  })
  .openapi('BatchPromptInput');

export const TaskListFormat = z
  .enum(['lines', 'csv', 'checklist'])
  .openapi({
    description:
      'lines: one task per non-blank line (lines starting with # are comments). csv: a header row, then one task per row; columns prompt (or the template\'s variables), source (or repo), branch, title; RFC 4180 quoting. checklist: markdown "- [ ] task" items (checked "- [x]" items are skipped, other lines ignored)',
  });
export type TaskListFormat = z.infer<typeof TaskListFormat>;

/** A task list: each task is one session (its prompt, or the template's variables per row). */
export const BatchTasksInput = z
  .strictObject({
    kind: z.literal('tasks'),
    format: TaskListFormat,
    text: z.string().max(1_000_000).openapi({ description: 'The pasted list or the CSV file\'s text (at most 1,000,000 characters, 500 tasks)' }),
    source: Source.optional().openapi({ description: 'The repository of every task without its own' }),
    branch: branch.optional(),
    templateId: z.string().trim().min(1).max(64).optional().openapi({ description: 'Each task fills this template: a line or checklist item is its `task` variable; a CSV row gives variables by column name' }),
    values: TemplateValues.optional().openapi({ description: 'Template values shared by every task (a row\'s own column wins)' }),
    ...flags,
  })
  .openapi('BatchTasksInput');

export const BatchInput = z.discriminatedUnion('kind', [BatchTemplateInput, BatchPromptInput, BatchTasksInput]).openapi('BatchInput');
export type BatchInput = z.infer<typeof BatchInput>;

export const CreateBatchBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional().openapi({ description: 'Shown in lists; default from the template or the first task' }),
    input: BatchInput,
    accountId: z.string().max(64).optional().openapi({ description: 'Which Jules account; default: the workspace has exactly one' }),
    idempotencyKey: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: 'The same key again returns the batch it made (200, nothing new); the same key with a different body is a 409' }),
  })
  .openapi('CreateBatch', {
    example: {
      name: 'Bump lodash',
      input: { kind: 'prompt', prompt: 'Update lodash to the latest 4.x and fix what breaks.', sources: ['acme/web', 'acme/api'], autoCreatePr: true },
      idempotencyKey: 'bump-lodash-2026-12-02',
    },
  });
export type CreateBatchBody = z.infer<typeof CreateBatchBody>;

/** One problem with one item of a batch (row = 1-based line or CSV row of the text; null for template/prompt inputs). */
export const BatchProblem = z
  .object({ item: z.number().int().min(0).nullable(), row: z.number().int().min(1).nullable(), path: z.string(), message: z.string() })
  .openapi('BatchProblem');
export type BatchProblem = z.infer<typeof BatchProblem>;

export const BatchPreviewItem = z
  .object({
    index: z.number().int().min(0),
    row: z.number().int().min(1).nullable().openapi({ description: 'The line or CSV row it came from' }),
    label: z.string().openapi({ description: 'The repository and/or the task, short' }),
    request: DispatchRequest,
    problems: z.array(TemplateProblem),
  })
  .openapi('BatchPreviewItem');

export const BatchPreview = z
  .object({
    items: z.array(BatchPreviewItem),
    skipped: z.array(z.object({ row: z.number().int().min(1), reason: z.string() })).openapi({ description: 'Rows that are not tasks (checked checklist items, comments)' }),
    problems: z.array(BatchProblem).openapi({ description: 'Empty = it can be submitted as it is' }),
    accountId: z.string().nullable().openapi({ description: 'The account it would go to (null when none can be chosen: see problems)' }),
  })
  .openapi('BatchPreview');
export type BatchPreview = z.infer<typeof BatchPreview>;

export const BatchCounts = z
  .object({
    total: z.number().int().min(0),
    queued: z.number().int().min(0),
    dispatching: z.number().int().min(0),
    created: z.number().int().min(0),
    failed: z.number().int().min(0),
    cancelled: z.number().int().min(0),
  })
  .openapi('BatchCounts');
export type BatchCounts = z.infer<typeof BatchCounts>;

export const BatchItem = z
  .object({
    index: z.number().int().min(0),
    row: z.number().int().min(1).nullable(),
    label: z.string(),
    intentId: z.string(),
    state: DispatchState,
    request: DispatchRequest,
    sessionId: z.string().nullable(),
    error: z.string().nullable(),
    position: z.number().int().min(1).nullable(),
    eta: IsoDate.nullable(),
    waitingFor: DispatchIntent.shape.waitingFor.openapi({ description: 'Why a queued item is not sent yet (see DispatchIntent.waitingFor); null unless queued' }),
  })
  .openapi('BatchItem');
export type BatchItem = z.infer<typeof BatchItem>;

export const BatchState = z.enum(['running', 'done', 'cancelled']).openapi({ description: 'running: some item is queued or dispatching; done: every item created or failed; cancelled: cancelled before every item was sent' });

export const Batch = z
  .object({
    id: z.string(),
    name: z.string(),
    state: BatchState,
    accountId: z.string(),
    origin: z.object({ kind: z.enum(['api', 'template', 'schedule', 'webhook']), id: z.string().nullable().openapi({ description: 'The template, schedule run or webhook delivery' }) }),
    templateId: z.string().nullable(),
    idempotencyKey: z.string().nullable(),
    counts: BatchCounts,
    items: z.array(BatchItem).openapi({ description: 'Every item in order (GET /api/batches lists batches without them)' }),
    createdAt: IsoDate,
    updatedAt: IsoDate,
  })
  .openapi('Batch');
export type Batch = z.infer<typeof Batch>;

export const BatchSummary = Batch.omit({ items: true }).openapi('BatchSummary');
export type BatchSummary = z.infer<typeof BatchSummary>;
export const BatchListQuery = PageQuery.extend({ state: BatchState.optional().openapi({ param: { name: 'state', in: 'query' } }) });
export const BatchPage = pageOf(BatchSummary).openapi('BatchPage');

/** Launch a saved template: one session, or one per repository. */
export const LaunchTemplateBody = z
  .strictObject({
    values: TemplateValues.optional(),
    sources: Sources.optional().openapi({ description: "Omitted: the template's sources (or its repo variable)" }),
    accountId: z.string().max(64).optional(),
    idempotencyKey: z.string().trim().min(1).max(200).optional(),
  })
  .openapi('LaunchTemplate', { example: { values: { issue: 42 }, sources: ['acme/api'] } });
export type LaunchTemplateBody = z.infer<typeof LaunchTemplateBody>;
