import fs from 'node:fs/promises';
import path from 'node:path';
import type { AuditCheckpoint } from '@autopilot/contracts';
import type { Logger } from '../../platform/logger';
import type { Outbound } from '../../platform/outbound/outbound';

export interface CheckpointExportOptions {
  /** AUDIT_CHECKPOINT_DIR: one JSON file per checkpoint. */
  dir?: string;
  /** AUDIT_CHECKPOINT_URL: each checkpoint POSTed as JSON through the outbound module. */
  url?: string;
  outbound?: Outbound;
  log: Logger;
}

/** The file name of a checkpoint: sortable by workspace then size. */
export const checkpointFileName = (c: AuditCheckpoint) => `audit-checkpoint-${c.workspaceId}-${String(c.size).padStart(12, '0')}.json`;

/**
 * Copies a checkpoint outside the database, where a rewrite of the database cannot reach it. A failure is logged and
 * returned (the checkpoint stays stored; the next one is exported again).
 */
export async function exportCheckpoint(c: AuditCheckpoint, o: CheckpointExportOptions): Promise<string[]> {
  const problems: string[] = [];
  if (o.dir) {
    try {
      await fs.mkdir(o.dir, { recursive: true });
      const file = path.join(o.dir, checkpointFileName(c));
      await fs.writeFile(`${file}.tmp`, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o644 });
      await fs.rename(`${file}.tmp`, file);
    } catch (err) {
      problems.push(`dir: ${(err as Error).message}`);
    }
  }
  if (o.url && o.outbound) {
    try {
      // The operator's own URL (set in the environment): the trusted client, no redirects.
      const res = await o.outbound.trusted.fetch(o.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(c), redirect: 'manual' });
      await res.body?.cancel();
      if (!res.ok) problems.push(`url: HTTP ${res.status}`);
    } catch (err) {
      problems.push(`url: ${(err as Error).message}`);
    }
  }
  if (problems.length) o.log.error({ workspaceId: c.workspaceId, size: c.size, problems }, 'audit checkpoint export failed');
  return problems;
}
