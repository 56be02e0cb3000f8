import { z } from '@hono/zod-openapi';

/*
 * Export and import of a workspace (issue #16): the exportable tables, the export's options, the import's answer.
 * The file format (NDJSON: a header line, one line per row, a trailer with the checksum) is described in
 * packages/server/src/features/transfer/README.md.
 */

/** Every table an export may hold, in the order a file lists them (a row's references come before it). */
export const EXPORT_TABLES = [
  'llm_providers',
  'llm_budgets',
  'llm_routing_rules',
  'jules_accounts',
  'dispatch_limits',
  'keeper_settings',
  'templates',
  'template_tags',
  'schedules',
  'github_connections',
  'github_webhooks',
  'github_repo_automation',
  'hook_endpoints',
  'channels',
  'jules_sessions',
  'jules_activities',
  'keeper_actions',
] as const;

export const ExportTableName = z.enum(EXPORT_TABLES).openapi('ExportTableName', { description: 'An exportable table (GET /api/export/tables lists them)' });
export type ExportTableName = z.infer<typeof ExportTableName>;

/** `GET /api/export?tables=a,b`: a comma-separated list; omitted = the default tables. */
export const ExportQuery = z.object({
  tables: z
    .string()
    .max(2000)
    .optional()
    .superRefine((v, ctx) => {
      if (v === undefined) return;
      const bad = v.split(',').map((s) => s.trim()).filter((s) => !(EXPORT_TABLES as readonly string[]).includes(s));
      if (bad.length) ctx.addIssue({ code: 'custom', message: `unknown table ${bad.map((b) => JSON.stringify(b)).join(', ')}: allowed are ${EXPORT_TABLES.join(', ')}` });
    })
    .openapi({ param: { name: 'tables', in: 'query' }, description: 'Comma-separated table names; omitted = the default tables', example: 'templates,schedules' }),
});

/** `POST /api/export`: the tables and a passphrase that seals every secret (an import with the same one restores them). */
export const ExportBody = z
  .strictObject({
    tables: z.array(ExportTableName).min(1).max(EXPORT_TABLES.length).optional().openapi({ description: 'Omitted = the default tables; a name listed twice counts once' }),
    passphrase: z.string().min(8).max(1024).openapi({ description: 'At least 8 characters; secrets are sealed with a key derived from it (scrypt, a random salt in the header; AES-256-GCM per value)' }),
  })
  .openapi('ExportBody', { example: { tables: ['templates', 'llm_providers'], passphrase: 'correct horse battery staple' } });

/** One exportable table as the catalog describes it. */
export const ExportTable = z
  .object({
    name: ExportTableName,
    description: z.string(),
    default: z.boolean().openapi({ description: 'Exported when no tables are named' }),
    primaryKey: z.array(z.string()),
    columns: z.array(z.string()).openapi({ description: 'The columns a row line carries (workspace_id is rewritten to the importing workspace)' }),
    secrets: z.array(z.string()).openapi({ description: 'Columns left out (null) unless the export is sealed with a passphrase' }),
    references: z.array(z.object({ column: z.string(), table: ExportTableName })),
  })
  .openapi('ExportTable');

export const ExportTables = z.object({ tables: z.array(ExportTable) }).openapi('ExportTables');
export type ExportTables = z.infer<typeof ExportTables>;

/** `POST /api/import?dryRun=true`: validate only. */
export const ImportQuery = z.object({
  dryRun: z.enum(['true', 'false']).default('false').openapi({ param: { name: 'dryRun', in: 'query' }, description: 'true = validate everything, write nothing' }),
});

/** The passphrase of a sealed export travels in a header (never in the URL, which logs keep). */
export const ImportHeaders = z.object({
  'x-autopilot-passphrase': z.string().max(1024).optional().openapi({ param: { name: 'x-autopilot-passphrase', in: 'header' }, description: 'The passphrase the export was sealed with (files with sealed secrets only)' }),
});

export const ImportTableCounts = z.object({ inserted: z.number().int(), updated: z.number().int(), unchanged: z.number().int() }).openapi('ImportTableCounts');

export const ImportResult = z
  .object({
    dryRun: z.boolean(),
    sourceWorkspace: z.object({ id: z.string(), name: z.string(), slug: z.string().nullable() }),
    secrets: z.enum(['omitted', 'sealed']),
    rows: z.number().int(),
    tables: z.record(z.string(), ImportTableCounts).openapi({ description: 'Per table: rows inserted, updated and already equal (a dry run counts what it would do)' }),
  })
  .openapi('ImportResult');
export type ImportResult = z.infer<typeof ImportResult>;
