import type { Db } from '../../platform/db';
import type { TemplatesTable } from '../../platform/db/schema';

/** A page key: the lower-case name and the id (names are unique per workspace, the id breaks no tie but keeps it total). */
export interface TemplateKey {
  n: string;
  i: string;
}

const tagRows = (row: TemplatesTable) =>
  (JSON.parse(row.tags) as string[]).map((tag) => ({ workspace_id: row.workspace_id, tag, template_id: row.id, name_key: row.name_key }));

/** Templates of a workspace: every query takes the workspace id. Writes keep `template_tags` in the same transaction. */
export function createTemplatesStore(db: Db) {
  const k = db.kysely;
  return {
    /** A page by name (keyset on name_key, id), optionally only templates with `tag`. */
    list(workspaceId: string, limit: number, after?: TemplateKey, tag?: string) {
      let q = k.selectFrom('templates').selectAll('templates').where('templates.workspace_id', '=', workspaceId);
      if (tag !== undefined) {
        q = q.where((eb) =>
          eb.exists(
            eb
              .selectFrom('template_tags')
              .select('template_tags.template_id')
              .whereRef('template_tags.template_id', '=', 'templates.id')
              .where('template_tags.workspace_id', '=', workspaceId)
              .where('template_tags.tag', '=', tag),
          ),
        );
      }
      if (after) q = q.where((eb) => eb.or([eb('templates.name_key', '>', after.n), eb.and([eb('templates.name_key', '=', after.n), eb('templates.id', '>', after.i)])]));
      return q.orderBy('templates.name_key').orderBy('templates.id').limit(limit).execute();
    },
    get: (workspaceId: string, id: string) => k.selectFrom('templates').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst(),
    /** Inserts the template and its tags; a taken name is the unique index's violation (isUniqueViolation). */
    insert: (row: TemplatesTable) =>
      k.transaction().execute(async (tx) => {
        await tx.insertInto('templates').values(row).execute();
        const tags = tagRows(row);
        if (tags.length) await tx.insertInto('template_tags').values(tags).execute();
      }),
    /**
     * Replaces the template if its version is still `expected` (one conditional UPDATE, so two writers cannot both
     * win); true when it did. The tags follow in the same transaction.
     */
    replace: (row: TemplatesTable, expected: number) =>
      k.transaction().execute(async (tx) => {
        const { id, workspace_id, created_at: _created, ...set } = row;
        const r = await tx.updateTable('templates').set(set).where('workspace_id', '=', workspace_id).where('id', '=', id).where('version', '=', expected).executeTakeFirst();
        if (Number(r.numUpdatedRows) === 0) return false;
        await tx.deleteFrom('template_tags').where('workspace_id', '=', workspace_id).where('template_id', '=', id).execute();
        const tags = tagRows(row);
        if (tags.length) await tx.insertInto('template_tags').values(tags).execute();
        return true;
      }),
    remove: (workspaceId: string, id: string) =>
      k.transaction().execute(async (tx) => {
        await tx.deleteFrom('template_tags').where('workspace_id', '=', workspaceId).where('template_id', '=', id).execute();
        const r = await tx.deleteFrom('templates').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      }),
  };
}
export type TemplatesStore = ReturnType<typeof createTemplatesStore>;
