import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createTestDb, requirePostgresInCi, testEngines, type TestDb } from '../../platform/db/testing';
import { createLogger } from '../../platform/logger';
import type { Clock } from '../../platform/clock';
import { createKeyHasher } from './keys';
import { createWorkspacesStore } from './workspaces.store';
import { createWorkspacesService } from './workspaces.service';
import { createLoginLinksStore } from './login-links.store';
import { createLoginLinks, LOGIN_LINK_TTL_MS } from './login-links.service';

requirePostgresInCi();

/**
 * One-click log-in links on both engines, as two instances on one database see them: a link minted by one is
 * honoured by the other, once; it expires after ten minutes; a revoked key's links stop working.
 */
describe.each(testEngines())('log-in links (%s)', (engine) => {
  let t: TestDb;
  let now = Date.parse('2026-12-02T10:00:00Z');
  const clock: Clock = { now: () => now, sleep: async () => {} };
  const log = createLogger({ level: 'silent' });
  const hasher = createKeyHasher(randomBytes(32));
  let workspaceId: string;
  let ownerKeyId: string;
  let a: ReturnType<typeof createLoginLinks>;
  let b: ReturnType<typeof createLoginLinks>;
  let service: ReturnType<typeof createWorkspacesService>;

  beforeAll(async () => {
    t = await createTestDb(engine);
    service = createWorkspacesService({ store: createWorkspacesStore(t.db), clock, log, hasher });
    const boot = await service.bootstrap();
    workspaceId = boot.workspaceId;
    ownerKeyId = (await service.listKeys(workspaceId))[0].id;
    // Two instances: separate objects, one database, the same master key.
    a = createLoginLinks({ store: createLoginLinksStore(t.db), clock, log, hasher, ownerWorkspaceId: workspaceId });
    b = createLoginLinks({ store: createLoginLinksStore(t.db), clock, log, hasher, ownerWorkspaceId: workspaceId });
  });
  afterAll(async () => t?.cleanup());

  it('a link minted on one instance is redeemed on another, once, and is stored only hashed', async () => {
    const link = await a.mintForOwner();
    expect(link).not.toBeNull();
    expect(link!.path).toBe(`/login/${link!.token}`);
    expect(link!.expiresAt).toBe(now + LOGIN_LINK_TTL_MS);
    const rows = await t.db.kysely.selectFrom('login_links').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(link!.token);
    expect(await b.redeem(link!.token)).toEqual({ workspaceId, keyId: ownerKeyId });
    expect(await a.redeem(link!.token)).toBeNull();
    expect(await b.redeem(link!.token)).toBeNull();
  });

  it('two instances redeeming the same link at once: exactly one wins', async () => {
    const link = await a.mint(workspaceId, ownerKeyId);
    const results = await Promise.all([a, b, a, b, a, b].map((i) => i.redeem(link.token)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('expires after ten minutes', async () => {
    const early = await a.mint(workspaceId, ownerKeyId);
    const late = await a.mint(workspaceId, ownerKeyId);
    now += LOGIN_LINK_TTL_MS - 1;
    expect(await b.redeem(early.token)).not.toBeNull();
    now += 1;
    expect(await b.redeem(late.token)).toBeNull();
  });

  it('refuses unknown and malformed tokens, and the links of a revoked key', async () => {
    expect(await a.redeem('x'.repeat(43))).toBeNull();
    expect(await a.redeem('../../etc/passwd')).toBeNull();
    expect(await a.redeem('')).toBeNull();
    const owner = { workspaceId, workspaceName: 'default', keyId: ownerKeyId, keyName: 'owner', keyPrefix: '', keyPublicId: null, role: 'owner' as const, via: 'key' as const, actor: { kind: 'key' as const, id: ownerKeyId, name: 'owner' }, userId: null, scopes: null };
    const member = await service.createKey(owner, 'member', 'member');
    const link = await a.mint(workspaceId, member.id);
    await service.revokeKey(owner, member.id);
    expect(await b.redeem(link.token)).toBeNull();
  });
});
