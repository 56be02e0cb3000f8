import { z } from '@hono/zod-openapi';
import { IsoDate, pageOf } from './common';

/**
 * The audit trail (issue #16): per workspace, an append-only hash chain of who changed what. Entry `seq` n has
 * `prevHash` = entry n-1's `hash` (64 zeros for seq 0), and `hash` = SHA-256 hex of the RFC 8785 canonical JSON of
 * {workspaceId, seq, at, actor, action, target, before, after, requestId, prevHash}. Signed checkpoints
 * {workspaceId, size, headHash, at, publicKey, signature} (ed25519) are exported outside the database so a
 * truncated or wholly rewritten chain is caught too (packages/server/src/features/audit/README.md).
 */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

export const AUDIT_ACTOR_KINDS = ['person', 'key', 'keeper', 'schedule', 'webhook', 'automation', 'system'] as const;
export const AuditActor = z
  .object({
    kind: z.enum(AUDIT_ACTOR_KINDS),
    id: z.string(),
    name: z.string(),
  })
  .openapi('AuditActor', { example: { kind: 'key', id: 'key_01J', name: 'ci' } });
export type AuditActor = z.infer<typeof AuditActor>;

export const AuditTarget = z.object({ kind: z.string(), id: z.string() }).openapi('AuditTarget', { example: { kind: 'templates', id: 'tpl_01J' } });
export type AuditTarget = z.infer<typeof AuditTarget>;

const Hash = z.string().regex(/^[0-9a-f]{64}$/).openapi({ example: 'a3f1c2'.padEnd(64, '0') });

export const AuditEntry = z
  .object({
    workspaceId: z.string(),
    seq: z.number().int().min(0),
    at: IsoDate,
    actor: AuditActor,
    action: z.string().openapi({ description: "The route's operationId (`templatesCreate`) or an automated action (`keeper.plan_approved`)", example: 'templatesCreate' }),
    target: AuditTarget.nullable(),
    before: z.unknown().nullable().openapi({ description: 'A summary of the state before (secrets redacted), when known' }),
    after: z.unknown().nullable().openapi({ description: 'A summary of the change or the state after (secrets redacted)' }),
    requestId: z.string().nullable(),
    prevHash: Hash,
    hash: Hash,
  })
  .openapi('AuditEntry');
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditPage = pageOf(AuditEntry).openapi('AuditPage');
export type AuditPage = z.infer<typeof AuditPage>;

export const AuditListQuery = z.object({
  actor: z.string().max(200).optional().openapi({ param: { name: 'actor', in: 'query' }, description: '`<kind>:<id>` (`key:key_01J`) or a kind (`keeper`)', example: 'keeper' }),
  action: z.string().max(200).optional().openapi({ param: { name: 'action', in: 'query' }, example: 'templatesCreate' }),
  target: z.string().max(200).optional().openapi({ param: { name: 'target', in: 'query' }, description: 'A target id, or `<kind>:<id>`', example: 'tpl_01J' }),
  from: z.string().datetime({ offset: true }).optional().openapi({ param: { name: 'from', in: 'query' }, description: 'Entries at or after this time', example: '2026-12-01T00:00:00.000Z' }),
  to: z.string().datetime({ offset: true }).optional().openapi({ param: { name: 'to', in: 'query' }, description: 'Entries before this time', example: '2026-12-31T00:00:00.000Z' }),
  order: z.enum(['newest', 'oldest']).default('newest').openapi({ param: { name: 'order', in: 'query' } }),
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ param: { name: 'limit', in: 'query' } }),
  cursor: z.string().max(512).optional().openapi({ param: { name: 'cursor', in: 'query' } }),
});
export type AuditListQuery = z.infer<typeof AuditListQuery>;

export const AUDIT_VERIFY_REASONS = ['hash_mismatch', 'prev_hash_mismatch', 'seq_gap', 'checkpoint_head_mismatch', 'checkpoint_beyond_chain', 'bad_signature', 'head_mismatch', 'anchor_mismatch'] as const;
export const AuditVerifyReason = z.enum(AUDIT_VERIFY_REASONS);
export type AuditVerifyReason = z.infer<typeof AuditVerifyReason>;

export const AuditVerifyResult = z
  .object({
    ok: z.boolean(),
    size: z.number().int().min(0).openapi({ description: 'Entries in the chain (the next seq to be written)' }),
    firstSeq: z.number().int().min(0).openapi({ description: 'The first seq kept (after retention pruned older ones)' }),
    headHash: z.string().nullable().openapi({ description: 'The last entry\'s hash; null when the chain is empty' }),
    checked: z.number().int().min(0).openapi({ description: 'Entries recomputed' }),
    checkpointsChecked: z.number().int().min(0).openapi({ description: 'Stored checkpoints whose signature and head were checked against the chain' }),
    firstBadSeq: z.number().int().nullable(),
    reason: AuditVerifyReason.nullable(),
    message: z.string().nullable(),
  })
  .openapi('AuditVerifyResult');
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;

export const AuditCheckpoint = z
  .object({
    workspaceId: z.string(),
    size: z.number().int().min(1).openapi({ description: 'Entries covered: seq 0 .. size-1' }),
    headHash: Hash.openapi({ description: 'The hash of the entry at seq size-1' }),
    at: IsoDate,
    publicKey: z.string().openapi({ description: 'The ed25519 public key, base64 of its SPKI DER' }),
    signature: z.string().openapi({ description: 'ed25519 signature (base64) of the canonical JSON of {workspaceId, size, headHash, at}' }),
  })
  .openapi('AuditCheckpoint');
export type AuditCheckpoint = z.infer<typeof AuditCheckpoint>;

export const AuditCheckpointList = z.object({ items: z.array(AuditCheckpoint) }).openapi('AuditCheckpointList');
export type AuditCheckpointList = z.infer<typeof AuditCheckpointList>;

export const AuditExportQuery = z.object({
  fromSeq: z.coerce.number().int().min(0).optional().openapi({ param: { name: 'fromSeq', in: 'query' }, description: 'Start at this seq (default: the first kept)' }),
});
export type AuditExportQuery = z.infer<typeof AuditExportQuery>;

/** The first line of GET /api/audit/export: where the chain starts (retention) and what it must link to. */
export const AuditExportHeader = z.object({
  type: z.literal('audit.header'),
  workspaceId: z.string(),
  firstSeq: z.number().int().min(0),
  firstPrevHash: z.string(),
  size: z.number().int().min(0),
});
export type AuditExportHeader = z.infer<typeof AuditExportHeader>;
