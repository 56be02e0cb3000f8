import type { ImportResult } from '@autopilot/contracts';
import type { SecretBox } from '../../platform/crypto';
import type { ParsedFile } from './transfer.validate';
import { normalize, type Row, type TransferStore } from './transfer.store';

type Counts = ImportResult['tables'];

/**
 * Applies a validated file to workspace `ws` in one transaction (or, for a dry run, reads only and counts what it
 * would do). Each row is upserted by its primary key with workspace_id rewritten: a row absent is inserted (with
 * the catalog's local values), a row that differs is updated in the columns that differ, an equal row is left
 * alone, so importing the same file twice changes nothing the second time.
 *
 * Secrets: a sealed file's secrets arrive opened and are sealed again under this server's master key (compared by
 * their plain text with the stored ones). A file without secrets never touches a stored secret, nor the columns
 * the catalog sets on a row inserted without one (`withoutSecret`: disabled, blank last 4): those stay this
 * server's, so a second import does not re-enable what the first one disabled.
 */
export async function applyImport(deps: { store: TransferStore; secrets: SecretBox }, ws: string, file: ParsedFile, dryRun: boolean): Promise<Counts> {
  const counts: Counts = Object.fromEntries(file.header.tables.map((t) => [t, { inserted: 0, updated: 0, unchanged: 0 }]));
  const sealed = file.header.secrets === 'sealed';
  const run = async (trx: Parameters<TransferStore['find']>[0]) => {
    for (const { table: t, row } of file.rows) {
      const values: Row = { ...row, workspace_id: ws };
      const existing = await deps.store.find(trx, t, ws, values);
      const count = counts[t.name];
      if (!existing) {
        const insert: Row = { ...(t.local ?? {}), ...values };
        let missingSecret = false;
        for (const [name, spec] of Object.entries(t.columns)) {
          if (!spec.secret) continue;
          const plain = values[name];
          if (typeof plain === 'string') insert[name] = deps.secrets.encrypt(plain);
          else {
            const placeholder = spec.nullable ? null : (t.secretPlaceholder?.(name) ?? '');
            insert[name] = placeholder === null ? null : deps.secrets.encrypt(placeholder);
            missingSecret ||= !spec.nullable;
          }
        }
        if (missingSecret && t.withoutSecret) Object.assign(insert, t.withoutSecret());
        if (!dryRun) await deps.store.insert(trx, t, insert);
        count.inserted++;
        continue;
      }
      const kept = !sealed && t.withoutSecret ? new Set(Object.keys(t.withoutSecret())) : new Set<string>();
      const set: Row = {};
      for (const [name, spec] of Object.entries(t.columns)) {
        if (name === 'workspace_id' || kept.has(name)) continue;
        if (spec.secret) {
          if (!sealed) continue;
          const plain = values[name];
          const current = existing[name];
          let currentPlain: string | null = null;
          try {
            currentPlain = current === null || current === undefined ? null : deps.secrets.decrypt(String(current));
          } catch {
            currentPlain = null;
          }
          if (plain === null && spec.nullable && current !== null) set[name] = null;
          else if (typeof plain === 'string' && plain !== currentPlain) set[name] = deps.secrets.encrypt(plain);
          continue;
        }
        if (normalize(spec, existing[name]) !== values[name]) set[name] = values[name];
      }
      if (Object.keys(set).length === 0) count.unchanged++;
      else {
        if (!dryRun) await deps.store.update(trx, t, ws, values, set);
        count.updated++;
      }
    }
  };
  if (dryRun) await run(deps.store.root);
  else await deps.store.transaction(run);
  return counts;
}
