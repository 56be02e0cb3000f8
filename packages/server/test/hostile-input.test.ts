import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ErrorBody } from '@autopilot/contracts';
import { startTestOrchestrator, type TestOrchestrator } from './harness';

/**
 * Property: for every JSON route in the OpenAPI document, malformed JSON, wrong types, unknown fields, deep nesting
 * and oversize bodies always get a 4xx with the error shape — never a 5xx, never a success.
 */
interface JsonOp {
  method: string;
  path: string;
  properties: Record<string, unknown>;
  /** A valid body from the schema's OpenAPI example: hostile variants are built on it so only one thing is wrong. */
  example: Record<string, unknown> | undefined;
}

const fillOpenApiParams = (p: string) => p.replace(/\{[^}]+\}/g, 'no-such-id');

function jsonOperations(doc: any): JsonOp[] {
  const ops: JsonOp[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<any>(item)) {
      const schema = op?.requestBody?.content?.['application/json']?.schema;
      if (!schema) continue;
      const deref = (s: any) => (s?.$ref ? doc.components.schemas[s.$ref.split('/').pop()] : s);
      const resolved = deref(schema);
      // A union body (anyOf/oneOf of strict objects) knows the fields of every member: none of them is "unknown".
      const members = [resolved, ...[...(resolved?.anyOf ?? []), ...(resolved?.oneOf ?? [])].map(deref)];
      const properties = Object.assign({}, ...members.map((m: any) => m?.properties ?? {}));
      ops.push({ method: method.toUpperCase(), path, properties, example: resolved?.example ?? schema.example });
    }
  }
  return ops;
}

/** A JSON value whose type differs from the declared one. */
/** The JSON types a schema property accepts ($ref and unions resolved; unknown = any). */
function typesOf(prop: any, doc: any): Set<string> | null {
  if (!prop) return null;
  if (prop.$ref) return typesOf(doc.components?.schemas?.[prop.$ref.split('/').pop()], doc);
  const union = prop.anyOf ?? prop.oneOf;
  if (union) {
    const all = new Set<string>();
    for (const p of union) {
      const t = typesOf(p, doc);
      if (!t) return null;
      t.forEach((x) => all.add(x));
    }
    return all;
  }
  if (prop.type) return new Set([prop.type].flat());
  if (prop.properties) return new Set(['object']);
  if (prop.enum) return new Set(prop.enum.map((v: unknown) => (v === null ? 'null' : typeof v)));
  return null;
}

const wrongTypeFor = (declared: Set<string>) => {
  const types = declared;
  const candidates: fc.Arbitrary<unknown>[] = [];
  if (!types.has('string')) candidates.push(fc.string());
  // ±Infinity serialises to null, which a nullable field rightly takes: not a wrong type.
  if (!types.has('number') && !types.has('integer')) candidates.push(fc.double({ noNaN: true, noDefaultInfinity: true }));
  if (!types.has('boolean')) candidates.push(fc.boolean());
  if (!types.has('array')) candidates.push(fc.array(fc.jsonValue(), { maxLength: 3 }));
  if (!types.has('object')) candidates.push(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }));
  return fc.oneof(...candidates);
};

describe('hostile input on every JSON route', () => {
  let t: TestOrchestrator;
  let ops: JsonOp[];
  let doc: any;

  beforeAll(async () => {
    t = await startTestOrchestrator();
    doc = await (await t.request('/api/openapi.json', { key: null })).json();
    ops = jsonOperations(doc);
  });
  afterAll(async () => t?.close());

  const send = async (op: JsonOp, body: string, contentType = 'application/json') => {
    const res = await t.request(fillOpenApiParams(op.path), { method: op.method, body, headers: { 'content-type': contentType } });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, ok: ErrorBody.safeParse(parsed).success, text };
  };

  const expect4xx = (r: { status: number; ok: boolean; text: string }, what: string) => {
    expect(r.status, `${what}: ${r.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
    expect(r.status, `${what}: ${r.text.slice(0, 200)}`).toBeLessThan(500);
    expect(r.ok, `${what}: error shape`).toBe(true);
  };

  it('finds the JSON routes in the OpenAPI document, each with a valid example body', async () => {
    expect(ops.length).toBeGreaterThanOrEqual(2);
    for (const op of ops) {
      expect(op.example, `${op.method} ${op.path} needs an OpenAPI example on its body schema`).toBeTypeOf('object');
      const r = await send(op, JSON.stringify(op.example));
      expect(r.text, `${op.method} ${op.path} example must pass validation`).not.toContain('validation_failed');
      expect(r.status).toBeLessThan(500);
    }
  });

  it('rejects malformed JSON', async () => {
    const malformed = fc.oneof(
      fc.string().filter((s) => { try { JSON.parse(s); return false; } catch { return true; } }),
      fc.jsonValue().map((v) => JSON.stringify(v)).filter((s) => s.length > 2).map((s) => s.slice(0, -1)),
      fc.constantFrom('{', '{"a":', '[1,2', '{"a":1,}', "{'a':1}", 'nul', '\u0000', '{"a":"\\ud800"'),
    );
    for (const op of ops) {
      await fc.assert(fc.asyncProperty(malformed, async (body) => expect4xx(await send(op, body), `${op.method} ${op.path} ${JSON.stringify(body)}`)), { numRuns: 25 });
    }
  });

  it('rejects bodies of the wrong top-level type', async () => {
    const notObject = fc.oneof(fc.array(fc.jsonValue(), { maxLength: 4 }), fc.string(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null));
    for (const op of ops) {
      await fc.assert(fc.asyncProperty(notObject, async (v) => expect4xx(await send(op, JSON.stringify(v)), `${op.method} ${op.path}`)), { numRuns: 20 });
    }
  });

  it('rejects fields of the wrong type', async () => {
    for (const op of ops) {
      for (const [name, prop] of Object.entries(op.properties)) {
        const types = typesOf(prop, doc);
        if (!types) continue; // accepts anything: no wrong type exists
        await fc.assert(
          fc.asyncProperty(wrongTypeFor(types), async (v) => expect4xx(await send(op, JSON.stringify({ ...op.example, [name]: v })), `${op.method} ${op.path} .${name}`)),
          { numRuns: 10 },
        );
      }
    }
  });

  it('rejects unknown fields', async () => {
    for (const op of ops) {
      const unknownKey = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !(k in op.properties) && k !== '__proto__');
      await fc.assert(
        fc.asyncProperty(unknownKey, fc.jsonValue(), async (k, v) => expect4xx(await send(op, JSON.stringify({ ...op.example, [k]: v })), `${op.method} ${op.path} +${k}`)),
        { numRuns: 15 },
      );
    }
  });

  it('rejects oversize, deeply nested and non-JSON bodies', async () => {
    for (const op of ops) {
      const big = await send(op, JSON.stringify({ blob: 'x'.repeat(1024 * 1024 + 10) }));
      expect4xx(big, `${op.method} ${op.path} oversize`);
      expect(big.status).toBe(413);
      expect4xx(await send(op, '['.repeat(5000) + ']'.repeat(5000)), `${op.method} ${op.path} nested`);
      expect4xx(await send(op, 'a=1', 'application/x-www-form-urlencoded'), `${op.method} ${op.path} form`);
    }
  });

  it('still serves afterwards', async () => {
    expect((await t.request('/api/me')).status).toBe(200);
  });
});
