import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Migrator, type Migration } from 'kysely';
import { openDatabase } from '../src/platform/db';
import { loadConfig } from '../src/platform/config';
import { authEngines, createStore, startOn, type Store } from './auth-engines';

const MIGRATIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/platform/db/migrations');
const MINE = '2026120110_workspaces_keys_sessions';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** A key of the first wave: `ap_` + 43 random characters, no id part. */
const OLD_KEY = 'ap_Qm9yZ2VzIGxpYnJhcnkgb2YgQmFiZWwgZmlyc3Qgd2F2ZQ';

/**
 * A database as the first wave left it (every migration before the key/session one), with a key row hashed the
 * old way and its first 10 characters in `prefix`; then the new code starts on it.
 */
for (const engine of authEngines()) {
  describe(`a first-wave database on ${engine}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await createStore(engine);
      const config = loadConfig(store.env);
      const db = await openDatabase(config.database, undefined, { migrate: false });
      const names = fs.readdirSync(MIGRATIONS).filter((f) => /^\d+_.+\.ts$/.test(f) && !f.endsWith('.test.ts')).map((f) => f.replace(/\.ts$/, '')).filter((n) => n < MINE).sort();
      const migrator = new Migrator({
        db: db.kysely,
        provider: { getMigrations: async () => Object.fromEntries(await Promise.all(names.map(async (n) => [n, (await import(pathToFileURL(path.join(MIGRATIONS, `${n}.ts`)).href)) as Migration]))) },
      });
      const { error } = await migrator.migrateToLatest();
      if (error) throw error;
      const at = new Date().toISOString();
      await db.kysely.insertInto('workspaces').values({ id: 'ws-default', name: 'default', created_at: at }).execute();
      await (db.kysely as any)
        .insertInto('api_keys')
        .values({ id: 'old-owner', workspace_id: 'ws-default', name: 'owner (first start)', role: 'owner', key_hash: sha256(OLD_KEY), prefix: OLD_KEY.slice(0, 10), created_at: at, last_used_at: null, revoked_at: null })
        .execute();
      await db.close();
    });
    afterAll(async () => store?.cleanup());

    it('keeps the old key working, drops its sha256 and its secret prefix from the database and the lists', async () => {
      const t = await startOn(store.env);
      try {
        const before = await t.orch.db.kysely.selectFrom('api_keys').selectAll().where('id', '=', 'old-owner').executeTakeFirstOrThrow();
        expect(before).toMatchObject({ prefix: '', hash_scheme: 'hmac-sha256', public_id: null });
        expect(JSON.stringify(before)).not.toContain(sha256(OLD_KEY));
        const me = await t.request('/api/me', { key: OLD_KEY });
        expect(me.status).toBe(200);
        expect((await me.json()).key.role).toBe('owner');
        const list = await (await t.request('/api/keys', { key: OLD_KEY })).text();
        expect(list).not.toContain(OLD_KEY.slice(3, 10));
        const after = await t.orch.db.kysely.selectFrom('api_keys').selectAll().where('id', '=', 'old-owner').executeTakeFirstOrThrow();
        expect(after.hash_scheme).toBe('hmac');
        expect(after.public_id).toMatch(/^[0-9a-f]{12}$/);
      } finally {
        await t.close();
      }
    });
  });
}
