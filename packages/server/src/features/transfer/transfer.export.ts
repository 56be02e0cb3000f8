import { createHash } from 'node:crypto';
import type { SecretBox } from '../../platform/crypto';
import { secretColumns, type TableSpec } from './transfer.catalog';
import type { PassphraseBox } from './transfer.seal';
import { normalize, type Row, type TransferStore } from './transfer.store';

export const FORMAT = 'autopilot-export';
export const VERSION = 1;

export interface ExportHeader {
  format: typeof FORMAT;
  version: typeof VERSION;
  exportedAt: string;
  sourceWorkspace: { id: string; name: string; slug: string | null };
  tables: string[];
  secrets: 'omitted' | 'sealed';
  /** Per table, the secret columns (null in every row when omitted). */
  secretColumns: Record<string, string[]>;
  kdf?: PassphraseBox['kdf'];
  check?: string;
}

/** One row as a file line carries it: the exported columns only, secrets null or sealed with the passphrase. */
export function exportRow(t: TableSpec, row: Row, secrets: SecretBox, box: PassphraseBox | undefined): Row {
  const out: Row = {};
  for (const [name, spec] of Object.entries(t.columns)) {
    const v = row[name];
    if (spec.secret) {
      if (!box || v === null || v === undefined || v === '') {
        out[name] = null;
        continue;
      }
      let plain: string | undefined;
      try {
        plain = secrets.decrypt(String(v));
      } catch {
        plain = undefined; // not readable with this server's key: left out rather than failing the export
      }
      out[name] = plain === undefined ? null : box.seal(plain, `${t.name}.${name}`);
      continue;
    }
    out[name] = normalize(spec, v);
  }
  return out;
}

/**
 * The export file, line by line ('\n'-terminated): the header, one `{table,row}` line per row (tables in catalog
 * order, rows read in keyset pages), then the trailer `{end:true, rows, sha256}` where sha256 covers every line
 * before it, exactly as written.
 */
export async function* exportLines(deps: { store: TransferStore; secrets: SecretBox }, opts: { workspaceId: string; source: ExportHeader['sourceWorkspace']; tables: TableSpec[]; box?: PassphraseBox; now: string }): AsyncGenerator<string> {
  const hash = createHash('sha256');
  const emit = (value: unknown) => {
    const line = `${JSON.stringify(value)}\n`;
    hash.update(line);
    return line;
  };
  const header: ExportHeader = {
    format: FORMAT,
    version: VERSION,
    exportedAt: opts.now,
    sourceWorkspace: opts.source,
    tables: opts.tables.map((t) => t.name),
    secrets: opts.box ? 'sealed' : 'omitted',
    secretColumns: Object.fromEntries(opts.tables.map((t) => [t.name, secretColumns(t)]).filter(([, c]) => c.length > 0)),
    ...(opts.box ? { kdf: opts.box.kdf, check: opts.box.check } : {}),
  };
  yield emit(header);
  const counts: Record<string, number> = {};
  for (const t of opts.tables) {
    counts[t.name] = 0;
    for await (const page of deps.store.rows(t, opts.workspaceId)) {
      let chunk = '';
      for (const row of page) {
        chunk += emit({ table: t.name, row: exportRow(t, row, deps.secrets, opts.box) });
        counts[t.name]++;
      }
      yield chunk;
    }
  }
  yield `${JSON.stringify({ end: true, rows: counts, sha256: hash.digest('hex') })}\n`;
}
