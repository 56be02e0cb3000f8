import type { ExportTables, ImportResult } from '@autopilot/contracts';
import type { Clock } from '../../platform/clock';
import { iso } from '../../platform/clock';
import type { SecretBox } from '../../platform/crypto';
import { AppError, notFound } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { applyImport } from './transfer.apply';
import { CATALOG, pickTables, secretColumns } from './transfer.catalog';
import { exportLines } from './transfer.export';
import { newPassphraseBox } from './transfer.seal';
import type { TransferStore } from './transfer.store';
import { validateImport } from './transfer.validate';

export interface TransferDeps {
  store: TransferStore;
  secrets: SecretBox;
  clock: Clock;
  log: Logger;
  /** scrypt cost of new sealed exports (tests lower it). */
  scryptN?: number;
}

/** Export (streamed NDJSON lines) and import (validated whole, applied in one transaction) of one workspace. */
export function createTransferService(deps: TransferDeps) {
  const { store } = deps;
  return {
    /** The catalog, for GET /api/export/tables. */
    tables(): ExportTables {
      return {
        tables: CATALOG.map((t) => ({
          name: t.name,
          description: t.description,
          default: t.default,
          primaryKey: t.primaryKey,
          columns: Object.keys(t.columns),
          secrets: secretColumns(t),
          references: Object.entries(t.columns).flatMap(([column, c]) => (c.ref ? [{ column, table: c.ref }] : [])),
        })),
      };
    },

    /** The export file's lines; the passphrase (when given) seals every secret, else secrets are left out. */
    async export(ws: string, tables: readonly string[] | undefined, passphrase?: string): Promise<AsyncGenerator<string>> {
      const source = await store.workspace(ws);
      if (!source) throw notFound('Workspace', ws);
      const box = passphrase ? await newPassphraseBox(passphrase, { N: deps.scryptN }) : undefined;
      const picked = pickTables(tables);
      deps.log.info({ workspaceId: ws, tables: picked.map((t) => t.name), secrets: box ? 'sealed' : 'omitted' }, 'workspace export');
      return exportLines({ store, secrets: deps.secrets }, { workspaceId: ws, source, tables: picked, box, now: iso(deps.clock.now()) });
    },

    /** Validates the whole file (a 400 naming each problem by line, nothing written), then applies it. */
    async import(ws: string, text: string, opts: { passphrase?: string; dryRun: boolean }): Promise<ImportResult> {
      const v = await validateImport(store, ws, text, opts.passphrase);
      if (!v.ok) {
        const message = v.issues.length === 1 ? `The import file has a problem (nothing was written): ${v.issues[0].path} ${v.issues[0].message}` : `The import file has ${v.issues.length} problems (nothing was written)`;
        throw new AppError('validation_failed', message, v.issues);
      }
      let tables: ImportResult['tables'];
      try {
        tables = await applyImport({ store, secrets: deps.secrets }, ws, v.file, opts.dryRun);
      } catch (err) {
        // A constraint the checks above do not know (a unique index across workspaces): the transaction rolled back.
        const code = String((err as { code?: unknown }).code ?? '');
        if (code.startsWith('SQLITE_CONSTRAINT') || code === '23505' || code === '23503') {
          throw new AppError('conflict', 'The import conflicts with rows already on this server; nothing was written', { reason: code });
        }
        throw err;
      }
      deps.log.info({ workspaceId: ws, dryRun: opts.dryRun, rows: v.file.rows.length }, 'workspace import');
      return { dryRun: opts.dryRun, sourceWorkspace: v.file.header.sourceWorkspace, secrets: v.file.header.secrets, rows: v.file.rows.length, tables };
    },
  };
}

export type TransferService = ReturnType<typeof createTransferService>;
