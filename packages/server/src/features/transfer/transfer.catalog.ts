import type { ExportTableName } from '@autopilot/contracts';
import { randomToken } from '../../platform/crypto';

/*
 * What an export may hold: the workspace's configuration and, on request, its history. Each table lists the
 * columns a row line carries, its primary key, its secret columns (SecretBox-sealed at rest: left out or sealed
 * with the passphrase in a file), the columns that reference other exported rows (ids are kept: they are UUIDs),
 * and the columns that are this server's running state (counters, sync marks) rather than data to move: those are
 * not exported and take their `local` value when a row is inserted, and are left alone when it is updated.
 *
 * Not exportable, on purpose: api_keys, auth_sessions, login_links, user_sessions, invites, password resets
 * (credentials of this server), jobs and leases (running state), audit_log (its hash chain is per database: an
 * imported row could not keep its place in the target's chain), people and memberships (accounts are per server).
 */

/** text, integer (SQLite integer / PostgreSQL integer or bigint), real (double precision), JSON held as text. */
export type ColumnKind = 'text' | 'int' | 'real' | 'json';

export interface ColumnSpec {
  kind: ColumnKind;
  nullable: boolean;
  /** A sealed secret column. */
  secret?: boolean;
  /** The table whose row this column's value names (a kept id). */
  ref?: ExportTableName;
}

/** A row condition: a column equals a value, or names a row of another table that meets a condition. */
export type ExportWhere = { column: string; equals: string } | { column: string; inTable: ExportTableName; where: ExportWhere };

export interface TableSpec {
  name: ExportTableName;
  description: string;
  /** Exported when the caller names no tables. */
  default: boolean;
  primaryKey: string[];
  /** Exported columns (workspace_id included: rewritten to the importing workspace). */
  columns: Record<string, ColumnSpec>;
  /** Server state columns: not exported; their value on insert. */
  local?: Record<string, unknown>;
  /** Column sets unique per workspace besides the key (a row of the target with the same values and another key is a conflict). */
  unique?: string[][];
  /** Only the rows of the workspace that belong to it (rows from the server's configuration are not). */
  exportWhere?: ExportWhere;
  /** Applied to a row inserted without its secret: what it must not do until a person sets the secret again. */
  withoutSecret?: () => Record<string, unknown>;
  /** The value a secret column gets on insert when the file omits it (sealed by the target's master key). */
  secretPlaceholder?: (column: string) => string | null;
}

const col = (spec: string): ColumnSpec => {
  const nullable = spec.endsWith('?');
  const [kind, extra] = spec.replace('?', '').split(':') as [string, string | undefined];
  if (kind === 'secret') return { kind: 'text', nullable, secret: true };
  if (kind === 'ref') return { kind: 'text', nullable, ref: extra as ExportTableName };
  return { kind: kind as ColumnKind, nullable };
};
const cols = (specs: Record<string, string>): Record<string, ColumnSpec> => Object.fromEntries(Object.entries(specs).map(([k, v]) => [k, col(v)]));

const WS = 'text';
const stamps = { created_at: 'text', updated_at: 'text' };

export const CATALOG: readonly TableSpec[] = [
  {
    name: 'llm_providers',
    description: 'LLM providers (their API keys are secrets); providers seeded from the server configuration are not exported',
    default: true,
    primaryKey: ['id'],
    columns: cols({ id: 'text', workspace_id: WS, kind: 'text', name: 'text', api_key_sealed: 'secret', key_last4: 'text', base_url: 'text?', priority: 'int', enabled: 'int', max_concurrency: 'int', default_models: 'json', pricing: 'json?', source: 'text', ...stamps }),
    unique: [['name']],
    exportWhere: { column: 'source', equals: 'api' },
    withoutSecret: () => ({ enabled: 0, key_last4: '' }),
  },
  {
    name: 'llm_budgets',
    description: "The workspace's LLM budget limits (not what was spent: the importing server counts its own)",
    default: true,
    primaryKey: ['workspace_id'],
    columns: cols({ workspace_id: WS, daily_limit_usd: 'real?', monthly_limit_usd: 'real?', on_exhausted: 'text', degrade_to: 'json?' }),
    // updated_at moves with the counters (every booking), so it is the server's too.
    local: { updated_at: 0, day_key: '', day_spent: 0, day_reserved: 0, month_key: '', month_spent: 0, month_reserved: 0 },
  },
  {
    name: 'llm_routing_rules',
    description: 'LLM routing rules',
    default: true,
    primaryKey: ['id'],
    columns: cols({ id: 'text', workspace_id: WS, position: 'int', name: 'text', enabled: 'int', match: 'json', targets: 'json', fallback_to_defaults: 'int', created_at: 'text' }),
  },
  {
    name: 'jules_accounts',
    description: 'Jules accounts added through the API (their keys are secrets); accounts from the server configuration or the simulator are not exported',
    default: true,
    primaryKey: ['id'],
    columns: cols({ id: 'text', workspace_id: WS, name: 'text', origin: 'text', api_key_sealed: 'secret', key_last4: 'text', base_url: 'text?', created_at: 'text' }),
    local: { last_sync_at: null, last_full_sync_at: null, last_archived_sync_at: null, last_error: null },
    unique: [['name']],
    exportWhere: { column: 'origin', equals: 'api' },
    withoutSecret: () => ({ key_last4: '' }),
  },
  {
    name: 'dispatch_limits',
    description: "Each exported Jules account's plan limits as the dispatcher enforces them",
    default: true,
    primaryKey: ['account_id'],
    columns: cols({ account_id: 'ref:jules_accounts', workspace_id: WS, plan: 'text', concurrent: 'int?', daily: 'int?', in_flight: 'int', paused: 'int', updated_at: 'text' }),
    local: { rate_limited_until: null },
    exportWhere: { column: 'account_id', inTable: 'jules_accounts', where: { column: 'origin', equals: 'api' } },
  },
  {
    name: 'keeper_settings',
    description: "The keeper's settings",
    default: true,
    primaryKey: ['workspace_id'],
    columns: cols({ workspace_id: WS, settings: 'json', updated_at: 'text' }),
  },
  {
    name: 'templates',
    description: 'Session templates',
    default: true,
    primaryKey: ['id'],
    columns: cols({ id: 'text', workspace_id: WS, name: 'text', name_key: 'text', description: 'text', prompt: 'text', title: 'text?', sources: 'json', branch: 'text?', require_plan_approval: 'int', automation_mode: 'text', keeper: 'json', tags: 'json', variables: 'json', version: 'int', ...stamps }),
    unique: [['name_key']],
  },
  {
    name: 'template_tags',
    description: "The templates' tag index (export it with templates)",
    default: true,
    primaryKey: ['workspace_id', 'tag', 'template_id'],
    columns: cols({ workspace_id: WS, tag: 'text', template_id: 'ref:templates', name_key: 'text' }),
  },
  {
    name: 'schedules',
    description: 'Schedules (their run history is not exported; the next fire time is kept)',
    default: true,
    primaryKey: ['id'],
    columns: cols({ id: 'text', workspace_id: WS, name: 'text', cron: 'text?', interval_seconds: 'int?', timezone: 'text', enabled: 'int', missed_run_policy: 'text', target: 'json', anchor_at: 'int', next_fire_at: 'int?', ...stamps }),
    unique: [['name']],
  },
  {
    name: 'github_connections',
    description: 'The GitHub connection (the token or the app private key is a secret)',
    default: true,
    primaryKey: ['workspace_id'],
    columns: cols({ workspace_id: WS, api_url: 'text?', kind: 'text', token_sealed: 'secret', token_last4: 'text', login: 'text', app_id: 'text?', installation_id: 'text?', app_slug: 'text?', account: 'text?', repositories: 'int?', ...stamps }),
    local: { last_error: null },
    withoutSecret: () => ({ token_last4: '', last_error: 'Imported without its token: connect GitHub again' }),
  },
  {
    name: 'github_webhooks',
    description: 'The GitHub webhook secret (a secret: without it the importing server makes a random one to rotate)',
    default: true,
    primaryKey: ['workspace_id'],
    columns: cols({ workspace_id: WS, secret_sealed: 'secret', secret_last4: 'text', ...stamps }),
    local: { last_delivery_at: null, deliveries: 0, rejected: 0 },
    secretPlaceholder: () => randomToken(32),
    withoutSecret: () => ({ secret_last4: '' }),
  },
  {
    name: 'github_repo_automation',
    description: 'Per-repository automation settings',
    default: true,
    primaryKey: ['workspace_id', 'repo'],
    columns: cols({ workspace_id: WS, repo: 'text', settings: 'json', updated_at: 'text' }),
  },
  {
    name: 'hook_endpoints',
    description: 'Inbound webhook endpoints and their rules (the signing secret and reply token are secrets; an endpoint imported without them is disabled)',
    default: true,
    primaryKey: ['id'],
    columns: cols({ id: 'text', workspace_id: WS, name: 'text', preset: 'text', enabled: 'int', mode: 'text', rules: 'json', secret_sealed: 'secret', secret_last4: 'text', reply_api_url: 'text?', reply_token_sealed: 'secret?', reply_token_last4: 'text?', ...stamps }),
    local: { deliveries: 0, rejected: 0, last_delivery_at: null },
    // Never an empty signing secret (anyone could sign with it): a random one nobody knows until it is rotated.
    secretPlaceholder: (c) => (c === 'secret_sealed' ? randomToken(32) : null),
    withoutSecret: () => ({ enabled: 0, secret_last4: '', reply_token_last4: null }),
  },
  {
    name: 'channels',
    description: 'Outbound channels (the whole destination, URL and signing secret or address, is a secret; a channel imported without it is disabled)',
    default: true,
    primaryKey: ['id'],
    columns: cols({ id: 'text', workspace_id: WS, name: 'text', kind: 'text', enabled: 'int', disabled_reason: 'text?', config_sealed: 'secret', target: 'text', filters: 'json', secret_last4: 'text?', ...stamps }),
    local: { consecutive_failures: 0, first_failure_at: null, delivered: 0, failed: 0, last_delivery_at: null },
    secretPlaceholder: () => '{}',
    withoutSecret: () => ({ enabled: 0, disabled_reason: 'Imported without its destination: set it again', secret_last4: null }),
  },
  {
    name: 'jules_sessions',
    description: "The sessions mirror of the exported Jules accounts (history; the importing server's poll refreshes it)",
    default: false,
    primaryKey: ['id'],
    columns: cols({
      id: 'text', workspace_id: WS, account_id: 'ref:jules_accounts', jules_id: 'text', name: 'text', title: 'text', prompt: 'text', state: 'text', source: 'text?', starting_branch: 'text?', working_branch: 'text?', pr_url: 'text?', url: 'text?',
      require_plan_approval: 'int', automation_mode: 'text?', outputs: 'json', raw: 'json', archived: 'int', deleted_at: 'text?', create_time: 'text', update_time: 'text', last_activity_at: 'text?', activities_synced_update_time: 'text?', activity_count: 'int', mirrored_at: 'text',
      orchestrator_created: 'int', intent_require_plan_approval: 'int?', intent_automation_mode: 'text?',
    }),
    exportWhere: { column: 'account_id', inTable: 'jules_accounts', where: { column: 'origin', equals: 'api' } },
  },
  {
    name: 'jules_activities',
    description: "The mirrored sessions' activities (export them with jules_sessions)",
    default: false,
    primaryKey: ['session_id', 'activity_id'],
    columns: cols({ session_id: 'ref:jules_sessions', activity_id: 'text', workspace_id: WS, position: 'int', kind: 'text', originator: 'text', create_time: 'text', raw: 'json' }),
    exportWhere: { column: 'session_id', inTable: 'jules_sessions', where: { column: 'account_id', inTable: 'jules_accounts', where: { column: 'origin', equals: 'api' } } },
  },
  {
    name: 'keeper_actions',
    description: "The keeper's action ledger (history)",
    default: false,
    primaryKey: ['id'],
    columns: cols({ id: 'text', workspace_id: WS, session_id: 'text', kind: 'text', trigger: 'text', status: 'text', reason: 'text', message: 'text?', error: 'text?', attempts: 'int', holder: 'text', created_at: 'int', settled_at: 'int?', session_title: 'text?', session_source: 'text?' }),
    unique: [['session_id', 'kind', 'trigger']],
  },
];

export const CATALOG_BY_NAME = new Map(CATALOG.map((t) => [t.name, t]));

/** The tables to export: the named ones in catalog order (parents before the rows that reference them), else the defaults. */
export function pickTables(names: readonly string[] | undefined): TableSpec[] {
  if (!names || names.length === 0) return CATALOG.filter((t) => t.default);
  const wanted = new Set(names);
  return CATALOG.filter((t) => wanted.has(t.name));
}

export const secretColumns = (t: TableSpec) => Object.entries(t.columns).filter(([, c]) => c.secret).map(([n]) => n);
