/*
 * The audit trail (issue #16; features/audit/README.md): an append-only hash chain per workspace, its head, the
 * retention anchor and signed checkpoints. JSON columns are text.
 */

/** One entry; PK (workspace_id, seq). UPDATE and DELETE are refused by triggers (a DELETE below the anchor is allowed). */
export interface AuditEntriesTable {
  workspace_id: string;
  seq: number;
  at: string;
  actor_kind: string;
  actor_id: string;
  actor_name: string;
  action: string;
  target_kind: string | null;
  target_id: string | null;
  before_json: string | null;
  after_json: string | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

/** The chain's head per workspace: locked (FOR UPDATE) by every append; `checkpoint_size` = size at the last checkpoint. */
export interface AuditHeadsTable {
  workspace_id: string;
  size: number;
  head_hash: string;
  checkpoint_size: number;
}

/** Where the kept chain starts after retention: entries below `first_seq` may be deleted; `prev_hash` links the first kept one. */
export interface AuditAnchorsTable {
  workspace_id: string;
  first_seq: number;
  prev_hash: string;
  at: string;
}

export interface AuditCheckpointsTable {
  workspace_id: string;
  size: number;
  head_hash: string;
  at: string;
  public_key: string;
  signature: string;
}
