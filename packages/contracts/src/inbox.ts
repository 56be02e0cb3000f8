import { z } from '@hono/zod-openapi';
import { IsoDate, PageQuery, pageOf } from './common';

/**
 * The notification center (issue #15): every event a person should know of becomes a notification of the
 * workspace, with a severity, links, read / dismiss / snooze, and repeats grouped into one entry (its `count` goes
 * up and it becomes unread again). Sources: the keeper (held plans, questions, stalls, CI caps …), the LLM gateway
 * and Jules breakers, budgets (80% and 100%), batches and schedules (finished, failed), sessions (completed with or
 * without a PR, failed), outbound channels (disabled after failures) and webhook rules (`notify`).
 */

export const NoticeSource = z.enum(['keeper', 'breaker', 'budget', 'batch', 'schedule', 'session', 'channel', 'hooks', 'github']);
export type NoticeSource = z.infer<typeof NoticeSource>;

export const NoticeSeverity = z.enum(['info', 'warning', 'critical']);
export type NoticeSeverity = z.infer<typeof NoticeSeverity>;

export const NoticeStatus = z.enum(['unread', 'read', 'snoozed', 'dismissed', 'resolved']).openapi({
  description: 'snoozed = hidden until snoozedUntil, then unread again; resolved = its cause cleared (a keeper notification whose session moved on)',
});
export type NoticeStatus = z.infer<typeof NoticeStatus>;

export const NoticeLink = z.object({ label: z.string(), href: z.string().openapi({ description: 'A dashboard path (`/sessions/…`) or an absolute http(s) URL (a PR)' }) }).openapi('NoticeLink');
export type NoticeLink = z.infer<typeof NoticeLink>;

export const Notice = z
  .object({
    id: z.string(),
    source: NoticeSource,
    kind: z.string().openapi({ description: 'What happened, per source: plan_held, question_escalated, ci_escalated … (keeper), breaker_opened, budget_80, budget_100, batch_finished, batch_failed, schedule_failed, session_completed, session_completed_no_pr, session_failed, channel_disabled, hook_notify, hook_failed', example: 'plan_held' }),
    severity: NoticeSeverity,
    title: z.string(),
    body: z.string(),
    sessionId: z.string().nullable(),
    repo: z.string().nullable().openapi({ description: 'owner/name when it concerns one repository' }),
    links: z.array(NoticeLink),
    groupKey: z.string().openapi({ description: 'Repeats with the same key are one entry' }),
    count: z.number().int().min(1).openapi({ description: 'How many times it happened (grouped repeats)' }),
    status: NoticeStatus,
    firstAt: IsoDate,
    lastAt: IsoDate.openapi({ description: 'The latest repeat' }),
    readAt: IsoDate.nullable(),
    dismissedAt: IsoDate.nullable(),
    snoozedUntil: IsoDate.nullable(),
    resolvedAt: IsoDate.nullable(),
    resolvedReason: z.string().nullable(),
  })
  .openapi('Notice');
export type Notice = z.infer<typeof Notice>;

const q = (name: string) => ({ param: { name, in: 'query' as const } });

export const NoticeQuery = PageQuery.extend({
  view: z.enum(['inbox', 'unread', 'snoozed', 'dismissed', 'all']).default('inbox').openapi({ ...q('view'), description: 'inbox = unread and read, not dismissed, not snoozed now, not resolved (default)' }),
  severity: NoticeSeverity.optional().openapi(q('severity')),
  source: NoticeSource.optional().openapi(q('source')),
  kind: z.string().max(64).optional().openapi(q('kind')),
  sessionId: z.string().max(200).optional().openapi(q('sessionId')),
  repo: z.string().max(201).optional().openapi(q('repo')),
});
export type NoticeQuery = z.infer<typeof NoticeQuery>;

export const NoticePage = pageOf(Notice)
  .extend({ unread: z.number().int().min(0).openapi({ description: 'Unread notifications of the workspace (what the header shows)' }) })
  .openapi('NoticePage');
export type NoticePage = z.infer<typeof NoticePage>;

export const NoticeCounts = z
  .object({
    unread: z.number().int().min(0),
    bySeverity: z.object({ info: z.number().int(), warning: z.number().int(), critical: z.number().int() }).openapi({ description: 'Unread, per severity' }),
  })
  .openapi('NoticeCounts');
export type NoticeCounts = z.infer<typeof NoticeCounts>;

export const UpdateNoticeBody = z
  .strictObject({
    read: z.boolean().optional(),
    dismissed: z.boolean().optional().openapi({ description: 'false = bring back' }),
    snoozedUntil: z.iso.datetime().nullable().optional().openapi({ description: 'Hide until then (in the future, within 30 days); null = unsnooze' }),
  })
  .openapi('UpdateNotice', { minProperties: 1, example: { read: true } });
export type UpdateNoticeBody = z.infer<typeof UpdateNoticeBody>;

export const BulkNoticeBody = z
  .strictObject({
    ids: z.array(z.string().min(1).max(64)).min(1).max(500).optional().openapi({ description: 'These notifications; omitted = every one matching `filter`' }),
    filter: NoticeQuery.omit({ limit: true, cursor: true }).partial().optional(),
    read: z.boolean().optional(),
    dismissed: z.boolean().optional(),
  })
  .openapi('BulkNotice', { minProperties: 1, example: { ids: ['ntc_1', 'ntc_2'], read: true } });
export type BulkNoticeBody = z.infer<typeof BulkNoticeBody>;

export const BulkNoticeResult = z.object({ updated: z.number().int().min(0), unread: z.number().int().min(0) }).openapi('BulkNoticeResult');
export type BulkNoticeResult = z.infer<typeof BulkNoticeResult>;
