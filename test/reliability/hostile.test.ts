import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import fs from 'node:fs';
import { sql } from 'kysely';
import { ErrorBody } from '@autopilot/contracts';
import { integrityCheck } from '../../packages/server/src/platform/db';
import { fill, startWorld, type Operation, type World } from './world';

const MARKER = '/tmp/autopilot-pwned-marker';
/** Strings that would do harm if anything interpreted them: SQL, shell, templates, paths, markup, control chars. */
const INJECTIONS = [
  "'; DROP TABLE sessions; --",
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

describe('hostile input on every route', () => {
  let w: World;
  let ops: Operation[];
  let sessionId: string;
  const statuses: number[] = [];

  beforeAll(async () => {
    if (fs.existsSync(MARKER)) fs.rmSync(MARKER);
    w = await startWorld({ sessions: 10 });
    ops = (await w.operations()).filter((o) => o.path.startsWith('/api/') && o.path !== '/api/events');
    sessionId = ((await (await w.request('/api/sessions')).json()) as { items: Array<{ id: string }> }).items[0]?.id ?? 'none';
  });
  afterAll(async () => w?.close());

  const call = async (op: Operation, pathValue: string, body?: string, query = '', contentType = 'application/json') => {
    const init: RequestInit & { key?: string | null } = { method: op.method };
    if (body !== undefined) init.body = body;
    if (body !== undefined) init.headers = { 'content-type': contentType };
    const res = await w.request(fill(op.path, pathValue) + query, init);
    statuses.push(res.status);
    const text = await res.text();
    expect(res.status, `${op.method} ${op.path}${query} -> ${text.slice(0, 300)}`).toBeLessThan(500);
    if (res.status >= 400) expect(ErrorBody.safeParse(JSON.parse(text)).success, `${op.method} ${op.path}: error shape`).toBe(true);
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
        for (const inj of INJECTIONS) await call(op, sessionId, JSON.stringify({ ...op.example, [field]: inj }));
      }
    }
  });

  it('oversize, deeply nested, invalid UTF-8 and wrongly typed bodies get a 4xx', async () => {
    for (const op of ops.filter((o) => o.method !== 'GET' && o.method !== 'DELETE')) {
      expect(await call(op, sessionId, JSON.stringify({ pad: 'x'.repeat(1_100_000) }))).toBe(413);
      await call(op, sessionId, '['.repeat(100_000) + ']'.repeat(100_000));
      await call(op, sessionId, '{"a":' + '{"a":'.repeat(2000) + '1' + '}'.repeat(2001));
      const invalidUtf8 = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]);
      await call(op, sessionId, invalidUtf8 as unknown as string);
      await call(op, sessionId, 'name=x', '', 'text/plain');
    }
  });

  it('executed nothing: no marker file, every table intact, integrity check passes, still serving', async () => {
    expect(fs.existsSync(MARKER)).toBe(false);
    expect(await integrityCheck(w.orch.db)).toBe('ok');
    const n = await sql<{ n: number }>`select count(*) as n from api_keys`.execute(w.orch.db.kysely);
    expect(Number(n.rows[0].n)).toBeGreaterThan(0);
    expect((await w.request('/api/sessions')).status).toBe(200);
    expect(statuses.length).toBeGreaterThan(100);
    expect(statuses.every((s) => s < 500)).toBe(true);
  });
});
