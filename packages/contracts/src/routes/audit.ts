import { z } from '@hono/zod-openapi';
import { AuditCheckpoint, AuditCheckpointList, AuditExportQuery, AuditListQuery, AuditPage, AuditVerifyResult } from '../audit';
import { declareRoutes, jsonOk } from './define';

const tags = ['audit'];
const admin = { minRole: 'admin', denied: 'Only admins and owners can read the audit trail' } as const;

/** The audit trail (issue #16; server features/audit): entries, verification, signed checkpoints, the NDJSON export, admins and owners only. */
export const audit = declareRoutes({
  list: {
    method: 'get',
    path: '/api/audit',
    tags,
    summary: 'Audit entries of the caller\'s workspace, newest first by default, filtered by actor, action, target and time, in keyset pages',
    ...admin,
    request: { query: AuditListQuery },
    responses: { 200: jsonOk(AuditPage) },
  },
  verify: {
    method: 'get',
    path: '/api/audit/verify',
    tags,
    summary: 'Recompute the whole chain from its first kept entry, and check every stored checkpoint against it: the first bad seq and why',
    ...admin,
    responses: { 200: jsonOk(AuditVerifyResult) },
  },
  checkpoints: {
    method: 'get',
    path: '/api/audit/checkpoints',
    tags,
    summary: 'The signed checkpoints of the chain, newest first',
    ...admin,
    responses: { 200: jsonOk(AuditCheckpointList) },
  },
  checkpoint: {
    method: 'post',
    path: '/api/audit/checkpoints',
    tags,
    summary: 'Sign a checkpoint of the chain now (and export it); 409 when the chain is empty',
    ...admin,
    responses: { 201: jsonOk(AuditCheckpoint, 'Signed') },
  },
  export: {
    method: 'get',
    path: '/api/audit/export',
    tags,
    summary: 'The chain as NDJSON, streamed: a header line (first seq, its prevHash, size), then one entry with its hashes per line, for offline verification',
    ...admin,
    request: { query: AuditExportQuery },
    responses: { 200: { description: 'NDJSON lines', content: { 'application/x-ndjson': { schema: z.string().openapi({ description: 'NDJSON lines (features/audit/README.md)' }) } } } },
  },
});
