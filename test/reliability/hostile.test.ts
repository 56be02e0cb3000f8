import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import fs from 'node:fs';
import { sql } from 'kysely';
import { ErrorBody } from '@autopilot/contracts';
import { integrityCheck, type Db } from '../../packages/server/src/platform/db';
import { until } from '../../packages/server/src/features/keeper/test/process';
import { fill, startWorld, worldEngines, type Operation, type World } from './world';

const MARKER = '/tmp/autopilot-pwned-marker';
/**
 * Strings that would do harm if anything interpreted them: SQL aimed at the real tables (the mirror is
 * `jules_sessions`, keys are `api_keys`), shell, templates, paths, markup, control chars.
 */
const INJECTIONS = [
  "'; DROP TABLE jules_sessions; --",
  "x'); DELETE FROM jules_sessions; --",
  "' OR '1'='1'; UPDATE jules_sessions SET title = 'pwned', prompt = 'pwned'; --",
  "'; DELETE FROM api_keys; DROP TABLE jules_activities; --",
  "' UNION SELECT key_hash, key_hash FROM api_keys --",
  "' OR '1'='1",
  `$(touch ${MARKER})`,
  `\`touch ${MARKER}\``,
  '{{7*7}}${7*7}<%= 7*7 %>',
  '../../../../etc/passwd',
  '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">',
  '\u0000\u0001\u001b[31m\r\n',
  '𝕳𝖊𝖑𝖑𝖔 \u202e RTL \uFEFF',
  'x'.repeat(20_000),
];

/**
 * Rows no request of this test may remove or alter, by the columns that identify and describe them (columns the
 * API may legitimately move, such as `archived`, `state` or `last_used_at`, are left out).
 */
const PROTECTED: Record<string, string[]> = {
  workspaces: ['id', 'name'],
  api_keys: ['id', 'workspace_id', 'name', 'role', 'revoked_at'],
  jules_accounts: ['id', 'workspace_id', 'name', 'base_url', 'api_key_sealed'],
  jules_sessions: ['id', 'workspace_id', 'jules_id', 'title', 'prompt', 'source', 'deleted_at'],
  jules_activities: ['session_id', 'activity_id', 'kind', 'raw'],
};

async function tableNames(db: Db): Promise<string[]> {
  const q = db.dialect === 'sqlite'
    ? sql<{ name: string }>`select name from sqlite_master where type = 'table'`
    : sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`;
  return (await q.execute(db.kysely)).rows.map((r) => r.name).sort();
}

/** Every protected row, as JSON of its protected columns, per table. */
async function protectedRows(db: Db): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const [table, cols] of Object.entries(PROTECTED)) {
    const list = sql.join(cols.map((c) => sql.ref(c)));
    const rows = (await sql<Record<string, unknown>>`select ${list} from ${sql.table(table)}`.execute(db.kysely)).rows;
    out.set(table, rows.map((r) => JSON.stringify(cols.map((c) => r[c]))).sort());
  }
  return out;
}

describe.each(worldEngines())('hostile input on every route (%s)', (engine) => {
  let w: World;
  let ops: Operation[];
  let sessionId: string;
  let tablesBefore: string[];
  let rowsBefore: Map<string, string[]>;
  const statuses: number[] = [];
  const accepted = new Set<string>();

  beforeAll(async () => {
    if (fs.existsSync(MARKER)) fs.rmSync(MARKER);
    // The import route takes bodies up to IMPORT_BODY_LIMIT_BYTES (64 MB by default): held to 1 MB here, so the
    // oversize body below is oversize for it too and every write route must answer 413.
    w = await startWorld({ sessions: 10, engine, env: { IMPORT_BODY_LIMIT_BYTES: String(1024 * 1024) } });
    ops = (await w.operations()).filter((o) => o.path.startsWith('/api/') && o.path !== '/api/events');
    const items = ((await (await w.request('/api/sessions')).json()) as { items: Array<{ id: string; state: string }> }).items;
    expect(items.length).toBe(10);
    // A session that takes messages, so hostile text gets all the way through the message route.
    sessionId = (items.find((x) => ['IN_PROGRESS', 'AWAITING_USER_FEEDBACK', 'PLANNING'].includes(x.state)) ?? items[0]!).id;
    await until(async () => Number((await sql<{ n: number }>`select count(*) as n from jules_activities`.execute(w.orch.db.kysely)).rows[0]!.n) > 0, 'mirrored activities', 100, 30_000);
    tablesBefore = await tableNames(w.orch.db);
    rowsBefore = await protectedRows(w.orch.db);
    // The comparison at the end means something only if there is something to lose in every protected table.
    for (const [table, rows] of rowsBefore) expect(rows.length, `rows in ${table} before the attack`).toBeGreaterThan(0);
    expect(rowsBefore.get('jules_sessions')).toHaveLength(10);
  });
  afterAll(async () => w?.close());

  const call = async (op: Operation, pathValue: string, body?: string, query = '', contentType = 'application/json') => {
    const init: RequestInit & { key?: string | null } = { method: op.method };
    if (body !== undefined) init.body = body;
    if (body !== undefined) init.headers = { 'content-type': contentType };
    const res = await w.request(fill(op.path, pathValue) + query, init);
    statuses.push(res.status);
    const text = await res.text();
    // Soft: one 5xx must not stop the rest of the attack, whose effects the last test looks for.
    expect.soft(res.status, `${op.method} ${op.path}${query} -> ${text.slice(0, 300)}`).toBeLessThan(500);
    if (res.status >= 400) expect.soft(ErrorBody.safeParse(JSON.parse(text)).success, `${op.method} ${op.path}: error shape`).toBe(true);
    return res.status;
  };

  it('random path parameters and query strings never cause a 5xx', async () => {
    const pathish = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(...INJECTIONS.slice(0, 7)), fc.constant(sessionId));
    for (const op of ops.filter((o) => o.method === 'GET')) {
      await fc.assert(
        fc.asyncProperty(pathish, fc.array(fc.tuple(fc.constantFrom(...op.query.map((q) => q.name), 'junk'), fc.string({ maxLength: 30 })), { maxLength: 4 }), async (p, q) => {
          const qs = q.length ? '?' + q.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&') : '';
          await call(op, p, undefined, qs);
        }),
        { numRuns: 15 },
      );
    }
  });

  it('injection strings in every text field of every JSON body never cause a 5xx', async () => {
    const writes = ops.filter((o) => o.example);
    expect(writes.length).toBeGreaterThan(3);
    for (const op of writes) {
      for (const [field, prop] of Object.entries(op.bodyProps)) {
        const types = [prop.type ?? []].flat();
        if (types.length && !types.includes('string')) continue;
        for (const inj of INJECTIONS) {
          const status = await call(op, sessionId, JSON.stringify({ ...op.example, [field]: inj }));
          if (status < 300) accepted.add(`${op.method} ${op.path}`);
        }
      }
    }
    // Hostile text was stored and sent, not only refused: the routes that write sessions and messages took it.
    for (const route of ['POST /api/sessions', 'POST /api/sessions/{id}/messages', 'POST /api/keys']) expect([...accepted], route).toContain(route);
  });

  it('oversize, deeply nested, invalid UTF-8 and wrongly typed bodies get a 4xx', async () => {
    for (const op of ops.filter((o) => o.method !== 'GET' && o.method !== 'DELETE')) {
      expect(await call(op, sessionId, JSON.stringify({ pad: 'x'.repeat(1_100_000) })), `${op.method} ${op.path}`).toBe(413);
      await call(op, sessionId, '['.repeat(100_000) + ']'.repeat(100_000));
      await call(op, sessionId, '{"a":' + '{"a":'.repeat(2000) + '1' + '}'.repeat(2001));
      const invalidUtf8 = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]);
      await call(op, sessionId, invalidUtf8 as unknown as string);
      await call(op, sessionId, 'name=x', '', 'text/plain');
    }
  });

  it('executed nothing: no marker file, no table dropped, no protected row lost or changed, integrity ok', async () => {
    expect(fs.existsSync(MARKER)).toBe(false);
    expect(await integrityCheck(w.orch.db)).toBe('ok');
    const tablesAfter = await tableNames(w.orch.db);
    expect(tablesBefore.filter((t) => !tablesAfter.includes(t)), 'tables gone').toEqual([]);
    const rowsAfter = await protectedRows(w.orch.db);
    for (const [table, rows] of rowsBefore) {
      const after = new Set(rowsAfter.get(table));
      expect(rows.filter((r) => !after.has(r)), `rows of ${table} lost or changed`).toEqual([]);
    }
    const listed = ((await (await w.request('/api/sessions?limit=500')).json()) as { items: Array<{ id: string; title: string }> }).items;
    expect(listed.filter((x) => x.title === 'pwned')).toEqual([]);
    expect(listed.length).toBeGreaterThanOrEqual(10);
    expect(statuses.length).toBeGreaterThan(100);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
  });
});
