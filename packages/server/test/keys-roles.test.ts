import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { ErrorBody, type Role } from '@autopilot/contracts';
import { ADMIN_KEY, type TestOrchestrator } from './harness';
import { authEngines, capturedLogger, createStore, startOn, type Store } from './auth-engines';

const ROLES: Role[] = ['owner', 'admin', 'member', 'viewer'];
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** The rule under test: owners manage every key; admins members and viewers; nobody else any. */
const allowed = (by: Role, target: Role) => by === 'owner' || (by === 'admin' && (target === 'member' || target === 'viewer'));

for (const engine of authEngines()) {
  describe(`API keys and roles on ${engine}`, () => {
    let store: Store;
    let t: TestOrchestrator;
    const mint = async (role: Role, key = ADMIN_KEY) => {
      const res = await t.request('/api/keys', { method: 'POST', key, json: { name: `${role}-key`, role } });
      expect(res.status, await res.clone().text()).toBe(201);
      return (await res.json()) as { id: string; key: string; publicId: string; prefix: string };
    };
    beforeAll(async () => {
      store = await createStore(engine);
      t = await startOn(store.env);
    });
    afterAll(async () => {
      await t?.close();
      await store?.cleanup();
    });

    it('lets every role mint and revoke exactly the keys the hierarchy allows', async () => {
      const requesters = Object.fromEntries(await Promise.all(ROLES.map(async (r) => [r, await mint(r)] as const)));
      for (const by of ROLES) {
        for (const target of ROLES) {
          const created = await t.request('/api/keys', { method: 'POST', key: requesters[by].key, json: { name: `by-${by}`, role: target } });
          expect(created.status, `${by} mints ${target}`).toBe(allowed(by, target) ? 201 : 403);
          if (created.status === 403) expect(ErrorBody.parse(await created.json()).error.code).toBe('forbidden');
          const victim = await mint(target);
          const revoked = await t.request(`/api/keys/${victim.id}`, { method: 'DELETE', key: requesters[by].key });
          expect(revoked.status, `${by} revokes ${target}`).toBe(allowed(by, target) ? 200 : 403);
          expect((await t.request('/api/me', { key: victim.key })).status, `${target} key after ${by} tried to revoke it`).toBe(allowed(by, target) ? 401 : 200);
        }
      }
    });

    it('never revokes the last active owner key of a workspace (409), even by itself', async () => {
      const ws = await t.newWorkspace(`last-owner-${engine}`);
      const me = await (await t.request('/api/me', { key: ws.key })).json();
      const alone = await t.request(`/api/keys/${me.key.id}`, { method: 'DELETE', key: ws.key });
      expect(alone.status).toBe(409);
      expect(ErrorBody.parse(await alone.json()).error.message).toMatch(/last active owner/);
      const second = await mint('owner', ws.key);
      expect((await t.request(`/api/keys/${me.key.id}`, { method: 'DELETE', key: second.key })).status).toBe(200);
      const secondId = (await (await t.request('/api/me', { key: second.key })).json()).key.id;
      expect((await t.request(`/api/keys/${secondId}`, { method: 'DELETE', key: second.key })).status).toBe(409);
      expect((await t.request('/api/me', { key: second.key })).status).toBe(200);
    });

    it('stores keys as HMACs: no row holds a secret, a key, or the sha256 of either', async () => {
      const k = await mint('member');
      // ap_ + 12-hex id + _ = 16 characters; the secret is base64url and may itself contain '_'.
      const secret = k.key.slice(16);
      expect(k.key).toMatch(/^ap_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      expect(k.publicId).toBe(k.key.slice(3, 15));
      const rows = JSON.stringify(await t.orch.db.kysely.selectFrom('api_keys').selectAll().execute());
      for (const s of [k.key, secret, sha256(k.key), sha256(secret), ADMIN_KEY, sha256(ADMIN_KEY)]) expect(rows).not.toContain(s);
      expect(rows).toContain(k.publicId);
    });

    it('shows viewers (and everyone) the public id part only, never a prefix of a secret', async () => {
      const viewer = await mint('viewer');
      const other = await mint('admin');
      const res = await t.request('/api/keys', { key: viewer.key });
      expect(res.status).toBe(200);
      const text = await res.text();
      for (const k of [viewer.key, other.key]) {
        const secret = k.slice(16);
        expect(text).not.toContain(secret.slice(0, 4));
        expect(text).toContain(k.slice(3, 15));
      }
      // The env key has no public part: nothing of it is shown (the first wave showed its first 10 characters).
      expect(text).not.toContain(ADMIN_KEY.slice(0, 8));
      const me = await (await t.request('/api/me', { key: other.key })).json();
      expect(me.key).toMatchObject({ publicId: other.publicId, prefix: `ap_${other.publicId}_` });
    });

    it('finds the default workspace by its mark, not its name: renamed, it stays the default across a restart', async () => {
      const me = (await (await t.request('/api/me')).json()) as { workspace: { id: string } };
      expect((await t.request(`/api/workspaces/${me.workspace.id}`, { method: 'PATCH', json: { name: 'acme' } })).status).toBe(200);
      await t.close();
      t = await startOn(store.env);
      const after = (await (await t.request('/api/me')).json()) as { workspace: { id: string; name: string } };
      expect(after.workspace).toEqual({ id: me.workspace.id, name: 'acme' });
      // No second "default" was created, and its owner still administers workspaces.
      const names = (await t.orch.db.kysely.selectFrom('workspaces').select('name').execute()).map((w) => w.name);
      expect(names).not.toContain('default');
      expect((await t.request('/api/workspaces', { method: 'POST', json: { name: 'default' } })).status).toBe(201);
      await t.close();
      t = await startOn(store.env);
      expect(((await (await t.request('/api/me')).json()) as { workspace: { id: string } }).workspace.id).toBe(me.workspace.id);
    });

    it('keeps a revoked AUTOPILOT_ADMIN_KEY revoked across a restart, and the start says so', async () => {
      const owner2 = await mint('owner');
      const bootId = (await (await t.request('/api/me')).json()).key.id;
      expect((await t.request(`/api/keys/${bootId}`, { method: 'DELETE', key: owner2.key })).status).toBe(200);
      await t.close();
      const logs = capturedLogger();
      t = await startOn(store.env, logs.log);
      expect((await t.request('/api/me')).status).toBe(401);
      expect((await t.request('/api/me', { key: owner2.key })).status).toBe(200);
      const warning = logs.lines.map((l) => JSON.parse(l)).find((l) => /AUTOPILOT_ADMIN_KEY was revoked/.test(l.msg));
      expect(warning?.level).toBe(40);
      expect(logs.text()).not.toContain(ADMIN_KEY);
    });

    it('keeps first-wave keys (stored as sha256) working: re-hashed at start, upgraded on first use', async () => {
      const legacyKey = 'ap_FirstWaveKeyWithoutAnIdPart0123456789abcdefg';
      const ws = await t.orch.db.kysely.selectFrom('workspaces').select('id').where('name', '=', 'default').executeTakeFirstOrThrow();
      await t.orch.db.kysely
        .insertInto('api_keys')
        .values({ id: 'legacy-row', workspace_id: ws.id, name: 'first wave', role: 'member', key_hash: sha256(legacyKey), prefix: '', public_id: null, hash_scheme: 'sha256', created_at: new Date().toISOString(), last_used_at: null, revoked_at: null })
        .execute();
      await t.close();
      t = await startOn(store.env);
      const row = () => t.orch.db.kysely.selectFrom('api_keys').selectAll().where('id', '=', 'legacy-row').executeTakeFirstOrThrow();
      const rehashed = await row();
      expect(rehashed.key_hash).not.toBe(sha256(legacyKey));
      expect(rehashed.hash_scheme).toBe('hmac-sha256');
      expect((await t.request('/api/me', { key: legacyKey })).status).toBe(200);
      const upgraded = await row();
      expect(upgraded.hash_scheme).toBe('hmac');
      expect(upgraded.public_id).toMatch(/^[0-9a-f]{12}$/);
      // After the upgrade the key is found by its (derived) id, by another instance's cache-less lookup too.
      await t.close();
      t = await startOn(store.env);
      expect((await t.request('/api/me', { key: legacyKey })).status).toBe(200);
      expect((await t.request('/api/me', { key: `${legacyKey}x` })).status).toBe(401);
    });

  });
}
