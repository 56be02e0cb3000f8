import type { Kysely } from 'kysely';

/**
 * Templates (features/templates): one row per template, its definition in columns (lists and objects as JSON
 * text), `name_key` (the lower-case name) unique per workspace, `version` for optimistic updates. `template_tags`
 * holds one row per tag so a tag filter pages by (workspace, tag, name_key) without reading every template.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('templates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('prompt', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('sources', 'text', (c) => c.notNull())
    .addColumn('branch', 'text')
    .addColumn('require_plan_approval', 'integer', (c) => c.notNull())
    .addColumn('automation_mode', 'text', (c) => c.notNull())
    .addColumn('keeper', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('variables', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('templates_workspace_name').on('templates').columns(['workspace_id', 'name_key']).unique().execute();

  await db.schema
    .createTable('template_tags')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addColumn('template_id', 'text', (c) => c.notNull().references('templates.id').onDelete('cascade'))
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('template_tags_pk', ['workspace_id', 'tag', 'template_id'])
    .execute();
  await db.schema.createIndex('template_tags_page').on('template_tags').columns(['workspace_id', 'tag', 'name_key']).execute();
  await db.schema.createIndex('template_tags_template').on('template_tags').column('template_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('template_tags').ifExists().execute();
  await db.schema.dropTable('templates').ifExists().execute();
}
