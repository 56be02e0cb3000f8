import { createHash } from 'node:crypto';
import { z } from 'zod';
import { EXPORT_TABLES, type FieldIssue } from '@autopilot/contracts';
import { CATALOG_BY_NAME, type ColumnSpec, type TableSpec } from './transfer.catalog';
import { FORMAT, VERSION, type ExportHeader } from './transfer.export';
import { openPassphraseBox, type PassphraseBox } from './transfer.seal';
import type { Row, TransferStore } from './transfer.store';

/*
 * An import file checked completely before anything is written: the header, every row line (known table, known
 * columns, a type per column from the catalog), primary keys (once in the file, not another workspace's), unique
 * names (no other row of the workspace holds them), references (to a row of the file or of the workspace), the
 * trailer's counts and checksum, and the passphrase of a sealed file. Problems are field issues with paths like
 * `line.12.row.name`, the first MAX_ISSUES of them.
 */

export const PASSPHRASE_HEADER = 'x-autopilot-passphrase';
const MAX_ISSUES = 100;

const KdfSchema = z.strictObject({ name: z.literal('scrypt'), salt: z.string().min(16).max(64), N: z.number().int(), r: z.number().int(), p: z.number().int() });
const HeaderSchema = z
  .strictObject({
    format: z.literal(FORMAT),
    version: z.literal(VERSION),
    exportedAt: z.string().max(64),
    sourceWorkspace: z.strictObject({ id: z.string().max(200), name: z.string().max(200), slug: z.string().max(200).nullable() }),
    tables: z.array(z.enum(EXPORT_TABLES)).max(EXPORT_TABLES.length),
    secrets: z.enum(['omitted', 'sealed']),
    secretColumns: z.record(z.string(), z.array(z.string())),
    kdf: KdfSchema.optional(),
    check: z.string().max(500).optional(),
  })
  .superRefine((h, ctx) => {
    if (h.secrets === 'sealed' && (!h.kdf || !h.check)) ctx.addIssue({ code: 'custom', path: ['kdf'], message: 'a sealed file needs kdf and check' });
  });
const TrailerSchema = z.strictObject({ end: z.literal(true), rows: z.record(z.string(), z.number().int().min(0)), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
const LineSchema = z.strictObject({ table: z.string().max(100), row: z.record(z.string(), z.unknown()) });

const intValue = z.union([z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER), z.boolean().transform((b) => (b ? 1 : 0))]);
const jsonText = z.string().max(5_000_000).refine((s) => {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}, 'must be JSON text');

function columnSchema(spec: ColumnSpec): z.ZodType {
  const base = spec.secret ? z.string().max(200_000) : spec.kind === 'int' ? intValue : spec.kind === 'real' ? z.number().finite() : spec.kind === 'json' ? jsonText : z.string().max(5_000_000);
  // Secrets are nullable in a file whatever the column: null = left out.
  return spec.nullable || spec.secret ? base.nullable() : base;
}

const rowSchemas = new Map<string, z.ZodType<Row>>();
function rowSchema(t: TableSpec): z.ZodType<Row> {
  let s = rowSchemas.get(t.name);
  if (!s) {
    s = z.strictObject(Object.fromEntries(Object.entries(t.columns).map(([n, c]) => [n, columnSchema(c)]))) as unknown as z.ZodType<Row>;
    rowSchemas.set(t.name, s);
  }
  return s;
}

/** A row ready to apply: its table, its values (workspace_id not yet rewritten), secrets opened (plain text) or null. */
export interface ParsedRow {
  line: number;
  table: TableSpec;
  row: Row;
}

export interface ParsedFile {
  header: ExportHeader;
  rows: ParsedRow[];
}

export type Validation = { ok: true; file: ParsedFile; box?: PassphraseBox } | { ok: false; issues: FieldIssue[] };

const keyOf = (t: TableSpec, row: Row) => JSON.stringify(t.primaryKey.filter((c) => c !== 'workspace_id').map((c) => row[c]));

/** Checks a whole file for an import into `ws`. Sealed secrets come back opened (plain text) in the rows. */
export async function validateImport(store: TransferStore, ws: string, text: string, passphrase: string | undefined): Promise<Validation> {
  const issues: FieldIssue[] = [];
  const add = (path: string, message: string) => {
    if (issues.length < MAX_ISSUES) issues.push({ path, message });
  };
  const zodIssues = (prefix: string, err: z.ZodError) => err.issues.forEach((i) => add([prefix, ...i.path.map(String)].join('.'), i.message));
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length < 2) return { ok: false, issues: [{ path: 'body', message: 'not an export file: a header line and a trailer line are needed' }] };
  const json = (n: number): unknown => {
    try {
      return JSON.parse(lines[n - 1]);
    } catch {
      add(`line.${n}`, 'is not JSON');
      return undefined;
    }
  };

  const h = HeaderSchema.safeParse(json(1));
  if (!h.success) {
    zodIssues('line.1', h.error);
    return { ok: false, issues };
  }
  const header = h.data as ExportHeader;
  let box: PassphraseBox | undefined;
  if (header.secrets === 'sealed') {
    if (!passphrase) add(`header.${PASSPHRASE_HEADER}`, "this file's secrets are sealed: the passphrase it was exported with is required");
    else {
      box = (await openPassphraseBox(passphrase, header.kdf!, header.check!)) ?? undefined;
      if (!box) add(`header.${PASSPHRASE_HEADER}`, "wrong passphrase: it does not open this file's secrets");
    }
  }

  // The trailer: counts and the checksum of every line before it, as sent.
  const last = lines.length;
  const tr = TrailerSchema.safeParse(json(last));
  if (!tr.success) zodIssues(`line.${last}`, tr.error);
  else {
    const hash = createHash('sha256');
    for (let i = 0; i < last - 1; i++) hash.update(`${lines[i]}\n`);
    if (hash.digest('hex') !== tr.data.sha256) add(`line.${last}.sha256`, 'does not match the lines before it: the file was changed or cut');
  }

  const rows: ParsedRow[] = [];
  const counts: Record<string, number> = {};
  const seen = new Map<string, Map<string, number>>();
  for (let n = 2; n < last; n++) {
    const raw = json(n);
    if (raw === undefined) continue;
    const l = LineSchema.safeParse(raw);
    if (!l.success) {
      zodIssues(`line.${n}`, l.error);
      continue;
    }
    const t = CATALOG_BY_NAME.get(l.data.table as TableSpec['name']);
    if (!t || !header.tables.includes(t.name)) {
      add(`line.${n}.table`, t ? `${t.name} is not among the header's tables` : `unknown table ${JSON.stringify(l.data.table).slice(0, 120)}`);
      continue;
    }
    const r = rowSchema(t).safeParse(l.data.row);
    if (!r.success) {
      zodIssues(`line.${n}.row`, r.error);
      continue;
    }
    const row = r.data;
    for (const [name, spec] of Object.entries(t.columns)) {
      if (!spec.secret || row[name] === null) continue;
      if (header.secrets === 'omitted') add(`line.${n}.row.${name}`, 'must be null: the header says secrets are omitted');
      else if (box) {
        try {
          row[name] = box.open(String(row[name]), `${t.name}.${name}`);
        } catch {
          add(`line.${n}.row.${name}`, 'does not open with this passphrase');
        }
      }
    }
    const keys = seen.get(t.name) ?? new Map<string, number>();
    seen.set(t.name, keys);
    const key = keyOf(t, row);
    if (keys.has(key)) add(`line.${n}.row.${t.primaryKey.find((c) => c !== 'workspace_id') ?? 'workspace_id'}`, `the same ${t.name} row as line ${keys.get(key)}`);
    keys.set(key, n);
    counts[t.name] = (counts[t.name] ?? 0) + 1;
    rows.push({ line: n, table: t, row });
  }
  if (tr.success) {
    for (const name of new Set([...Object.keys(tr.data.rows), ...Object.keys(counts)])) {
      if ((tr.data.rows[name] ?? 0) !== (counts[name] ?? 0)) add(`line.${last}.rows.${name}`, `says ${tr.data.rows[name] ?? 0} rows, the file has ${counts[name] ?? 0}`);
    }
  }
  if (issues.length === 0) await checkAgainstWorkspace(store, ws, rows, add);
  return issues.length ? { ok: false, issues } : { ok: true, file: { header, rows }, ...(box ? { box } : {}) };
}

/** Keys held by another workspace, unique values held by another row of this one, references nothing resolves. */
async function checkAgainstWorkspace(store: TransferStore, ws: string, rows: ParsedRow[], add: (path: string, message: string) => void) {
  const byTable = new Map<string, ParsedRow[]>();
  for (const r of rows) byTable.set(r.table.name, [...(byTable.get(r.table.name) ?? []), r]);
  const inFile = new Map<string, Set<string>>();
  for (const [name, list] of byTable) {
    const t = list[0].table;
    const single = t.primaryKey.length === 1 && t.primaryKey[0] !== 'workspace_id' ? t.primaryKey[0] : undefined;
    if (!single) continue;
    inFile.set(name, new Set(list.map((r) => String(r.row[single]))));
    const { others } = await store.keysIn(t, ws, single, list.map((r) => String(r.row[single])));
    for (const r of list) if (others.has(String(r.row[single]))) add(`line.${r.line}.row.${single}`, `is the key of a ${name} row of another workspace on this server`);
    for (const cols of t.unique ?? []) {
      const tuple = (row: Row) => JSON.stringify(cols.map((c) => row[c]));
      const fileHolders = new Map<string, number>();
      for (const r of list) {
        const k = tuple(r.row);
        if (fileHolders.has(k)) add(`line.${r.line}.row.${cols[0]}`, `the same ${cols.join(' and ')} as line ${fileHolders.get(k)}`);
        fileHolders.set(k, r.line);
      }
      const holders = await store.uniqueHolders(t, ws, cols, [...new Set(list.map((r) => r.row[cols[0]]))]);
      const held = new Map(holders.map((h) => [tuple(h), String(h[single])]));
      for (const r of list) {
        const owner = held.get(tuple(r.row));
        if (owner !== undefined && owner !== String(r.row[single])) add(`line.${r.line}.row.${cols[0]}`, `another ${name} row of this workspace already has this ${cols.join(' and ')}`);
      }
    }
  }
  for (const [, list] of byTable) {
    const t = list[0].table;
    for (const [column, spec] of Object.entries(t.columns)) {
      if (!spec.ref) continue;
      const target = CATALOG_BY_NAME.get(spec.ref)!;
      const wanted = [...new Set(list.map((r) => r.row[column]).filter((v): v is string => typeof v === 'string' && !inFile.get(spec.ref!)?.has(v)))];
      const { mine } = wanted.length ? await store.keysIn(target, ws, target.primaryKey[0], wanted) : { mine: new Set<string>() };
      for (const r of list) {
        const v = r.row[column];
        if (typeof v === 'string' && !inFile.get(spec.ref)?.has(v) && !mine.has(v)) add(`line.${r.line}.row.${column}`, `names no ${spec.ref} row of the file or of this workspace`);
      }
    }
  }
}
