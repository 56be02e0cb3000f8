/**
 * Table shapes of the launch and GitHub features (templates, schedules, dispatch, batches, github), kept apart from
 * schema.ts so neither file grows past a screenful; schema.ts re-exports them and lists them in `Database`.
 */
/** A workspace's GitHub connection (features/github): the token sealed, only its last 4 characters shown. api_url null = GITHUB_API_URL. */
export interface GitHubConnectionsTable {
  workspace_id: string;
  api_url: string | null;
  /** 'token' or 'app' (migration 2026120321_github_app). */
  kind: 'token' | 'app';
  /** The token, or for an app its private key (PEM): SecretBox-sealed. */
  token_sealed: string;
  /** '' for an app. */
  token_last4: string;
  /** The token's user, or `<app_slug>[bot]`. */
  login: string;
  app_id: string | null;
  installation_id: string | null;
  app_slug: string | null;
  account: string | null;
  repositories: number | null;
  created_at: string;
  updated_at: string;
  last_error: string | null;
}

/**
 * One session create (features/dispatch), written before Jules is called. `seq` orders the account's line;
 * `claim` is the pump run that is sending it (state dispatching), so a crashed sender's intent is reconciled against
 * the account's session list before it is sent again.
 */
export interface DispatchIntentsTable {
  id: string;
  workspace_id: string;
  account_id: string;
  seq: number;
  priority: number;
  state: string; // queued | dispatching | created | failed | cancelled
  origin_kind: string;
  origin_id: string | null;
  idempotency_key: string | null;
  request: string; // JSON DispatchRequest
  keeper: string | null; // JSON DispatchKeeperOverrides
  session_id: string | null;
  jules_id: string | null;
  attempts: number;
  error: string | null;
  waiting_for: string | null;
  claim: string | null;
  next_attempt_at: number | null;
  dispatched_at: number | null;
  created_at: string;
  updated_at: string;
  /** Who asked for the session (issue #16): `actorRef` text (`key:<id>`, `schedule:<id>`, ...); null before attribution. */
  actor?: string | null;
  /** The actor's display name at the time. */
  actor_name?: string | null;
}

/** A Jules account's plan limits as the dispatcher enforces them (no row = plan unknown, in flight 3). */
export interface DispatchLimitsTable {
  account_id: string;
  workspace_id: string;
  plan: string;
  concurrent: number | null;
  daily: number | null;
  in_flight: number;
  paused: number;
  rate_limited_until: number | null;
  updated_at: string;
}

/** A batch (features/batches): its items are dispatch intents with origin (batch, id); counts come from them. */
export interface BatchesTable {
  id: string;
  workspace_id: string;
  name: string;
  account_id: string;
  origin_kind: string; // api | template | schedule
  origin_id: string | null;
  template_id: string | null;
  idempotency_key: string | null;
  body_hash: string | null;
  cancelled_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface BatchItemsTable {
  batch_id: string;
  workspace_id: string;
  idx: number;
  row: number | null;
  label: string;
  intent_id: string;
}

/** A schedule: a cron expression in an IANA zone, or a fixed interval from `anchor_at`; next_fire_at null while paused. */
export interface SchedulesTable {
  id: string;
  workspace_id: string;
  name: string;
  cron: string | null;
  interval_seconds: number | null;
  timezone: string;
  enabled: number;
  missed_run_policy: string; // skip | run_once
  target: string; // JSON
  anchor_at: number;
  next_fire_at: number | null;
  created_at: string;
  updated_at: string;
}

/** One fire time of a schedule, claimed by one instance (UNIQUE schedule_id, fire_at); outcome 'pending' until recorded. */
export interface ScheduleRunsTable {
  id: string;
  workspace_id: string;
  schedule_id: string;
  fire_at: number;
  claimed_by: string;
  claimed_at: number;
  attempts: number;
  started_at: number | null;
  finished_at: number | null;
  outcome: string; // pending | ok | failed | skipped
  reason: string | null;
  missed: number;
  links: string; // JSON [{label,url}]
}

/** A template (features/templates); sources, keeper, tags and variables are JSON text. */
export interface TemplatesTable {
  id: string;
  workspace_id: string;
  name: string;
  name_key: string;
  description: string;
  prompt: string;
  title: string | null;
  sources: string;
  branch: string | null;
  require_plan_approval: number;
  automation_mode: string;
  keeper: string;
  tags: string;
  variables: string;
  version: number;
  created_at: string;
  updated_at: string;
}

/** One row per tag of a template, for the tag filter's keyset pages. */
export interface TemplateTagsTable {
  workspace_id: string;
  tag: string;
  template_id: string;
  name_key: string;
}
