import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_TABLES } from '@autopilot/contracts';
import { createTestDb, testEngines, type TestDb } from '../../platform/db/testing';
import { CATALOG, pickTables } from './transfer.catalog';

describe.each(testEngines())('the transfer catalog on %s', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(engine);
  });
  afterAll(async () => t?.cleanup());

  it('names every column of each table: exported, or local with its insert value (a new column cannot be forgotten)', async () => {
    const tables = await t.db.kysely.introspection.getTables();
    for (const spec of CATALOG) {
      const real = tables.find((x) => x.name === spec.name);
      expect(real, spec.name).toBeDefined();
      const described = [...Object.keys(spec.columns), ...Object.keys(spec.local ?? {})].sort();
      expect(described, spec.name).toEqual(real!.columns.map((c) => c.name).sort());
      expect(spec.columns.workspace_id, `${spec.name} is tenant-owned`).toBeDefined();
      for (const k of spec.primaryKey) expect(spec.columns[k], `${spec.name}.${k}`).toBeDefined();
      for (const [name, c] of Object.entries(spec.columns)) {
        const dbCol = real!.columns.find((x) => x.name === name)!;
        // Null in a file where the database refuses it would fail the import's transaction: only secrets may (a
        // placeholder is sealed). SQLite reports a text primary key as nullable, so the other way is checked on PostgreSQL.
        if (!dbCol.isNullable && !c.secret) expect(c.nullable, `${spec.name}.${name} is NOT NULL in the database`).toBe(false);
        if (engine === 'postgres' && !c.secret) expect(c.nullable, `${spec.name}.${name} nullability`).toBe(dbCol.isNullable);
      }
    }
  });
});

describe('the catalog order', () => {
  it('is the contracts list, parents before the rows that reference them', () => {
    expect(CATALOG.map((t) => t.name)).toEqual([...EXPORT_TABLES]);
    CATALOG.forEach((t, i) => {
      for (const c of Object.values(t.columns)) if (c.ref) expect(EXPORT_TABLES.indexOf(c.ref), `${t.name} -> ${c.ref}`).toBeLessThan(i);
    });
  });

  it('exports the configuration by default and the history only when named', () => {
    const names = pickTables(undefined).map((t) => t.name);
    expect(names).toContain('templates');
    expect(names).not.toContain('jules_sessions');
    expect(pickTables(['jules_activities', 'templates']).map((t) => t.name)).toEqual(['templates', 'jules_activities']);
  });
});
