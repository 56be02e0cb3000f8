import { type AuditCheckpoint, type AuditEntry, type AuditExportHeader, type AuditListQuery, type AuditPage, type AuditVerifyResult } from '@autopilot/contracts';
import { z } from 'zod';
import type { Clock } from '../../platform/clock';
import { conflict } from '../../platform/errors';
import { cursorCodec } from '../../platform/cursor';
import type { Logger } from '../../platform/logger';
import type { Metrics } from '../../platform/metrics';
import { signCheckpoint, signingKeyFromSeed, verifyChain } from './audit.chain';
import { exportCheckpoint, type CheckpointExportOptions } from './audit.checkpoints';
import type { AuditDraft, AuditFilter, AuditStore } from './audit.store';

const cursor = cursorCodec(z.object({ seq: z.number().int().min(0) }));

export interface AuditServiceDeps {
  store: AuditStore;
  clock: Clock;
  log: Logger;
  metrics?: Metrics;
  /** 32 bytes: the ed25519 seed of checkpoint signatures (HKDF of the master key, see index.ts). */
  signingSeed: Buffer;
  checkpointEvery: number;
  retentionDays: number;
  exports: Omit<CheckpointExportOptions, 'log'>;
}

/** `<kind>:<id>` or a kind alone, for the actor filter; `<kind>:<id>` or an id, for the target filter. */
function filterOf(q: AuditListQuery): AuditFilter {
  const f: AuditFilter = { action: q.action, from: q.from, to: q.to };
  if (q.actor) {
    const i = q.actor.indexOf(':');
    if (i < 0) f.actorKind = q.actor;
    else [f.actorKind, f.actorId] = [q.actor.slice(0, i), q.actor.slice(i + 1)];
  }
  if (q.target) {
    const i = q.target.indexOf(':');
    if (i < 0) f.targetId = q.target;
    else [f.targetKind, f.targetId] = [q.target.slice(0, i), q.target.slice(i + 1)];
  }
  return f;
}

export function createAuditService(deps: AuditServiceDeps) {
  const { store, clock, log } = deps;
  const key = signingKeyFromSeed(deps.signingSeed);
  const failures = deps.metrics?.counter('audit_append_failures_total', 'Audit entries that could not be appended', ['source'] as const);
  const iso = () => new Date(clock.now()).toISOString();

  async function checkpoint(workspaceId: string): Promise<AuditCheckpoint> {
    const head = await store.head(workspaceId);
    if (!head) throw conflict('The audit trail of this workspace is empty: nothing to checkpoint');
    const body = { workspaceId, size: head.size, headHash: head.headHash, at: iso() };
    const c: AuditCheckpoint = { ...body, publicKey: key.publicKeyB64, signature: signCheckpoint(body, key.privateKey) };
    await store.saveCheckpoint(c);
    await exportCheckpoint(c, { ...deps.exports, log });
    return c;
  }

  return {
    publicKey: key.publicKeyB64,

    /** Appends entries; a checkpoint follows every AUDIT_CHECKPOINT_EVERY entries. Throws when the append fails. */
    async append(workspaceId: string, drafts: AuditDraft[]): Promise<AuditEntry[]> {
      const r = await store.append(workspaceId, iso(), drafts);
      if (r.sinceCheckpoint >= deps.checkpointEvery) await checkpoint(workspaceId).catch((err: unknown) => log.error({ err, workspaceId }, 'audit checkpoint failed'));
      return r.entries;
    },

    /** Appends, never throws: a failure is logged with its source and counted (audit_append_failures_total). */
    async record(workspaceId: string, draft: AuditDraft, source: 'http' | 'event'): Promise<boolean> {
      try {
        await this.append(workspaceId, [draft]);
        return true;
      } catch (err) {
        failures?.inc({ source });
        log.error({ err, workspaceId, action: draft.action, requestId: draft.requestId }, 'audit append failed');
        return false;
      }
    },

    async list(workspaceId: string, q: AuditListQuery): Promise<AuditPage> {
      const after = cursor.decode(q.cursor);
      const rows = await store.list(workspaceId, filterOf(q), q.order, q.limit + 1, after?.seq);
      const items = rows.slice(0, q.limit);
      return { items, nextCursor: rows.length > q.limit ? cursor.encode({ seq: items[items.length - 1].seq }) : null };
    },

    checkpoint,
    checkpoints: (workspaceId: string) => store.checkpoints(workspaceId),

    /**
     * Recomputes the chain from its anchor, checks its end against the head row, every stored checkpoint (signature
     * by our key, head at its size), and the anchor against the newest retention entry.
     */
    async verify(workspaceId: string): Promise<AuditVerifyResult> {
      const anchor = await store.anchor(workspaceId);
      const result = await verifyChain({
        workspaceId, firstSeq: anchor.firstSeq, firstPrevHash: anchor.prevHash, entries: store.entries(workspaceId, anchor.firstSeq),
        checkpoints: await store.checkpoints(workspaceId), trustedKeyB64: key.publicKeyB64, head: await store.head(workspaceId),
      });
      if (!result.ok || anchor.firstSeq === 0) return result;
      const prune = (await store.lastPrune(workspaceId))?.after as { firstSeq?: unknown; prevHash?: unknown } | undefined;
      if (prune?.firstSeq === anchor.firstSeq && prune.prevHash === anchor.prevHash) return result;
      return { ...result, ok: false, firstBadSeq: anchor.firstSeq, reason: 'anchor_mismatch', message: `the chain starts at seq ${anchor.firstSeq} but no retention entry set that start: its beginning was removed` };
    },

    /** NDJSON: the header line, then one entry per line. */
    async *exportLines(workspaceId: string, fromSeq?: number): AsyncGenerator<string> {
      const anchor = await store.anchor(workspaceId);
      const start = Math.max(fromSeq ?? anchor.firstSeq, anchor.firstSeq);
      let prevHash = anchor.prevHash;
      if (start > anchor.firstSeq) {
        for await (const e of store.entries(workspaceId, start - 1)) {
          prevHash = e.hash;
          break;
        }
      }
      const head = await store.head(workspaceId);
      const header: AuditExportHeader = { type: 'audit.header', workspaceId, firstSeq: start, firstPrevHash: prevHash, size: head?.size ?? 0 };
      yield `${JSON.stringify(header)}\n`;
      for await (const e of store.entries(workspaceId, start)) yield `${JSON.stringify(e)}\n`;
    },

    /** The timer: a checkpoint where the chain grew since the last one (AUDIT_CHECKPOINT_MINUTES), and retention. */
    async tick(): Promise<void> {
      for (const ws of await store.workspaces()) {
        const head = await store.head(ws);
        const last = (await store.checkpoints(ws))[0];
        if (head && (!last || last.size < head.size)) await checkpoint(ws).catch((err: unknown) => log.error({ err, workspaceId: ws }, 'audit checkpoint failed'));
        if (deps.retentionDays > 0) {
          const n = await store.prune(ws, new Date(clock.now() - deps.retentionDays * 86_400_000).toISOString(), iso());
          if (n) log.info({ workspaceId: ws, pruned: n }, 'audit retention pruned old entries');
        }
      }
    },
  };
}
export type AuditService = ReturnType<typeof createAuditService>;
