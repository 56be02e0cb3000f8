/**
 * Table shapes of events in and out (issue #15): inbound webhooks (features/hooks), the notification center
 * (features/inbox) and outbound channels (features/channels); schema.ts re-exports them and lists them in
 * `Database`. Migrations 2026120330_hooks, 2026120331_inbox, 2026120332_channels. Times: ISO text unless the name
 * ends in `_ms` or the comment says epoch ms (bigint, compared in queries).
 */

/** An inbound endpoint: `/hooks/{id}`. */
export interface HookEndpointsTable {
  id: string;
  workspace_id: string;
  name: string;
  preset: string; // slack | linear | jira | github | standard
  enabled: number;
  mode: string; // first | all
  rules: string; // JSON HookRule[] (ids assigned)
  secret_sealed: string;
  secret_last4: string;
  reply_api_url: string | null;
  reply_token_sealed: string | null;
  reply_token_last4: string | null;
  deliveries: number;
  rejected: number;
  last_delivery_at: string | null;
  created_at: string;
  updated_at: string;
}

/** One accepted delivery (or a replay of one). Unique per (endpoint, sender delivery id). */
export interface HookDeliveriesTable {
  id: string;
  workspace_id: string;
  endpoint_id: string;
  delivery_id: string;
  replay_of: string | null;
  status: string; // queued | processed | no_match | failed
  event: string | null;
  headers: string; // JSON, redacted
  payload: string; // JSON, redacted
  matched: string; // JSON string[] (rule names)
  results: string; // JSON HookActionResult[]
  error: string | null;
  received_at: string;
  processed_at: string | null;
  /** Epoch ms: a processing claim (an instance that crashed mid-way leaves it to expire). */
  lease_until: number;
}

/** A reply owed to a sender once a launched session has a PR (Slack thread, Linear comment). */
export interface HookFollowupsTable {
  id: string;
  workspace_id: string;
  endpoint_id: string;
  delivery_row_id: string;
  kind: string; // slack_thread | slack_response | linear_comment
  target: string; // JSON: channel/thread_ts/response_url, or Linear issue id
  batch_id: string | null;
  session_id: string | null;
  state: string; // waiting | sent | failed | expired
  pr_url: string | null;
  attempts: number;
  /** Epoch ms of the next check. */
  next_at: number;
  error: string | null;
  created_at: string;
  updated_at: string;
}

/** A notification of the center; repeats with the same open group key are one row. */
export interface NoticesTable {
  id: string;
  workspace_id: string;
  source: string;
  kind: string;
  severity: string; // info | warning | critical
  title: string;
  body: string;
  session_id: string | null;
  repo: string | null;
  links: string; // JSON NoticeLink[]
  group_key: string;
  /** group_key while the entry can still take repeats (not dismissed or resolved), else null: unique per workspace. */
  open_group: string | null;
  /** The source's own id (a keeper notification id), for changes coming back from the source. */
  ref: string | null;
  count: number;
  first_at: string;
  last_at: string;
  /** Epoch ms of last_at (ordering and cursors). */
  last_ms: number;
  read_at: string | null;
  dismissed_at: string | null;
  /** Epoch ms; null = not snoozed. */
  snoozed_until: number | null;
  resolved_at: string | null;
  resolved_reason: string | null;
}

/** Bus events a consumer already handled (every instance sees every event): one row per (consumer, event id). */
export interface EventReceiptsTable {
  consumer: string;
  event_id: string;
  /** Epoch ms (pruned by housekeeping). */
  at: number;
}

/** A budget threshold already announced: once per (budget, period, percent). */
export interface BudgetAlertsTable {
  budget_id: string;
  period: string;
  percent: number;
  workspace_id: string;
  at: string;
}

/** An outbound channel. */
export interface ChannelsTable {
  id: string;
  workspace_id: string;
  name: string;
  kind: string; // slack | webhook | email
  enabled: number;
  disabled_reason: string | null;
  config_sealed: string; // sealed JSON: { url } | { url, secret } | { to }
  target: string; // masked, for display
  filters: string; // JSON ChannelFilters
  secret_last4: string | null;
  consecutive_failures: number;
  /** When the current run of failures began (null after a success): the disable rule asks "no success since". */
  first_failure_at: string | null;
  delivered: number;
  failed: number;
  last_delivery_at: string | null;
  created_at: string;
  updated_at: string;
}

/** One event owed to one channel; its id is the webhook-id of every attempt. */
export interface ChannelDeliveriesTable {
  id: string;
  workspace_id: string;
  channel_id: string;
  event_id: string;
  event_type: string;
  payload: string; // JSON envelope
  status: string; // pending | delivered | failed | cancelled
  attempts: number;
  /** Epoch ms of the next attempt (null when none is due). */
  next_attempt_at: number | null;
  /** Epoch ms: an attempt in flight elsewhere until then. */
  lease_until: number;
  leased_by: string | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface ChannelAttemptsTable {
  id: string;
  workspace_id: string;
  delivery_id: string;
  channel_id: string;
  n: number;
  at: string;
  status_code: number | null;
  ok: number;
  duration_ms: number;
  error: string | null;
  manual: number;
}
