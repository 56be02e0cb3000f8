import { z } from '@hono/zod-openapi';
import { IsoDate, PageQuery, pageOf } from './common';
import { NoticeSeverity } from './inbox';

/**
 * Outbound channels (issue #15): where events go out. Each channel has filters (event types of the catalog,
 * severities, repositories) and a kind: a Slack incoming webhook, a signed Standard Webhooks delivery to any URL
 * (through the outbound module), or e-mail over SMTP (when SMTP_URL is configured). Webhook deliveries are retried
 * on a schedule like Svix's (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: about 27 hours, with jitter),
 * keep the same `webhook-id` on every attempt, and a channel that keeps failing is disabled with a notification.
 * Every attempt is logged; a failed delivery can be retried by hand.
 */

/** An address as zod checks it; its pattern stated in the document too (JSON Schema's `email` format is looser). */
const Email = z.email().max(320).openapi({ pattern: z.regexes.email.source });

export const ChannelKind = z.enum(['slack', 'webhook', 'email']);
export type ChannelKind = z.infer<typeof ChannelKind>;

const Repo = z.string().trim().regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/, 'owner/name');
const EventTypeName = z.string().trim().regex(/^[a-z][a-z0-9_]{0,40}(\.[a-z][a-z0-9_]{0,40}){0,3}(\.\*)?$|^\*$/, 'a catalog event type, `prefix.*` or `*`').max(100);

export const ChannelFilters = z
  .strictObject({
    eventTypes: z.array(EventTypeName).min(1).max(100).openapi({ description: 'Catalog event types (docs/events), `session.*` style prefixes, or `*`. Default: `inbox.raised` (every notification)', example: ['inbox.raised', 'github.pull.updated'] }),
    severities: z.array(NoticeSeverity).max(3).optional().openapi({ description: 'Only events with one of these severities (notifications); events without a severity pass. Omitted = all' }),
    repos: z.array(Repo).max(200).optional().openapi({ description: 'Only events about one of these repositories; events naming no repository are dropped when set. Omitted = all' }),
  })
  .openapi('ChannelFilters');
export type ChannelFilters = z.infer<typeof ChannelFilters>;

export const Channel = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: ChannelKind,
    enabled: z.boolean(),
    disabledReason: z.string().nullable().openapi({ description: 'Set when it was disabled after repeated failures (re-enable with PATCH enabled=true)' }),
    target: z.string().openapi({ description: 'Where it sends, with secrets masked: the URL without path secrets (Slack), the webhook URL, or the recipients' }),
    filters: ChannelFilters,
    secretLast4: z.string().nullable().openapi({ description: 'webhook: the last characters of the signing secret' }),
    delivered: z.number().int(),
    failed: z.number().int().openapi({ description: 'Deliveries that gave up' }),
    pending: z.number().int().openapi({ description: 'Deliveries waiting for their next attempt' }),
    consecutiveFailures: z.number().int(),
    lastDeliveryAt: IsoDate.nullable(),
    createdAt: IsoDate,
    updatedAt: IsoDate,
  })
  .openapi('Channel');
export type Channel = z.infer<typeof Channel>;

const Secret = z.string().min(24).max(256).regex(/^whsec_[A-Za-z0-9+/=]{18,250}$/, '`whsec_` then base64 (at least 24 characters in all)');

export const CreateChannelBody = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('slack'),
      name: z.string().trim().min(1).max(200),
      url: z.url().max(2000).openapi({ description: 'The Slack incoming webhook URL (write-only: it is the credential)' }),
      filters: ChannelFilters.optional(),
    }),
    z.strictObject({
      kind: z.literal('webhook'),
      name: z.string().trim().min(1).max(200),
      url: z.url().max(2000),
      secret: Secret.optional().openapi({ description: 'Omitted: generated and answered once' }),
      filters: ChannelFilters.optional(),
    }),
    z.strictObject({
      kind: z.literal('email'),
      name: z.string().trim().min(1).max(200),
      to: z.array(Email).min(1).max(50),
      filters: ChannelFilters.optional(),
    }),
  ])
  .openapi('CreateChannel', { example: { kind: 'webhook', name: 'Ops receiver', url: 'https://ops.example.com/hooks/autopilot', filters: { eventTypes: ['inbox.raised'], severities: ['warning', 'critical'] } } });
export type CreateChannelBody = z.infer<typeof CreateChannelBody>;

export const UpdateChannelBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    enabled: z.boolean().optional().openapi({ description: 'true also clears disabledReason and the failure count' }),
    url: z.url().max(2000).optional().openapi({ description: 'slack and webhook' }),
    to: z.array(Email).min(1).max(50).optional().openapi({ description: 'email' }),
    filters: ChannelFilters.optional(),
  })
  .openapi('UpdateChannel', { minProperties: 1, example: { enabled: true } });
export type UpdateChannelBody = z.infer<typeof UpdateChannelBody>;

export const ChannelSaved = Channel.extend({
  secret: z.string().nullable().openapi({ description: 'webhook: the generated signing secret, shown only in this answer' }),
}).openapi('ChannelSaved');
export type ChannelSaved = z.infer<typeof ChannelSaved>;

export const ChannelPage = pageOf(Channel).openapi('ChannelPage');

export const ChannelDeliveryStatus = z.enum(['pending', 'delivered', 'failed', 'cancelled']).openapi({ description: 'pending = waiting for its next attempt; failed = every attempt failed (or the channel was disabled); cancelled = the channel was deleted' });

export const ChannelAttempt = z
  .object({
    n: z.number().int().min(1),
    at: IsoDate,
    statusCode: z.number().int().nullable(),
    ok: z.boolean(),
    durationMs: z.number().int(),
    error: z.string().nullable().openapi({ description: 'Why it failed (the upstream body is never copied here)' }),
    manual: z.boolean().openapi({ description: 'A retry asked for by a person' }),
  })
  .openapi('ChannelAttempt');
export type ChannelAttempt = z.infer<typeof ChannelAttempt>;

export const ChannelDeliverySummary = z
  .object({
    id: z.string().openapi({ description: 'Also the `webhook-id` of every attempt' }),
    channelId: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    status: ChannelDeliveryStatus,
    attempts: z.number().int(),
    nextAttemptAt: IsoDate.nullable(),
    lastError: z.string().nullable(),
    createdAt: IsoDate,
    deliveredAt: IsoDate.nullable(),
  })
  .openapi('ChannelDeliverySummary');
export const ChannelDelivery = ChannelDeliverySummary.extend({
  payload: z.unknown().openapi({ description: 'The event as sent (the catalog envelope)' }),
  attemptLog: z.array(ChannelAttempt),
}).openapi('ChannelDelivery');
export type ChannelDelivery = z.infer<typeof ChannelDelivery>;

export const ChannelDeliveryQuery = PageQuery.extend({ status: ChannelDeliveryStatus.optional().openapi({ param: { name: 'status', in: 'query' } }) });
export type ChannelDeliveryQuery = z.infer<typeof ChannelDeliveryQuery>;
export const ChannelDeliveryPage = pageOf(ChannelDeliverySummary).openapi('ChannelDeliveryPage');

export const ChannelTestResult = z
  .object({ ok: z.boolean(), statusCode: z.number().int().nullable(), durationMs: z.number().int(), error: z.string().nullable() })
  .openapi('ChannelTestResult');
export type ChannelTestResult = z.infer<typeof ChannelTestResult>;

export const RotateChannelSecretBody = z.strictObject({ secret: Secret.optional() }).openapi('RotateChannelSecret', { example: {} });
