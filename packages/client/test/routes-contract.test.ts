import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes, type RouteDeclaration, type Role } from '@autopilot/contracts';
import { startOrchestrator, type Orchestrator } from '../../server/src/main';
import { loadConfig } from '../../server/src/platform/config';
import { LOGIN_PATH } from '../../server/src/platform/http/auth';
import { createClient, fillPath } from '../src/index';

/*
 * "Routes declared once": the server registers exactly the routes declared in @autopilot/contracts and the client has
 * a method for each of them. A route added by hand on either side (or a declaration nobody serves or calls) fails here.
 */

const OWNER_KEY = 'routes-contract-owner-key-0123456789';

/** Non-API endpoints under /api that are not JSON routes of a feature: the API's own documentation. */
const DOC_ENDPOINTS = new Set(['GET /api/openapi.json', 'GET /api/docs', 'GET /api/docs/assets/:file']);

const key = (method: string, p: string) => `${method.toUpperCase()} ${p}`;
const declared: { name: string; route: RouteDeclaration }[] = Object.entries(routes).flatMap(([feature, group]) =>
  Object.entries(group as Record<string, RouteDeclaration>).map(([name, route]) => ({ name: `${feature}.${name}`, route })),
);

/** Every client method that carries a route declaration, by its dotted name (`sessions.accounts.add`). */
function clientEndpoints(value: unknown, prefix = ''): { name: string; route: RouteDeclaration }[] {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return [];
  const own = typeof value === 'function' && 'route' in value ? [{ name: prefix, route: (value as { route: RouteDeclaration }).route }] : [];
  if (typeof value === 'function') return own;
  return Object.entries(value).flatMap(([k, v]) => (k === 'transport' ? [] : clientEndpoints(v, prefix ? `${prefix}.${k}` : k)));
}

let orch: Orchestrator;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-routes-'));
  orch = await startOrchestrator(loadConfig({ DATA_DIR: dataDir, PORT: '0', AUTOPILOT_ADMIN_KEY: OWNER_KEY, LOG_LEVEL: 'silent', JULES_DEMO_SESSIONS: '0' }));
});

afterAll(async () => {
  await orch?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('route declarations', () => {
  it('are unique by method and path, and name each feature once', () => {
    const keys = declared.map((d) => key(d.route.method, d.route.path));
    expect(new Set(keys).size).toBe(keys.length);
    expect(Object.keys(routes).sort()).toEqual(['batches', 'budgets', 'channels', 'dispatch', 'events', 'github', 'hooks', 'inbox', 'keeper', 'llm', 'providers', 'pulls', 'routing', 'schedules', 'sessions', 'system', 'templates', 'workspaces', 'people', 'audit', 'transfer'].sort());
    // The server's log-in path constant (used by its authentication) is the declared one.
    expect(LOGIN_PATH).toBe(routes.workspaces.login.path);
  });

  it('each have one client method, and every client method calls a declared route', () => {
    const client = createClient({ baseUrl: '', apiKey: 'k' });
    const methods = clientEndpoints(client);
    const declaredSet = new Set(declared.map((d) => d.route));
    expect(methods.filter((m) => !declaredSet.has(m.route)).map((m) => m.name)).toEqual([]);
    const covered = new Set(methods.map((m) => m.route));
    expect(declared.filter((d) => !covered.has(d.route)).map((d) => d.name)).toEqual([]);
    // Spot-check the names: the method list really is built from the declarations.
    const byName = new Map(methods.map((m) => [m.name, m.route]));
    expect(byName.get('providers.get')).toBe(routes.providers.get);
    expect(byName.get('sessions.accounts.remove')).toBe(routes.sessions.removeAccount);
    expect(byName.get('routing.simulate')).toBe(routes.routing.simulate);
  });

  it('are exactly the routes the server registers (OpenAPI registry and router)', () => {
    const registered = orch.app.openAPIRegistry.definitions.flatMap((d) => (d.type === 'route' ? [d.route] : []));
    const registeredKeys = registered.map((r) => key(r.method, r.path));
    const declaredKeys = declared.map((d) => key(d.route.method, d.route.path));
    expect(registeredKeys.filter((k) => !declaredKeys.includes(k))).toEqual([]);
    expect(declaredKeys.filter((k) => !registeredKeys.includes(k))).toEqual([]);
    // Registered from the declaration itself: the documentation (summary) is the declared one.
    for (const r of registered) expect(r.summary).toBe(declared.find((d) => key(d.route.method, d.route.path) === key(r.method, r.path))!.route.summary);

    // Routes added with a plain app.get/post (outside the OpenAPI registry) under /api must be declared too.
    const honoPath = (p: string) => p.replace(/\{(\w+)\}/g, ':$1');
    const known = new Set([...declared.map((d) => key(d.route.method, honoPath(d.route.path))), ...DOC_ENDPOINTS]);
    const plain = orch.app.routes.filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/')).map((r) => key(r.method, r.path));
    expect(plain).toContain('GET /api/providers/:id'); // the router's own list, with declared routes in it
    expect([...new Set(plain)].filter((k) => !known.has(k))).toEqual([]);
  });

  it('client.events reads the declared event stream path', async () => {
    const seen: string[] = [];
    let called!: () => void;
    const fetched = new Promise<void>((r) => (called = r));
    const client = createClient({
      baseUrl: 'http://orchestrator.invalid',
      apiKey: 'k',
      fetch: async (input) => {
        seen.push(new URL(input).pathname);
        called();
        return new Response('{"error":{"code":"unauthorized","message":"no"}}', { status: 401, headers: { 'content-type': 'application/json' } });
      },
    });
    const sub = client.events({ onEvent: () => {} });
    await fetched;
    sub.close();
    expect(seen).toEqual([routes.events.stream.path]);
    expect(client.events.route).toBe(routes.events.stream);
  });

  it('fills path parameters, encoded, and refuses a missing one', () => {
    expect(fillPath(routes.keeper.session.path, { id: 'a/b c' })).toBe('/api/sessions/a%2Fb%20c/keeper');
    expect(() => fillPath(routes.keeper.session.path, {})).toThrow(/missing path parameter id/);
  });

  it('enforce their minimum role on the server: the role just below gets 403 with the declared message', async () => {
    const owner = createClient({ baseUrl: orch.url, apiKey: OWNER_KEY });
    const below: Record<Role, Role | undefined> = { owner: 'admin', admin: 'member', member: 'viewer', viewer: undefined };
    const keyOf = new Map<Role, string>([['owner', OWNER_KEY]]);
    for (const role of ['admin', 'member', 'viewer'] as const) keyOf.set(role, (await owner.keys.create({ name: `routes-${role}`, role })).key);

    // minRole viewer (writes viewers may send, the service deciding) has no role below it to refuse.
    const guarded = declared.filter((d) => d.route.minRole && d.route.minRole !== 'viewer');
    expect(guarded.length).toBeGreaterThan(10);
    for (const { name, route } of guarded) {
      const url = fillPath(route.path, { id: 'no-such-id', accountId: 'no-such-account', userId: 'no-such-user', inviteId: 'no-such-invite' });
      const send = (k: string) =>
        orch.app.request(url, {
          method: route.method.toUpperCase(),
          headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json' },
          ...(route.method === 'get' || route.method === 'delete' ? {} : { body: '{"unknownField":true}' }),
        });
      const lower = below[route.minRole!]!;
      const refused = await send(keyOf.get(lower)!);
      expect({ name, status: refused.status }).toEqual({ name, status: 403 });
      // Viewer keys are refused every write app-wide before any route guard, with a message of their own.
      if (lower !== 'viewer') expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(route.denied);
      // The minimum role itself gets past the guard (the invalid body or the unknown id answers instead).
      const allowed = await send(keyOf.get(route.minRole!)!);
      expect({ name, status: allowed.status }).not.toEqual({ name, status: 403 });
    }
  });
});
