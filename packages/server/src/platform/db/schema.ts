import type { ColumnType } from 'kysely';

/**
 * The database's shape, for Kysely. Timestamps shown to people are ISO-8601 text (sortable on both engines);
 * times used for scheduling are integer epoch milliseconds. JSON is stored as text and parsed in the stores.
 * Every tenant-owned table has workspace_id.
 */
export interface WorkspacesTable {
  id: string;
  name: string;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  workspace_id: string;
  name: string;
  role: string;
  key_hash: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
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
  jobs: JobsTable;
  leases: LeasesTable;
  kv: KvTable;
}
