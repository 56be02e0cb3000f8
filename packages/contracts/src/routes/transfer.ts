import { z } from '@hono/zod-openapi';
import { ExportBody, ExportQuery, ExportTables, ImportHeaders, ImportQuery, ImportResult } from '../transfer';
import { declareRoutes, jsonBody, jsonOk } from './define';

const tags = ['transfer'];
const admin = { minRole: 'admin', denied: 'Only admins and owners can export a workspace' } as const;
const owner = { minRole: 'owner', denied: 'Only owners can import into a workspace' } as const;

/** The NDJSON export file: a header line, one line per row, a trailer with the rows per table and a SHA-256. */
const ndjson = (description: string) => ({ description, content: { 'application/x-ndjson': { schema: z.string().openapi({ description: 'NDJSON lines (features/transfer/README.md)' }) } } });

/** Export and import of a workspace (issue #16): the caller's workspace only, streamed, secrets left out or sealed. */
export const transfer = declareRoutes({
  tables: {
    method: 'get',
    path: '/api/export/tables',
    tags,
    summary: 'The exportable tables: columns, primary key, secret columns, references, and which are exported by default',
    responses: { 200: jsonOk(ExportTables) },
  },
  exportPlain: {
    method: 'get',
    path: '/api/export',
    tags,
    summary: "Export the caller's workspace as NDJSON, streamed; every secret is left out (null)",
    ...admin,
    request: { query: ExportQuery },
    responses: { 200: ndjson('The export file') },
  },
  exportSealed: {
    method: 'post',
    path: '/api/export',
    tags,
    summary: "Export the caller's workspace as NDJSON, streamed; every secret sealed with a key derived from the passphrase",
    ...admin,
    request: { body: jsonBody(ExportBody) },
    responses: { 200: ndjson('The export file') },
  },
  import: {
    method: 'post',
    path: '/api/import',
    tags,
    summary:
      "Import an export file (application/x-ndjson) into the caller's workspace: every line validated first (a 400 names each problem by line, nothing written), then applied in one transaction, upserting by primary key (a second import of the same file changes nothing)",
    ...owner,
    request: {
      query: ImportQuery,
      headers: ImportHeaders,
      body: { content: { 'application/x-ndjson': { schema: z.string().openapi({ description: 'The file GET/POST /api/export wrote' }) } }, required: true },
    },
    responses: { 200: jsonOk(ImportResult) },
  },
});
