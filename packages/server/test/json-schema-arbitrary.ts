import fc from 'fast-check';

/**
 * fast-check arbitraries for the JSON Schema (2020-12, as OpenAPI 3.1 uses it) of the served API document: the
 * property-based test generates request bodies FROM THE DOCUMENT, so a rule the server enforces but the document
 * does not state shows up as a refused "valid" body.
 *
 * Why hand-written: no well-kept library fits. `json-schema-fast-check` (the one fast-check bridge on npm) is a
 * single 0.0.6 release built with TypeScript 3.5 and jest 24, not kept up with JSON Schema 2020-12 (which the
 * document's `dependentRequired`, `if`/`then` and `type: [..., 'null']` are); `json-schema-faker` is maintained but draws its own random values (no fast-check seeds,
 * replay or shrinking); `zod-fast-check` / `@traversable/*` generate from the zod schemas, i.e. from the server's own
 * source, which would not test the document at all.
 * The subset below is exactly what the document uses (asserted: an unknown keyword throws, see `KNOWN`).
 *
 * Supported: $ref (#/components/schemas/...), type (one or a list, 'null' included), enum, const, properties,
 * required, additionalProperties (false / a schema), minProperties, dependentRequired, if/then (the `if` a
 * const/enum/required condition on the object's own properties), anyOf/oneOf, allOf (merged), string
 * minLength/maxLength/pattern/format (uri, date-time, date, email, regex), number/integer minimum/maximum/exclusive*,
 * array items/minItems/maxItems/uniqueItems and `x-unique-by` (the document's extension: items unique by a
 * property), propertyNames (a pattern: the keys of an additionalProperties map), default/description/example (ignored).
 */
export type Schema = Record<string, any>;

const KNOWN = new Set([
  '$ref', 'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'minProperties', 'maxProperties', 'dependentRequired',
  'if', 'then', 'anyOf', 'oneOf', 'allOf', 'minLength', 'maxLength', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'items', 'minItems', 'maxItems', 'uniqueItems', 'x-unique-by', 'default', 'description', 'example', 'examples',
  'title', 'deprecated', 'readOnly', 'writeOnly', 'propertyNames', 'nullable', 'unevaluatedProperties', 'discriminator',
]);

export interface GenOptions {
  /** Longest string or array generated when the schema allows more (keeps requests small and runs quick). */
  maxLength?: number;
  maxItems?: number;
}

export function arbitraryFor(doc: Schema, root: Schema, opts: GenOptions = {}): fc.Arbitrary<unknown> {
  const maxLen = opts.maxLength ?? 40;
  const maxItems = opts.maxItems ?? 3;

  const resolve = (s: Schema): Schema => {
    let cur = s;
    for (let i = 0; cur && cur.$ref; i++) {
      if (i > 20) throw new Error(`$ref loop at ${s.$ref}`);
      const m = /^#\/components\/schemas\/(.+)$/.exec(cur.$ref);
      if (!m) throw new Error(`unsupported $ref ${cur.$ref}`);
      const target = doc.components?.schemas?.[m[1]];
      if (!target) throw new Error(`unknown $ref ${cur.$ref}`);
      const { $ref: _ref, ...rest } = cur;
      cur = { ...target, ...rest };
    }
    return cur;
  };

  /** allOf merged into one schema (properties and required united; the document uses allOf for extension only). */
  const merge = (a: Schema, b: Schema): Schema => {
    const out: Schema = { ...a, ...b };
    if (a.properties || b.properties) out.properties = { ...(a.properties ?? {}), ...(b.properties ?? {}) };
    if (a.required || b.required) out.required = [...new Set([...(a.required ?? []), ...(b.required ?? [])])];
    return out;
  };

  const gen = (input: Schema, depth: number): fc.Arbitrary<unknown> => {
    let s = resolve(input);
    for (const k of Object.keys(s)) if (!KNOWN.has(k)) throw new Error(`the generator does not know the keyword "${k}" (add it)`);
    if (s.allOf) {
      const { allOf, ...rest } = s;
      s = (allOf as Schema[]).map(resolve).reduce(merge, rest);
    }
    if (s.const !== undefined) return fc.constant(s.const);
    if (s.enum) return fc.constantFrom(...(s.enum as unknown[]));
    if (s.anyOf || s.oneOf) {
      const { anyOf, oneOf, ...rest } = s;
      return fc.oneof(...((anyOf ?? oneOf) as Schema[]).map((alt) => gen(merge(rest, resolve(alt)), depth + 1)));
    }
    const types: string[] = Array.isArray(s.type) ? s.type : s.type ? [s.type] : s.properties ? ['object'] : s.items ? ['array'] : ['string', 'number', 'boolean'];
    const arbs = types.map((t) => byType(t, s, depth));
    if (s.nullable && !types.includes('null')) arbs.push(fc.constant(null));
    return arbs.length === 1 ? arbs[0] : fc.oneof(...arbs);
  };

  function byType(t: string, s: Schema, depth: number): fc.Arbitrary<unknown> {
    switch (t) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
      case 'number': {
        const min = s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (t === 'integer' ? 1 : 1e-6) : (s.minimum ?? -1e6);
        const max = s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - (t === 'integer' ? 1 : 1e-6) : (s.maximum ?? 1e6);
        if (t === 'integer') return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
        return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
      }
      case 'string':
        return stringOf(s);
      case 'array': {
        const minItems = s.minItems ?? 0;
        const max = Math.max(minItems, Math.min(s.maxItems ?? maxItems, maxItems));
        const item = s.items ? gen(s.items, depth + 1) : fc.string();
        const by = s['x-unique-by'] as string | undefined;
        if (by) return fc.uniqueArray(item, { minLength: minItems, maxLength: max, selector: (v) => String((v as Record<string, unknown>)?.[by]).replace(/^sources\//, '') });
        if (s.uniqueItems) return fc.uniqueArray(item, { minLength: minItems, maxLength: max, selector: (v) => JSON.stringify(v) });
        return fc.array(item, { minLength: minItems, maxLength: max });
      }
      case 'object':
        return objectOf(s, depth);
      default:
        throw new Error(`unsupported type ${t}`);
    }
  }

  function stringOf(s: Schema): fc.Arbitrary<string> {
    const minLength = s.minLength ?? 0;
    const maxLength = Math.max(minLength, Math.min(s.maxLength ?? maxLen, maxLen));
    // U+0000 is refused by the server, as the document's description says in words (PostgreSQL cannot store it).
    const fits = (v: string) => !v.includes('\u0000') && v.length >= minLength && v.length <= (s.maxLength ?? Infinity) && (!s.pattern || new RegExp(s.pattern, 'u').test(v));
    let base: fc.Arbitrary<string>;
    switch (s.format) {
      case 'uri':
        base = fc.webUrl({ validSchemes: ['http', 'https'] });
        break;
      case 'date-time':
        base = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
        break;
      case 'date':
        base = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
        break;
      case 'email':
        base = fc.emailAddress();
        break;
      case 'regex': // a regular expression (template variable patterns): valid ones, in the syntax both ECMAScript and RE2 read
        base = fc.constantFrom('^[a-z0-9-]+$', '^[0-9]{1,6}$', '^(feat|fix|chore): .+', '[A-Z]+-[0-9]+');
        break;
      case undefined:
        base = s.pattern ? fc.stringMatching(new RegExp(s.pattern, 'u'), { size: 'small' }) : fc.string({ minLength, maxLength, unit: 'grapheme' });
        break;
      default:
        throw new Error(`unsupported format ${s.format}`);
    }
    return base.filter(fits);
  }

  /** Is `v` of the type(s) `schema` names (after $ref)? No type named: any. */
  function typeOk(schema: Schema, v: unknown): boolean {
    const r = resolve(schema);
    const types: string[] = Array.isArray(r.type) ? r.type : r.type ? [r.type] : r.properties ? ['object'] : [];
    if (types.length === 0) return true;
    const t = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v;
    return types.includes(t) || (t === 'integer' && types.includes('number'));
  }

  /** Does `v` meet an `if` condition? The document's conditions: const/enum of own properties, required. */
  function holds(cond: Schema, v: Record<string, unknown>): boolean {
    for (const k of cond.required ?? []) if (!(k in v)) return false;
    for (const [k, p] of Object.entries<Schema>(cond.properties ?? {})) {
      if (!(k in v)) continue;
      if (p.const !== undefined && v[k] !== p.const) return false;
      if (p.enum && !(p.enum as unknown[]).includes(v[k])) return false;
    }
    return true;
  }

  function objectOf(s: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
    const props: Record<string, Schema> = s.properties ?? {};
    const required = new Set<string>(s.required ?? []);
    const keys = Object.keys(props);
    if (keys.length === 0) {
      if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        // Keys as `propertyNames` states them (a pattern), else any trimmed non-empty text.
        const key = s.propertyNames ? stringOf({ type: 'string', maxLength: 12, ...(s.propertyNames as Schema) }) : fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k.trim() === k && k.length > 0);
        return fc.dictionary(key, gen(s.additionalProperties, depth + 1) as fc.Arbitrary<unknown>, { maxKeys: 2 });
      }
      return fc.constant({});
    }
    // Values for every property up front (and, for `then` constraints, values meeting them), then which appear.
    const thenProps: Record<string, Schema> = s.then?.properties ?? {};
    const values = fc.record(Object.fromEntries(keys.map((k) => [k, gen(props[k], depth + 1)])));
    // A `then` property narrows the property's own schema: its values are the property's, kept when of the type
    // `then` asks for (the document's `then`s only narrow the type, e.g. degradeTo: not null).
    const thenValues = fc.record(Object.fromEntries(Object.keys(thenProps).map((k) => [k, gen(props[k] ?? {}, depth + 1).filter((v) => typeOk(thenProps[k], v))])));
    const optional = keys.filter((k) => !required.has(k));
    return fc.tuple(values, thenValues, fc.subarray(optional)).map(([all, thenAll, chosen]) => {
      const present = new Set<string>([...required, ...chosen]);
      const close = () => {
        // dependentRequired: a present key brings its dependents.
        for (let changed = true; changed; ) {
          changed = false;
          for (const [k, deps] of Object.entries<string[]>(s.dependentRequired ?? {})) {
            if (!present.has(k)) continue;
            for (const d of deps) {
              if (present.has(d)) continue;
              present.add(d);
              changed = true;
            }
          }
        }
      };
      close();
      while (present.size < (s.minProperties ?? 0)) {
        const next = keys.find((k) => !present.has(k));
        if (!next) break;
        present.add(next);
        close();
      }
      const out: Record<string, unknown> = {};
      for (const k of keys) if (present.has(k)) out[k] = all[k];
      if (s.if && holds(s.if, out)) {
        for (const k of s.then?.required ?? []) if (!(k in out)) out[k] = k in thenAll ? thenAll[k] : all[k];
        for (const k of Object.keys(thenProps)) if (k in out) out[k] = thenAll[k];
        // What `then` added may bring dependents of its own.
        for (const k of Object.keys(out)) present.add(k);
        close();
        for (const k of keys) if (present.has(k) && !(k in out)) out[k] = all[k];
      }
      return out;
    });
  }

  return gen(root, 0);
}
