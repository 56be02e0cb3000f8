import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Db } from '../../platform/db';
import { type ColumnSpec, type ExportWhere, type TableSpec } from './transfer.catalog';

/*
 * The transfer feature's queries. Export and import move rows of other features' tables by the catalog's
 * description of them (transfer.catalog.ts), so this store, unlike others, reads and writes tables it does not
 * own: only the catalog's tables, always within one workspace.
 */

export type Row = Record<string, unknown>;
// Table names come from the catalog, never from the request: the dynamic Kysely is safe to use here.
type AnyDb = Kysely<any> | Transaction<any>;

const PAGE = 500;

function applyWhere(root: AnyDb, qb: SelectQueryBuilder<any, any, any>, where: ExportWhere, ws: string): SelectQueryBuilder<any, any, any> {
  if ('equals' in where) return qb.where(where.column, '=', where.equals);
  const inner = applyWhere(root, root.selectFrom(where.inTable).select('id').where('workspace_id', '=', ws) as SelectQueryBuilder<any, any, any>, where.where, ws);
  return qb.where(where.column, 'in', inner);
}

/** Normalises a value read from either engine to the file's types (ints and reals as numbers, text as text). */
export function normalize(spec: ColumnSpec, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (spec.kind === 'int' || spec.kind === 'real') return typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
  return typeof v === 'string' ? v : String(v);
}

export function createTransferStore(db: Db) {
  const k = db.kysely as unknown as Kysely<any>;
  const pkTuple = (t: TableSpec, row: Row) => t.primaryKey.map((c) => (c === 'workspace_id' ? null : row[c]));

  return {
    /** The workspace's id, name and slug (for the header). */
    async workspace(ws: string) {
      const w = await k.selectFrom('workspaces').select(['id', 'name', 'slug']).where('id', '=', ws).executeTakeFirst();
      return w ? { id: w.id as string, name: w.name as string, slug: (w.slug as string | null) ?? null } : undefined;
    },

    /** The workspace's rows of one table in keyset pages of the primary key: never the whole table in memory. */
    async *rows(t: TableSpec, ws: string): AsyncGenerator<Row[]> {
      let after: unknown[] | undefined;
      const keyCols = t.primaryKey.filter((c) => c !== 'workspace_id');
      for (;;) {
        let q = k.selectFrom(t.name).selectAll().where('workspace_id', '=', ws) as SelectQueryBuilder<any, any, any>;
        if (t.exportWhere) q = applyWhere(k, q, t.exportWhere, ws);
        if (after && keyCols.length === 1) q = q.where(keyCols[0], '>', after[0]);
        else if (after) q = q.where(sql<boolean>`(${sql.join(keyCols.map((c) => sql.ref(c)))}) > (${sql.join(after)})`);
        for (const c of keyCols) q = q.orderBy(c);
        const page = (await q.limit(PAGE).execute()) as Row[];
        if (page.length === 0) return;
        yield page;
        if (page.length < PAGE || keyCols.length === 0) return;
        const last = page[page.length - 1];
        after = keyCols.map((c) => last[c]);
      }
    },

    /** The row of the workspace with this primary key. */
    async find(trx: AnyDb, t: TableSpec, ws: string, row: Row): Promise<Row | undefined> {
      let q = trx.selectFrom(t.name).selectAll().where('workspace_id', '=', ws) as SelectQueryBuilder<any, any, any>;
      for (const c of t.primaryKey) if (c !== 'workspace_id') q = q.where(c, '=', row[c]);
      return (await q.executeTakeFirst()) as Row | undefined;
    },

    async insert(trx: AnyDb, t: TableSpec, row: Row) {
      await trx.insertInto(t.name).values(row).execute();
    },

    async update(trx: AnyDb, t: TableSpec, ws: string, key: Row, set: Row) {
      let q = trx.updateTable(t.name).set(set).where('workspace_id', '=', ws);
      for (const c of t.primaryKey) if (c !== 'workspace_id') q = q.where(c, '=', key[c]);
      await q.execute();
    },

    /** Which of these single-column keys exist: in this workspace (`mine`) and in another one (`others`). */
    async keysIn(t: TableSpec, ws: string, column: string, values: string[]): Promise<{ mine: Set<string>; others: Set<string> }> {
      const mine = new Set<string>();
      const others = new Set<string>();
      for (let i = 0; i < values.length; i += PAGE) {
        const chunk = values.slice(i, i + PAGE);
        const found = await k.selectFrom(t.name).select([column, 'workspace_id']).where(column, 'in', chunk).execute();
        for (const r of found) (r.workspace_id === ws ? mine : others).add(String(r[column]));
      }
      return { mine, others };
    },

    /** The workspace's rows whose `columns` take one of these value tuples (keys given), for unique-conflict checks. */
    async uniqueHolders(t: TableSpec, ws: string, columns: string[], firstValues: unknown[]): Promise<Row[]> {
      const out: Row[] = [];
      const keyCols = t.primaryKey.filter((c) => c !== 'workspace_id');
      for (let i = 0; i < firstValues.length; i += PAGE) {
        const chunk = firstValues.slice(i, i + PAGE);
        const found = await k.selectFrom(t.name).select([...new Set([...columns, ...keyCols])]).where('workspace_id', '=', ws).where(columns[0], 'in', chunk).execute();
        out.push(...(found as Row[]));
      }
      return out;
    },

    transaction: <T>(fn: (trx: Transaction<any>) => Promise<T>) => k.transaction().execute(fn),
    root: k,
    pkTuple,
  };
}

export type TransferStore = ReturnType<typeof createTransferStore>;
