import type { ColumnType, Generated } from 'kysely';
import type { GitHubConnectionsTable, DispatchIntentsTable, DispatchLimitsTable, BatchesTable, BatchItemsTable, SchedulesTable, ScheduleRunsTable, TemplatesTable, TemplateTagsTable } from './schema.launch';

export type * from './schema.launch';
import type { GitHubPullsTable, GitHubCiRunsTable, GitHubWebhooksTable, GitHubDeliveriesTable, GitHubRepoAutomationTable } from './schema.github';
export type * from './schema.github';
import type {
  HookEndpointsTable, HookDeliveriesTable, HookFollowupsTable, NoticesTable, EventReceiptsTable, BudgetAlertsTable, ChannelsTable, ChannelDeliveriesTable, ChannelAttemptsTable,
} from './schema.events';
export type * from './schema.events';
import type { UsersTable, MembershipsTable, InvitesTable, PasswordResetsTable, OidcIdentitiesTable, UserSessionsTable } from './schema.people';
export type * from './schema.people';
import type { AuditEntriesTable, AuditHeadsTable, AuditAnchorsTable, AuditCheckpointsTable } from './schema.audit';
export type * from './schema.audit';

/**
 * The database's shape, for Kysely. Timestamps shown to people are ISO-8601 text (sortable on both engines);
 * times used for scheduling are integer epoch milliseconds. JSON is stored as text and parsed in the stores.
 * Every tenant-owned table has workspace_id.
 */
export interface WorkspacesTable {
  id: string;
  name: string;
  created_at: string;
  /** 1 on the workspace the first start created (its owners administer the others), 0 elsewhere; at most one. */
  is_default: Generated<number>;
  /** Unique, URL-safe; derived from the name at creation (issue #16). */
  slug?: string | null;
}

export interface ApiKeysTable {
  id: string;
  workspace_id: string;
  name: string;
  role: string;
  /** HMAC-SHA256 under a subkey of the master key (see features/workspaces/keys.ts for the schemes). */
  key_hash: string;
  /** What a key may be shown as: `ap_<public id>_` for minted keys, '' when the key text has no public part. */
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  /** The key's public id part (null for a first-wave key not used since the upgrade). */
  public_id: string | null;
  /** 'hmac' | 'hmac-sha256' (first-wave key, re-hashed) | 'sha256' (first-wave, before the first start). */
  hash_scheme: string;
  /** When the key stops working (ISO time); null = never. */
  expires_at?: string | null;
  /** The id of the key that minted this one; null for keys made at start (or before it was recorded). */
  created_by?: string | null;
  /** JSON array of scopes (`sessions:read`, `keeper:*`, `*`); null = everything the role allows. */
  scopes?: string | null;
  /** Requests per minute this key may make (429 beyond); null = no limit. */
  rate_per_minute?: number | null;
  /** Requests per UTC day; null = no quota. */
  requests_per_day?: number | null;
  /** LLM spend per calendar month (UTC) in USD, enforced by the LLM gateway; null = no cap. */
  llm_usd_per_month?: number | null;
}

/** Dashboard log-in sessions: an opaque cookie token, stored hashed, standing for one API key until it expires. */
export interface AuthSessionsTable {
  token_hash: string;
  workspace_id: string;
  key_id: string;
  created_at: string;
  expires_at: number;
}

/** One-click log-in links: a single-use token (stored as its HMAC) for one API key, valid until `expires_at`. */
export interface LoginLinksTable {
  token_hash: string;
  workspace_id: string;
  key_id: string;
  created_at: string;
  expires_at: number;
  /** When it was redeemed (ms); null while unused. */
  used_at: number | null;
}

export interface JobsTable {
  id: string;
  queue: string;
  name: string;
  workspace_id: string | null;
  payload: string;
  dedupe_key: string | null;
  state: string; // waiting | active | completed | failed
  attempts: number;
  max_attempts: number;
  backoff_ms: number;
  timeout_ms: number;
  run_at: ColumnType<number, number, number>;
  locked_until: number | null;
  locked_by: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

export interface KvTable {
  key: string;
  value: string;
  updated_at: number;
}

export interface Database {
  workspaces: WorkspacesTable;
  api_keys: ApiKeysTable;
  auth_sessions: AuthSessionsTable;
  login_links: LoginLinksTable;
  jobs: JobsTable;
  leases: LeasesTable;
  kv: KvTable;
  keeper_settings: KeeperSettingsTable;
  keeper_actions: KeeperActionsTable;
  keeper_session_state: KeeperSessionStateTable;
  keeper_notifications: KeeperNotificationsTable;
  keeper_links: KeeperLinksTable;
  llm_providers: LlmProvidersTable;
  llm_usage: LlmUsageTable;
  llm_budgets: LlmBudgetsTable;
  llm_budget_reservations: LlmBudgetReservationsTable;
  llm_routing_rules: LlmRoutingRulesTable;
  jules_accounts: JulesAccountsTable;
  jules_sessions: JulesSessionsTable;
  jules_activities: JulesActivitiesTable;
  templates: TemplatesTable;
  template_tags: TemplateTagsTable;
  schedules: SchedulesTable;
  schedule_runs: ScheduleRunsTable;
  dispatch_intents: DispatchIntentsTable;
  dispatch_limits: DispatchLimitsTable;
  batches: BatchesTable;
  batch_items: BatchItemsTable;
  github_connections: GitHubConnectionsTable;
  github_pulls: GitHubPullsTable;
  github_ci_runs: GitHubCiRunsTable;
  github_webhooks: GitHubWebhooksTable;
  github_deliveries: GitHubDeliveriesTable;
  github_repo_automation: GitHubRepoAutomationTable;
  hook_endpoints: HookEndpointsTable;
  hook_deliveries: HookDeliveriesTable;
  hook_followups: HookFollowupsTable;
  notices: NoticesTable;
  event_receipts: EventReceiptsTable;
  budget_alerts: BudgetAlertsTable;
  channels: ChannelsTable;
  channel_deliveries: ChannelDeliveriesTable;
  channel_attempts: ChannelAttemptsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  invites: InvitesTable;
  password_resets: PasswordResetsTable;
  oidc_identities: OidcIdentitiesTable;
  user_sessions: UserSessionsTable;
  audit_entries: AuditEntriesTable;
  audit_heads: AuditHeadsTable;
  audit_anchors: AuditAnchorsTable;
  audit_checkpoints: AuditCheckpointsTable;
}


/** An LLM provider config; the API key is only ever stored sealed (SecretBox). */
export interface LlmProvidersTable {
  id: string;
  workspace_id: string;
  kind: string;
  name: string;
  api_key_sealed: string;
  key_last4: string;
  base_url: string | null;
  priority: number;
  enabled: number;
  max_concurrency: number;
  default_models: string; // JSON
  pricing: string | null; // JSON
  source: string; // api | env
  created_at: string;
  updated_at: string;
}

/** One upstream attempt (or a call refused before any attempt) of the LLM gateway. */
export interface LlmUsageTable {
  id: string;
  workspace_id: string;
  at: number;
  day: string;
  provider_id: string | null;
  provider_name: string | null;
  provider_kind: string | null;
  model: string | null;
  task: string;
  persona: string | null;
  session_id: string | null;
  api_key_id: string | null;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  latency_ms: number;
  outcome: string;
  error_code: string | null;
  degraded: number;
  /** 1 = costed at a known price, 0 = at the fallback price (an estimate), null = no model (a refused call). */
  price_known?: number | null;
  /** Who caused the call (issue #16): `actorRef` text (`key:<id>`, `person:<id>`, `keeper:keeper`, ...); null before attribution. */
  actor?: string | null;
  /** The actor's display name at the time of the call. */
  actor_name?: string | null;
}

/** Budget limits and both windows' counters in one row, so a reservation is a single conditional UPDATE. */
export interface LlmBudgetsTable {
  workspace_id: string;
  daily_limit_usd: number | null;
  monthly_limit_usd: number | null;
  on_exhausted: string;
  degrade_to: string | null; // JSON
  day_key: string;
  day_spent: number;
  day_reserved: number;
  month_key: string;
  month_spent: number;
  month_reserved: number;
  updated_at: number;
}

/** A budget reservation of a call in flight; released by settle, or by the reconcile once `expires_at` passed. */
export interface LlmBudgetReservationsTable {
  id: string;
  workspace_id: string;
  amount_usd: number;
  day_key: string;
  month_key: string;
  /** Instance id of the process that made it. */
  holder: string;
  created_at: number;
  expires_at: number;
}

export interface LlmRoutingRulesTable {
  id: string;
  workspace_id: string;
  position: number;
  name: string;
  enabled: number;
  match: string; // JSON
  targets: string; // JSON
  fallback_to_defaults: number;
  created_at: string;
}

/** A Jules API key of a workspace (sealed with the SecretBox); `origin` env/simulator rows take the key from config. */
export interface JulesAccountsTable {
  id: string;
  workspace_id: string;
  name: string;
  origin: string; // api | env | simulator
  api_key_sealed: string;
  key_last4: string;
  base_url: string | null;
  created_at: string;
  last_sync_at: string | null;
  last_full_sync_at: string | null;
  last_archived_sync_at: number | null;
  last_error: string | null;
}

/** One mirrored Jules session. Times are fixed-width RFC 3339 (sortable); raw/outputs are JSON text. */
export interface JulesSessionsTable {
  id: string;
  workspace_id: string;
  account_id: string;
  jules_id: string;
  name: string;
  title: string;
  prompt: string;
  state: string;
  source: string | null;
  starting_branch: string | null;
  working_branch: string | null;
  pr_url: string | null;
  url: string | null;
  require_plan_approval: number;
  automation_mode: string | null;
  outputs: string;
  raw: string;
  archived: number;
  deleted_at: string | null;
  create_time: string;
  update_time: string;
  last_activity_at: string | null;
  /** The session updateTime up to which activities have been fetched; differs from update_time = fetch needed. */
  activities_synced_update_time: string | null;
  activity_count: number;
  mirrored_at: string;
  /**
   * Create-time intent (keeper): 1 = created through the orchestrator, which recorded what it asked Jules for.
   * Optional here because the mirror's sync never writes them (Jules does not return these inputs).
   */
  orchestrator_created?: number;
  intent_require_plan_approval?: number | null;
  intent_automation_mode?: string | null;
}

export interface JulesActivitiesTable {
  session_id: string;
  activity_id: string;
  workspace_id: string;
  /** 0-based arrival order within the session: the stable sort key (activity timestamps can tie). */
  position: number;
  kind: string;
  originator: string;
  create_time: string;
  raw: string;
}

/** Keeper settings of a workspace (JSON, validated by the contracts' KeeperSettings). */
export interface KeeperSettingsTable {
  workspace_id: string;
  settings: string;
  updated_at: string;
}

/** The keeper's action ledger: unique (session_id, kind, trigger); written before the Jules call, settled after. */
export interface KeeperActionsTable {
  id: string;
  workspace_id: string;
  session_id: string;
  kind: string;
  trigger: string;
  status: string; // pending | sent | failed | recorded | abandoned
  reason: string;
  message: string | null;
  error: string | null;
  attempts: number;
  holder: string;
  created_at: number;
  settled_at: number | null;
  /** The session's title when the keeper acted (2026120210; null on older rows). */
  session_title?: string | null;
  /** The session's repository (2026120210_keeper_session_source). */
  session_source?: string | null;
}

export interface KeeperSessionStateTable {
  session_id: string;
  workspace_id: string;
  paused: number;
  updated_at: number;
  /** The latest decision (an action kind or 'none'), its reason and time. */
  last_decision: string | null;
  last_reason: string | null;
  last_decided_at: number | null;
}

/** A failed session and the session the keeper created to recover it (one row per recover action). */
export interface KeeperLinksTable {
  action_id: string;
  workspace_id: string;
  from_session_id: string;
  to_session_id: string;
  reason: string;
  created_at: number;
}

export interface KeeperNotificationsTable {
  id: string;
  workspace_id: string;
  session_id: string | null;
  kind: string;
  title: string;
  body: string;
  created_at: number;
  /** Added by 2026120210: the session's title, its state and activity count when raised; read/dismissed/resolved. */
  session_title?: string | null;
  session_source?: string | null;
  cause_state?: string | null;
  cause_activities?: number | null;
  read_at?: number | null;
  dismissed_at?: number | null;
  resolved_at?: number | null;
  resolved_reason?: string | null;
}
