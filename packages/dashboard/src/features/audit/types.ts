/* Provisional shapes until the audit contracts land (replaced by imports from @autopilot/contracts). */
export interface AuditEntry {
  seq: number;
  at: string;
  actor: { kind: string; id: string; name: string | null };
  action: string;
  target: { kind: string; id: string | null } | null;
  before: unknown;
  after: unknown;
  hash: string;
}
export interface AuditCheckpoint {
  size: number;
  headHash: string;
  at: string;
}
export interface AuditVerify {
  ok: boolean;
  size: number;
  headHash: string | null;
  firstBadSeq: number | null;
  reason: string | null;
}
