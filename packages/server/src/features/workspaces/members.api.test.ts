import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ErrorBody } from '@autopilot/contracts';
import { startSmtpSink } from '@autopilot/senders-sim';
import { startTestOrchestrator, type TestOrchestrator } from '../../../test/harness';
import { engineEnv, orchestratorEngines } from '../../../test/orchestrator-engines';
import { createMembersStore } from './members.store';

/**
 * The workspaces API end to end on each engine, with keys (people's sign-in is another part): slugs derived, unique
 * and validated; delete needs the owner and the slug typed again, never the default workspace, and leaves no row of
 * the workspace in any table; the invitation preview is public; keys cannot accept invitations.
 */
type Json = Record<string, unknown>;
const issuePath = async (res: Response) => ErrorBody.parse(await res.json()).error.details?.issues?.[0]?.path;

describe.each(orchestratorEngines())('workspaces API (%s)', (engine) => {
  let t: TestOrchestrator;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const e = await engineEnv(engine);
    cleanup = e.cleanup;
    t = await startTestOrchestrator({ ...e.env, AUTOPILOT_PUBLIC_URL: 'https://autopilot.example.com' });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await cleanup?.();
  });

  const create = async (json: Json, key?: string) => t.request('/api/workspaces', { method: 'POST', json, ...(key ? { key } : {}) });

  it('derives unique slugs from names (-2, -3 on a collision), validates them, and refuses taken ones naming body.slug', async () => {
    const a = await create({ name: 'Slug Team' });
    expect(a.status).toBe(201);
    const A = (await a.json()) as { workspace: Json; ownerKey: { key: string } };
    expect(A.workspace).toMatchObject({ name: 'Slug Team', slug: 'slug-team', isDefault: false });
    expect(((await (await create({ name: 'slug team!' })).json()) as { workspace: Json }).workspace.slug).toBe('slug-team-2');
    expect(((await (await create({ name: 'SLUG_TEAM' })).json()) as { workspace: Json }).workspace.slug).toBe('slug-team-3');
    const taken = await create({ name: 'Other name', slug: 'slug-team' });
    expect(taken.status).toBe(409);
    expect(await issuePath(taken)).toBe('body.slug');
    const sameName = await create({ name: 'Slug Team' });
    expect(sameName.status).toBe(409);
    expect(await issuePath(sameName)).toBe('body.name');
    for (const slug of ['A-b', '-ab', 'a', 'a_b', 'x'.repeat(41)]) {
      const bad = await create({ name: `bad ${slug}`, slug });
      expect(bad.status, slug).toBe(400);
      expect(await issuePath(bad)).toBe('body.slug');
    }
    const id = A.workspace.id as string;
    const patchTaken = await t.request(`/api/workspaces/${id}`, { method: 'PATCH', key: A.ownerKey.key, json: { slug: 'slug-team-2' } });
    expect(patchTaken.status).toBe(409);
    expect(await issuePath(patchTaken)).toBe('body.slug');
    const patched = await t.request(`/api/workspaces/${id}`, { method: 'PATCH', key: A.ownerKey.key, json: { name: 'Slug Team Renamed', slug: 'renamed' } });
    expect(patched.status).toBe(200);
    const got = (await (await t.request(`/api/workspaces/${id}`, { key: A.ownerKey.key })).json()) as Json;
    expect(got).toMatchObject({ id, name: 'Slug Team Renamed', slug: 'renamed', role: 'owner', current: true });
    // Another workspace's id is not found, not forbidden.
    const defaultId = ((await (await t.request('/api/me')).json()) as { workspace: { id: string } }).workspace.id;
    expect((await t.request(`/api/workspaces/${defaultId}`, { key: A.ownerKey.key })).status).toBe(404);
    const list = (await (await t.request('/api/workspaces', { key: A.ownerKey.key })).json()) as { items: Json[] };
    expect(list.items.map((w) => w.id)).toEqual([id]);
  });

  it('deletes a workspace only for its owner with its slug typed again, never the default one, and leaves no row of it', async () => {
    const made = (await (await create({ name: 'Doomed' })).json()) as { workspace: { id: string; slug: string }; ownerKey: { key: string } };
    const keep = (await (await create({ name: 'Kept' })).json()) as { workspace: { id: string }; ownerKey: { key: string } };
    const { id, slug } = made.workspace;
    const owner = made.ownerKey.key;
    // Data in as many features as their documented examples create, for both workspaces.
    const doc = (await (await t.request('/api/openapi.json')).json()) as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> } }>>; components: { schemas: Record<string, { example?: unknown }> } };
    for (const [p, ops] of Object.entries(doc.paths)) {
      const ref = ops.post?.requestBody?.content?.['application/json']?.schema?.$ref;
      if (p.includes('{') || !ref || p.startsWith('/api/auth') || p === '/api/workspaces' || p === '/api/invites/accept') continue;
      const example = doc.components.schemas[ref.split('/').pop()!]?.example;
      if (example === undefined) continue;
      for (const key of [owner, keep.ownerKey.key]) await t.request(p, { method: 'POST', key, json: example });
    }
    const members = createMembersStore(t.orch.db);
    const k = t.orch.db.kysely;
    // People: one only in the doomed workspace, one in both (their session there moves to the kept one).
    const now = new Date().toISOString();
    const [solo, both] = [randomUUID(), randomUUID()];
    for (const u of [solo, both]) await k.insertInto('users').values({ id: u, email: `${u}@example.com`, name: u, password_hash: null, created_at: now, last_login_at: null, disabled_at: null }).execute();
    for (const [ws, u, role] of [[id, solo, 'owner'], [id, both, 'member'], [keep.workspace.id, both, 'viewer']] as const) await k.insertInto('memberships').values({ workspace_id: ws, user_id: u, role, created_at: now, added_by: null }).execute();
    for (const u of [solo, both]) await k.insertInto('user_sessions').values({ token_hash: `h-${u}`, user_id: u, workspace_id: id, created_at: now, expires_at: Date.now() + 3_600_000 }).execute();
    const invited = await t.request(`/api/workspaces/${id}/invites`, { method: 'POST', key: owner, json: { email: 'guest@example.com', role: 'member' } });
    expect(invited.status).toBe(201);

    const adminKey = ((await (await t.request('/api/keys', { method: 'POST', key: owner, json: { name: 'an admin', role: 'admin' } })).json()) as { key: string }).key;
    const before = await members.leftovers(id);
    expect(Object.keys(before).length, JSON.stringify(before)).toBeGreaterThanOrEqual(6);
    const keptBefore = await members.leftovers(keep.workspace.id);

    const wrong = await t.request(`/api/workspaces/${id}?confirm=${slug}x`, { method: 'DELETE', key: owner });
    expect(wrong.status).toBe(400);
    expect(await issuePath(wrong)).toBe('query.confirm');
    expect((await t.request(`/api/workspaces/${id}?confirm=${slug}`, { method: 'DELETE', key: adminKey })).status).toBe(403);
    expect((await t.request(`/api/workspaces/${id}?confirm=${slug}`, { method: 'DELETE', key: keep.ownerKey.key })).status).toBe(404);
    const defaultWs = ((await (await t.request('/api/me')).json()) as { workspace: { id: string } }).workspace.id;
    expect((await t.request(`/api/workspaces/${defaultWs}?confirm=default`, { method: 'DELETE' })).status).toBe(409);
    expect(await members.leftovers(id)).toEqual(before);

    const gone = await t.request(`/api/workspaces/${id}?confirm=${slug}`, { method: 'DELETE', key: owner });
    expect(gone.status).toBe(200);
    expect(await gone.json()).toEqual({ id, slug, deleted: true });
    expect(await members.leftovers(id)).toEqual({});
    expect(await members.leftovers(keep.workspace.id)).toEqual({ ...keptBefore, user_sessions: 1 });
    expect(await k.selectFrom('user_sessions').select(['user_id', 'workspace_id']).where('user_id', 'in', [solo, both]).execute()).toEqual([{ user_id: both, workspace_id: keep.workspace.id }]);
    expect((await t.request('/api/me', { key: owner })).status).toBe(401);
    expect((await t.request('/api/me', { key: keep.ownerKey.key })).status).toBe(200);
  });

  it('shows an invitation without sign-in (GET /api/invites/{token}); keys cannot accept one', async () => {
    const made = (await (await create({ name: 'Preview Team' })).json()) as { workspace: { id: string }; ownerKey: { key: string } };
    const res = await t.request(`/api/workspaces/${made.workspace.id}/invites`, { method: 'POST', key: made.ownerKey.key, json: { email: 'Ada@Example.com', role: 'viewer' } });
    expect(res.status).toBe(201);
    const inv = (await res.json()) as { link: string; emailed: boolean };
    expect(inv.emailed).toBe(false);
    expect(inv.link).toMatch(/^https:\/\/autopilot\.example\.com\/invite\/[A-Za-z0-9_-]{43}$/);
    const token = inv.link.split('/invite/')[1]!;
    const listed = await (await t.request(`/api/workspaces/${made.workspace.id}/invites`, { key: made.ownerKey.key })).text();
    expect(listed).not.toContain(token);
    const preview = await t.request(`/api/invites/${token}`, { key: null });
    expect(preview.status).toBe(200);
    expect(await preview.json()).toMatchObject({ workspace: { name: 'Preview Team', slug: 'preview-team' }, invitedBy: 'owner', email: 'ada@example.com', role: 'viewer', state: 'pending' });
    expect((await t.request(`/api/invites/${'z'.repeat(43)}`, { key: null })).status).toBe(404);
    const byKey = await t.request('/api/invites/accept', { method: 'POST', key: made.ownerKey.key, json: { token } });
    expect(byKey.status).toBe(403);
    expect((await t.request('/api/invites/accept', { method: 'POST', key: null, json: { token } })).status).toBe(401);
    // A viewer's writes reach the services only where they decide (leave, accept, create): refused there for keys.
    const viewer = ((await (await t.request('/api/keys', { method: 'POST', key: made.ownerKey.key, json: { name: 'a viewer', role: 'viewer' } })).json()) as { key: string }).key;
    const message = async (res: Response) => [res.status, ErrorBody.parse(await res.json()).error.message];
    expect(await message(await t.request('/api/invites/accept', { method: 'POST', key: viewer, json: { token } }))).toEqual([403, 'Sign in as a person to accept an invitation (API keys cannot)']);
    expect(await message(await t.request(`/api/workspaces/${made.workspace.id}/members/someone`, { method: 'DELETE', key: viewer }))).toEqual([403, 'Only admins and owners remove members (anyone may leave)']);
    expect(await message(await t.request(`/api/workspaces/${made.workspace.id}/invites`, { method: 'POST', key: viewer, json: { email: 'v@example.com', role: 'viewer' } }))).toEqual([403, 'Viewer keys are read-only']);
  });
});

describe('workspaces API with SMTP_URL (the senders-sim sink)', () => {
  it('e-mails the invitation link through SMTP_URL from SMTP_FROM; the answer has no link', async () => {
    const sink = await startSmtpSink();
    const t = await startTestOrchestrator({ SMTP_URL: sink.url, SMTP_FROM: 'Team Autopilot <team@example.com>', AUTOPILOT_PUBLIC_URL: 'https://ap.example.com' });
    try {
      const made = (await (await t.request('/api/workspaces', { method: 'POST', json: { name: 'Mail Team' } })).json()) as { workspace: { id: string }; ownerKey: { key: string } };
      const res = await t.request(`/api/workspaces/${made.workspace.id}/invites`, { method: 'POST', key: made.ownerKey.key, json: { email: 'grace@example.com', role: 'member' } });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { link: string | null; emailed: boolean };
      expect(body).toMatchObject({ link: null, emailed: true });
      const msg = sink.messages.find((m) => m.to.includes('grace@example.com'));
      expect(msg?.from).toContain('team@example.com');
      const token = /https:\/\/ap\.example\.com\/invite\/([A-Za-z0-9_-]{43})/.exec(msg?.text ?? '')?.[1];
      expect(token).toBeDefined();
      expect(((await (await t.request(`/api/invites/${token}`, { key: null })).json()) as { state: string }).state).toBe('pending');
    } finally {
      await t.close();
      await sink.close();
    }
  });
});
