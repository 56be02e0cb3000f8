import { AUDIT_GENESIS_HASH, type AuditActor, type AuditCheckpoint, type AuditEntry, type AuditTarget } from '@autopilot/contracts';
import type { Selectable, Transaction } from 'kysely';
import type { Db } from '../../platform/db';
import type { AuditEntriesTable, Database } from '../../platform/db/schema';
import { entryHash } from './audit.chain';

/** What a recorder hands to append: the chain fields (seq, at, hashes) are filled in under the head lock. */
export interface AuditDraft {
  actor: AuditActor;
  action: string;
  target: AuditTarget | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
  /** Fill `before` with the `after` of the newest entry about the same target (a change to an existing resource). */
  beforeFromTrail?: boolean;
}

export interface AuditFilter {
  actorKind?: string;
  actorId?: string;
  action?: string;
  targetKind?: string;
  targetId?: string;
  from?: string;
  to?: string;
}

const parse = (s: string | null): unknown => (s === null ? null : (JSON.parse(s) as unknown));

export function toEntry(r: Selectable<AuditEntriesTable>): AuditEntry {
  return {
    workspaceId: r.workspace_id, seq: Number(r.seq), at: r.at,
    actor: { kind: r.actor_kind as AuditActor['kind'], id: r.actor_id, name: r.actor_name }, action: r.action,
    target: r.target_kind === null || r.target_id === null ? null : { kind: r.target_kind, id: r.target_id },
    before: parse(r.before_json), after: parse(r.after_json), requestId: r.request_id, prevHash: r.prev_hash, hash: r.hash,
  };
}

const toCheckpoint = (r: { workspace_id: string; size: number; head_hash: string; at: string; public_key: string; signature: string }): AuditCheckpoint => ({
  workspaceId: r.workspace_id, size: Number(r.size), headHash: r.head_hash, at: r.at, publicKey: r.public_key, signature: r.signature,
});

const PAGE = 500;

/** The action of the entry retention writes with each new anchor. */
export const PRUNE_ACTION = 'audit.pruned';

/** The audit feature's queries: the only writer of audit_* tables. */
export function createAuditStore(db: Db) {
  const k = db.kysely;

  /**
   * Appends entries to a workspace's chain inside `trx`, holding its head row: PostgreSQL locks it with SELECT … FOR
   * UPDATE (two instances wait for each other), SQLite's write transaction serialises writers.
   */
  async function appendIn(trx: Transaction<Database>, workspaceId: string, at: string, drafts: AuditDraft[]) {
    const lockHead = () => {
      const q = trx.selectFrom('audit_heads').selectAll().where('workspace_id', '=', workspaceId);
      return (db.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
    };
    // The head row exists after a workspace's first entry: one round trip less on every later append.
    let head = await lockHead();
    if (!head) {
      await trx.insertInto('audit_heads').values({ workspace_id: workspaceId, size: 0, head_hash: AUDIT_GENESIS_HASH, checkpoint_size: 0 }).onConflict((oc) => oc.column('workspace_id').doNothing()).execute();
      head = await lockHead();
      if (!head) throw new Error(`audit head of ${workspaceId} could not be created`);
    }
    let size = Number(head.size);
    let prev = head.head_hash;
    const entries: AuditEntry[] = [];
    for (const d of drafts) {
      let before: unknown = d.before ?? null;
      if (d.beforeFromTrail && d.target && before === null) {
        const last = await trx.selectFrom('audit_entries').select('after_json').where('workspace_id', '=', workspaceId).where('target_kind', '=', d.target.kind).where('target_id', '=', d.target.id)
          .orderBy('seq', 'desc').limit(1).executeTakeFirst();
        before = last ? parse(last.after_json) : null;
      }
      const body = { workspaceId, seq: size, at, actor: d.actor, action: d.action, target: d.target, before, after: d.after ?? null, requestId: d.requestId, prevHash: prev };
      const e: AuditEntry = { ...body, hash: entryHash(body) };
      entries.push(e);
      prev = e.hash;
      size++;
    }
    if (entries.length) {
      await trx.insertInto('audit_entries').values(entries.map((e) => ({
        workspace_id: e.workspaceId, seq: e.seq, at: e.at, actor_kind: e.actor.kind, actor_id: e.actor.id, actor_name: e.actor.name, action: e.action,
        target_kind: e.target?.kind ?? null, target_id: e.target?.id ?? null,
        before_json: e.before === null ? null : JSON.stringify(e.before), after_json: e.after === null ? null : JSON.stringify(e.after),
        request_id: e.requestId, prev_hash: e.prevHash, hash: e.hash,
      }))).execute();
      await trx.updateTable('audit_heads').set({ size, head_hash: prev }).where('workspace_id', '=', workspaceId).execute();
    }
    return { entries, sinceCheckpoint: size - Number(head.checkpoint_size) };
  }

  return {
    /**
     * Appends entries to a workspace's chain in one transaction holding its head row: PostgreSQL locks it with
     * SELECT … FOR UPDATE (two instances wait for each other), SQLite's write transaction serialises writers.
     */
    async append(workspaceId: string, at: string, drafts: AuditDraft[]): Promise<{ entries: AuditEntry[]; sinceCheckpoint: number }> {
      return k.transaction().execute((trx) => appendIn(trx, workspaceId, at, drafts));
    },

    async list(workspaceId: string, f: AuditFilter, order: 'newest' | 'oldest', limit: number, afterSeq?: number): Promise<AuditEntry[]> {
      let q = k.selectFrom('audit_entries').selectAll().where('workspace_id', '=', workspaceId);
      if (f.actorKind) q = q.where('actor_kind', '=', f.actorKind);
      if (f.actorId) q = q.where('actor_id', '=', f.actorId);
      if (f.action) q = q.where('action', '=', f.action);
      if (f.targetKind) q = q.where('target_kind', '=', f.targetKind);
      if (f.targetId) q = q.where('target_id', '=', f.targetId);
      if (f.from) q = q.where('at', '>=', f.from);
      if (f.to) q = q.where('at', '<', f.to);
      if (afterSeq !== undefined) q = q.where('seq', order === 'newest' ? '<' : '>', afterSeq);
      const rows = await q.orderBy('seq', order === 'newest' ? 'desc' : 'asc').limit(limit).execute();
      return rows.map(toEntry);
    },

    /** Every entry from `fromSeq` on, in seq order, read in pages. */
    async *entries(workspaceId: string, fromSeq = 0): AsyncGenerator<AuditEntry> {
      let next = fromSeq;
      for (;;) {
        const rows = await k.selectFrom('audit_entries').selectAll().where('workspace_id', '=', workspaceId).where('seq', '>=', next).orderBy('seq').limit(PAGE).execute();
        for (const r of rows) yield toEntry(r);
        if (rows.length < PAGE) return;
        next = Number(rows[rows.length - 1].seq) + 1;
      }
    },

    /** The newest retention entry (its `after` names the anchor it set). */
    async lastPrune(workspaceId: string): Promise<AuditEntry | undefined> {
      const r = await k.selectFrom('audit_entries').selectAll().where('workspace_id', '=', workspaceId).where('action', '=', PRUNE_ACTION).orderBy('seq', 'desc').limit(1).executeTakeFirst();
      return r ? toEntry(r) : undefined;
    },

    async anchor(workspaceId: string): Promise<{ firstSeq: number; prevHash: string }> {
      const a = await k.selectFrom('audit_anchors').select(['first_seq', 'prev_hash']).where('workspace_id', '=', workspaceId).executeTakeFirst();
      return a ? { firstSeq: Number(a.first_seq), prevHash: a.prev_hash } : { firstSeq: 0, prevHash: AUDIT_GENESIS_HASH };
    },

    async head(workspaceId: string): Promise<{ size: number; headHash: string } | null> {
      const h = await k.selectFrom('audit_heads').select(['size', 'head_hash']).where('workspace_id', '=', workspaceId).executeTakeFirst();
      return h && Number(h.size) > 0 ? { size: Number(h.size), headHash: h.head_hash } : null;
    },

    async workspaces(): Promise<string[]> {
      return (await k.selectFrom('audit_heads').select('workspace_id').execute()).map((r) => r.workspace_id);
    },

    async checkpoints(workspaceId: string): Promise<AuditCheckpoint[]> {
      return (await k.selectFrom('audit_checkpoints').selectAll().where('workspace_id', '=', workspaceId).orderBy('size', 'desc').execute()).map(toCheckpoint);
    },

    async lastCheckpointAt(workspaceId: string): Promise<string | null> {
      const r = await k.selectFrom('audit_checkpoints').select('at').where('workspace_id', '=', workspaceId).orderBy('size', 'desc').limit(1).executeTakeFirst();
      return r?.at ?? null;
    },

    async saveCheckpoint(c: AuditCheckpoint): Promise<void> {
      await k.transaction().execute(async (trx) => {
        await trx.insertInto('audit_checkpoints').values({ workspace_id: c.workspaceId, size: c.size, head_hash: c.headHash, at: c.at, public_key: c.publicKey, signature: c.signature })
          .onConflict((oc) => oc.columns(['workspace_id', 'size']).doNothing()).execute();
        await trx.updateTable('audit_heads').set({ checkpoint_size: c.size }).where('workspace_id', '=', c.workspaceId).where('checkpoint_size', '<', c.size).execute();
      });
    },

    /**
     * Retention: deletes the entries of a workspace older than `before`, a prefix of the chain only. The anchor (first
     * kept seq and the hash it links to) is written first in the same transaction: the trigger allows a DELETE only below it.
     */
    async prune(workspaceId: string, before: string, at: string): Promise<number> {
      return k.transaction().execute(async (trx) => {
        const last = await trx.selectFrom('audit_entries').select(['seq', 'hash']).where('workspace_id', '=', workspaceId).where('at', '<', before).orderBy('seq', 'desc').limit(1).executeTakeFirst();
        if (!last) return 0;
        // Keep the head entry: a chain never becomes empty by retention (its head hash stays checkable).
        const head = await trx.selectFrom('audit_heads').select('size').where('workspace_id', '=', workspaceId).executeTakeFirstOrThrow();
        const firstSeq = Math.min(Number(last.seq) + 1, Number(head.size) - 1);
        if (firstSeq <= 0) return 0;
        const linked = await trx.selectFrom('audit_entries').select('hash').where('workspace_id', '=', workspaceId).where('seq', '=', firstSeq - 1).executeTakeFirstOrThrow();
        await trx.insertInto('audit_anchors').values({ workspace_id: workspaceId, first_seq: firstSeq, prev_hash: linked.hash, at })
          .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ first_seq: firstSeq, prev_hash: linked.hash, at })).execute();
        const r = await trx.deleteFrom('audit_entries').where('workspace_id', '=', workspaceId).where('seq', '<', firstSeq).executeTakeFirst();
        const deleted = Number(r.numDeletedRows);
        // The prune is itself an entry of the chain, written with the anchor: verify checks the anchor against the
        // newest one, so an anchor moved by hand (to hide the start of the chain) is caught.
        await appendIn(trx, workspaceId, at, [{ actor: { kind: 'system', id: 'retention', name: 'retention' }, action: PRUNE_ACTION, target: null, before: null, after: { firstSeq, prevHash: linked.hash, deleted, before }, requestId: null }]);
        return deleted;
      });
    },
  };
}
export type AuditStore = ReturnType<typeof createAuditStore>;
