import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from '@hono/zod-openapi';
import { EventCatalog, EventTypes, eventAccess, type EventType, type Role } from '@autopilot/contracts';
import { ADMIN_KEY, apiRoutes, startTestOrchestrator, type TestOrchestrator } from './harness';
import { arbitraryFor, type Schema } from './json-schema-arbitrary';

/**
 * The authorization matrix, generated from the served OpenAPI document: every operation x every principal (a key
 * of each role, a key lacking the operation's scope, and a signed-in cookie session of each role) gets the answer
 * the document states, and every SSE event type reaches exactly the subscribers its catalog entry allows.
 *
 * The documented answer of one row:
 * - a key whose scopes lack the operation's `x-scope`: 403 naming that scope;
 * - a principal below the operation's least role: 403. The least role is `x-min-role`; without one, viewer for
 *   reads (GET/HEAD) and member for writes (viewers may not write at all);
 * - at or above it: never 401 or 403 (a 400, 404, 409 or 2xx all say the role was let through). A route whose
 *   refusal also depends on the body (e.g. which role a key being minted gets) states it in `x-role-rules`; only
 *   there may a 403 come at or above the least role;
 * - an operation with `security: []` is public: authentication and the guards refuse nobody (its own check of
 *   the credentials in its body may: a sign-in's wrong password); one whose `security` lists `{}` besides Bearer
 *   (the log-in: a bearer key or the key in the body) refuses no role, and without a bearer key its body decides.
 * Requests carry random path ids and, when the operation takes a body, `{}`: the guard answers before the body is
 * read, and nothing valid is sent, so no row changes state a later row depends on (writes that end the caller's
 * own session run last).
 */

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };
const ROLES: Role[] = ['viewer', 'member', 'admin', 'owner'];
const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete'] as const;

interface Operation {
  id: string;
  method: string;
  path: string;
  minRole: Role | undefined;
  scope: string | undefined;
  roleRules: string | undefined;
  /** The 403 text of the role guard (the declaration's `denied`), as the document's 403 response describes it. */
  denied: string | undefined;
  isPublic: boolean;
  /** `security` lists `{}`: callable without credentials (the body carries them, as the log-in's key). */
  anonymousAllowed: boolean;
  /** The body sent: the operation's documented example (a valid request), `{}` when it has none; undefined: no body. */
  body: string | undefined;
  query: Record<string, string>;
}

type Credentials = { kind: 'key'; key: string } | { kind: 'cookie'; cookie: string; csrf: string };
interface Principal {
  name: string;
  role: Role;
  /** Set for the principal that lacks the operation's scope: the key to use for that operation. */
  lacking?: (op: Operation) => Credentials;
  creds?: Credentials;
}

const isWrite = (method: string) => method !== 'get' && method !== 'head';
const leastRole = (op: Operation): Role => op.minRole ?? (op.anonymousAllowed || !isWrite(op.method) ? 'viewer' : 'member');

function operationsOf(doc: Schema): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries<Schema>(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method] as Schema | undefined;
      if (!op) continue;
      const query: Record<string, string> = {};
      // A required query parameter gets a plain value: the guard runs before the query is checked, but a row
      // should not be a 400 only because the parameter is absent when a valid value is cheap to send.
      for (const p of [...(item.parameters ?? []), ...(op.parameters ?? [])] as Schema[]) {
        if (p.in === 'query' && p.required) query[p.name] = 'x';
      }
      out.push({
        id: op.operationId,
        method,
        path,
        minRole: op['x-min-role'],
        scope: op['x-scope'],
        roleRules: op['x-role-rules'],
        denied: op.responses?.['403']?.description,
        isPublic: Array.isArray(op.security) && op.security.length === 0,
        anonymousAllowed: Array.isArray(op.security) && op.security.some((s: Schema) => Object.keys(s).length === 0),
        body: bodyOf(doc, op),
        query,
      });
    }
  }
  return out;
}

function bodyOf(doc: Schema, op: Schema): string | undefined {
  if (!op.requestBody) return undefined;
  const media = op.requestBody.content?.['application/json'] as Schema | undefined;
  let schema = media?.schema as Schema | undefined;
  const ref = /^#\/components\/schemas\/(.+)$/.exec(schema?.$ref ?? '');
  if (ref) schema = doc.components?.schemas?.[ref[1]];
  return JSON.stringify(media?.example ?? schema?.example ?? {});
}

interface Subscriber {
  name: string;
  role: Role;
  scopes: string[] | null;
  creds: Credentials;
}

interface Row {
  op: string;
  principal: string;
  got: number;
  expected: string;
  ok: boolean;
  message: string;
}

/** What the document says `principal` gets from `op`, and whether `status` (with its error message) is that. */
function judge(op: Operation, p: Principal, status: number, message: string): { expected: string; ok: boolean } {
  // A public route checks its own credentials (a sign-in's password): only authentication and the guards must not refuse.
  if (op.isPublic) return { expected: 'no 401/403 from authentication or the guards (public)', ok: !(status === 401 && fromAuth(message)) && !(status === 403 && fromGuard(op, message)) };
  // Without a bearer key such a route reads its credentials from the body (`{}` has none: 401); no role is refused.
  if (op.anonymousAllowed && !p.lacking && p.creds?.kind === 'cookie') return { expected: 'not 403 (credentials in the body)', ok: status !== 403 };
  if (p.lacking) {
    return { expected: `403 naming ${op.scope}`, ok: status === 403 && op.scope !== undefined && message.includes(op.scope) };
  }
  const least = leastRole(op);
  if (RANK[p.role] < RANK[least]) return { expected: `403 (below ${least})`, ok: status === 403 };
  // x-role-rules: the service may refuse by body, target or caller, but the role guard itself must let it through.
  if (op.roleRules) return { expected: 'not 401, no 403 from the role guard (x-role-rules)', ok: status !== 401 && !(status === 403 && fromGuard(op, message)) };
  return { expected: 'not 401/403', ok: status !== 401 && status !== 403 };
}

/** Whether a 403's message is the role or scope guard's (route.ts, auth.ts) rather than a service's own rule. */
const fromGuard = (op: Operation, message: string) =>
  message === 'Viewer keys are read-only' || message.startsWith('Needs the ') || message.includes('lacks the scope') || (op.denied !== undefined && message === op.denied);

/** Whether a 401's message is the authentication middleware's (platform/http/auth.ts: no or a bad key or cookie). */
const fromAuth = (message: string) => /^(Missing bearer API key|Invalid or revoked API key|Your session has expired)/.test(message);

/** Runs rows lowest principal first and, per principal, reads before writes, deletes last, own-session ends very last. */
const order = (op: Operation) => (/\/session$/.test(op.path) && op.method === 'delete' ? 3 : op.method === 'delete' ? 2 : isWrite(op.method) ? 1 : 0);

const randomId = () => `zz${Math.random().toString(36).slice(2, 12)}`;

describe('authorization matrix (every operation x every principal, every event type x every subscriber)', () => {
  let t: TestOrchestrator;
  let doc: Schema;
  let ops: Operation[];
  let workspaceId: string;
  const keys = {} as Record<Role, string>;
  let lackingKeys: { system: string; other: string };
  let sseScoped: string;
  const cookies = {} as Record<Role, Credentials>;
  const cookieKeys = {} as Record<Role, string>;

  const call = (op: Operation, creds: Credentials) => {
    const path = op.path.replace(/\{[^}]+\}/g, () => randomId());
    const qs = new URLSearchParams(op.query).toString();
    const headers = new Headers();
    if (creds.kind === 'key') headers.set('authorization', `Bearer ${creds.key}`);
    else {
      headers.set('cookie', creds.cookie);
      if (isWrite(op.method)) headers.set('x-csrf-token', creds.csrf);
    }
    if (op.body !== undefined) headers.set('content-type', 'application/json');
    return t.orch.app.request(`${path}${qs ? `?${qs}` : ''}`, { method: op.method.toUpperCase(), headers, ...(op.body !== undefined ? { body: op.body } : {}) });
  };

  const mint = async (role: Role, extra: Record<string, unknown> = {}) => {
    const res = await t.request('/api/keys', { method: 'POST', json: { name: `matrix-${role}-${randomId()}`, role, ...extra } });
    expect(res.status, `minting a ${role} key ${JSON.stringify(extra)}: ${await res.clone().text()}`).toBe(201);
    return ((await res.json()) as { key: string }).key;
  };

  const cookiesOf = (res: Response): Credentials => {
    const jar = new Map<string, string>();
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const csrf = jar.get('autopilot_csrf');
    expect(csrf, 'signing in sets the CSRF cookie').toBeTruthy();
    return { kind: 'cookie', cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), csrf: csrf! };
  };
  const postJson = (path: string, body: unknown, creds?: Credentials) =>
    t.orch.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(creds?.kind === 'cookie' ? { cookie: creds.cookie, 'x-csrf-token': creds.csrf } : {}) },
      body: JSON.stringify(body),
    });

  /** A dashboard log-in session of a key (POST /api/auth/session): a cookie with the key's role. */
  const login = async (key: string): Promise<Credentials> => {
    const res = await postJson('/api/auth/session', { apiKey: key });
    expect(res.status, await res.clone().text()).toBe(201);
    return cookiesOf(res);
  };

  /**
   * A person signed in with `role` in the test workspace: signs up (AUTH_SIGNUP=open; the first person becomes the
   * default workspace's owner, later ones get a workspace of their own), is made a member of the test workspace
   * with `role` (a row, as an owner's role change would leave it) and switches their session there.
   */
  const people = { password: 'correct horse battery staple', emails: {} as Record<Role, string> };
  const signUp = async (role: Role): Promise<Credentials> => {
    const email = (people.emails[role] = `matrix-${role}-${randomId()}@example.com`);
    // The first of them needs an owner key of the default workspace (it becomes its owner); the others ignore it.
    const res = await postJson('/api/auth/signup', { email, password: people.password, name: `Matrix ${role}`, ownerKey: ADMIN_KEY });
    expect(res.status, `signing up the ${role} person: ${await res.clone().text()}`).toBe(201);
    const creds = cookiesOf(res);
    const db = t.orch.db.kysely;
    const user = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
    const member = await db.selectFrom('memberships').select('role').where('workspace_id', '=', workspaceId).where('user_id', '=', user.id).executeTakeFirst();
    if (member) await db.updateTable('memberships').set({ role }).where('workspace_id', '=', workspaceId).where('user_id', '=', user.id).execute();
    else await db.insertInto('memberships').values({ workspace_id: workspaceId, user_id: user.id, role, created_at: new Date().toISOString(), added_by: 'authz-matrix' }).execute();
    const switched = await postJson('/api/auth/session/workspace', { workspaceId }, creds);
    expect(switched.status, `switching the ${role} person to the test workspace: ${await switched.clone().text()}`).toBe(200);
    return switched.headers.getSetCookie().some((c) => c.startsWith('autopilot_csrf=')) ? cookiesOf(switched) : creds;
  };
  const signIn = async (role: Role): Promise<Credentials> => {
    const res = await postJson('/api/auth/signin', { email: people.emails[role], password: people.password });
    expect(res.status, `signing in the ${role} person: ${await res.clone().text()}`).toBe(200);
    const creds = cookiesOf(res);
    const switched = await postJson('/api/auth/session/workspace', { workspaceId }, creds);
    expect(switched.status, await switched.clone().text()).toBe(200);
    return switched.headers.getSetCookie().some((c) => c.startsWith('autopilot_csrf=')) ? cookiesOf(switched) : creds;
  };

  beforeAll(async () => {
    t = await startTestOrchestrator({ JULES_DEMO_SESSIONS: '0', AUTH_SIGNUP: 'open' }, { listen: true });
    doc = (await (await t.request('/api/openapi.json', { key: null })).json()) as Schema;
    ops = operationsOf(doc);
    workspaceId = ((await (await t.request('/api/me')).json()) as { workspace: { id: string } }).workspace.id;
    for (const role of ROLES) keys[role] = await mint(role);
    for (const role of ROLES) cookies[role] = await login((cookieKeys[role] = await mint(role)));
  }, 60_000);
  afterAll(async () => t?.close());

  /** Sends every operation as every principal (lowest role first, see `order`) and judges each answer. */
  const runMatrix = async (principals: Principal[]) => {
    const sorted = [...ops].sort((a, b) => order(a) - order(b));
    const byRank = [...principals].sort((a, b) => RANK[a.role] - RANK[b.role]);
    const rows: Row[] = [];
    for (const p of byRank) {
      for (const op of sorted) {
        const res = await call(op, p.lacking ? p.lacking(op) : p.creds!);
        let message = '';
        if (res.headers.get('content-type')?.includes('application/json')) {
          message = ((await res.json()) as { error?: { message?: string } }).error?.message ?? '';
        } else await res.body?.cancel(); // an event stream (it never ends by itself) or an empty body
        rows.push({ op: `${op.id} (${op.method.toUpperCase()} ${op.path})`, principal: p.name, got: res.status, message, ...judge(op, p, res.status, message) });
      }
    }
    const wrong = rows.filter((r) => !r.ok).map((r) => `${r.op} x ${r.principal}: got ${r.got}${r.message ? ` "${r.message}"` : ''}, expected ${r.expected}`);
    expect(wrong, `${wrong.length} of ${rows.length} rows differ from the document`).toEqual([]);
    expect(rows).toHaveLength(ops.length * principals.length);
    const documented = new Set<string>();
    for (const item of Object.values<Schema>(doc.paths)) for (const m of METHODS) if (item[m]) documented.add(`${item[m].operationId}`);
    expect(new Set(rows.map((r) => r.op.split(' ')[0]))).toEqual(documented);
    for (const p of principals) expect(rows.filter((r) => r.principal === p.name), p.name).toHaveLength(ops.length);
  };

  it('gives every operation x every principal the documented answer, and covers every operation of the document', async () => {
    const principals: Principal[] = [
      ...ROLES.map((role) => ({ name: `${role} key`, role, creds: { kind: 'key', key: keys[role] } as Credentials })),
      ...ROLES.map((role) => ({ name: `${role} key's cookie session`, role, creds: cookies[role] })),
    ];
    await runMatrix(principals);
    expect(ops.length, 'the document lists the API').toBeGreaterThan(100);
    // Every operation has a scope, and the app serves no /api route the document leaves out.
    expect(ops.filter((o) => !o.isPublic && !o.scope).map((o) => o.id)).toEqual([]);
    const inDoc = new Set(ops.map((o) => `${o.method.toUpperCase()} ${o.path.replace(/\{([^}]+)\}/g, ':$1')}`));
    const undocumented = apiRoutes(t.orch).filter((r) => !inDoc.has(`${r.method} ${r.path}`) && !['/api/openapi.json', '/api/docs'].includes(r.path) && !r.path.startsWith('/api/docs/'));
    expect(undocumented).toEqual([]);
  }, 120_000);

  it('refuses a key lacking the scope on every operation, naming the scope', async () => {
    // Owner keys whose scopes miss the operation's resource: the role never refuses them, only the scope can.
    lackingKeys = { system: await mint('owner', { scopes: ['sessions:read'] }), other: await mint('owner', { scopes: ['system:read'] }) };
    await runMatrix([
      {
        name: 'key lacking the scope',
        role: 'owner',
        lacking: (op) => ({ kind: 'key', key: op.scope?.startsWith('system:') ? lackingKeys.system : lackingKeys.other }),
      },
    ]);
  }, 60_000);

  it('gives people signed in with each role the documented answer on every operation and every event type', async () => {
    const persons: Record<Role, Credentials> = {} as Record<Role, Credentials>;
    for (const role of ['owner', 'admin', 'member', 'viewer'] as const) persons[role] = await signUp(role); // the first person owns the default workspace
    for (const role of ROLES) {
      const me = (await (await call(ops.find((o) => o.id === 'workspacesMe')!, persons[role])).json()) as { workspace: { id: string } };
      expect(me.workspace.id, `the ${role} person's session is in the test workspace`).toBe(workspaceId);
    }
    await runMatrix(ROLES.map((role) => ({ name: `${role} person`, role, creds: persons[role] })));
    // The matrix's sign-out rows ended their sessions: sign in again for the event stream.
    for (const role of ROLES) persons[role] = await signIn(role);
    await runSse(ROLES.map((role) => ({ name: `${role} person`, role, scopes: null, creds: persons[role] })));
  }, 120_000);

  it('sends every event type to exactly the subscribers its role and scopes may read, live and on resume', async () => {
    for (const type of EventTypes) expect(eventAccess(type).declared, `${type} has an access rule in EventAccessRules`).toBe(true);
    const resources = new Set(ops.map((o) => o.scope?.split(':')[0]));
    for (const type of EventTypes) expect(resources.has(eventAccess(type).resource), `${type}'s resource ${eventAccess(type).resource} is a routes feature`).toBe(true);

    // The matrix's log-out rows ended the cookie sessions: sign in again.
    for (const role of ROLES) cookies[role] = await login(cookieKeys[role]);
    const subscribers: Subscriber[] = [
      ...ROLES.map((role) => ({ name: `${role} key`, role, scopes: null, creds: { kind: 'key', key: keys[role] } as Credentials })),
      ...ROLES.map((role) => ({ name: `${role} key's cookie session`, role, scopes: null, creds: cookies[role] })),
    ];
    await runSse(subscribers);
    // Not vacuous: viewers get fewer types than owners.
    expect(expectedFor(subscribers[0]).length).toBeLessThan(expectedFor(subscribers[3]).length);
  }, 60_000);

  it('sends a key scoped events:read + sessions:read only the session event types', async () => {
    sseScoped = await mint('member', { scopes: ['events:read', 'sessions:read'] });
    const scoped: Subscriber = { name: 'member key scoped events:read + sessions:read', role: 'member', scopes: ['events:read', 'sessions:read'], creds: { kind: 'key', key: sseScoped } };
    await runSse([scoped]);
    expect(expectedFor(scoped).length).toBeGreaterThan(0);
    expect(expectedFor(scoped).every((type) => eventAccess(type).resource === 'sessions')).toBe(true);
  }, 60_000);

  /** The documented answer, computed here from the catalog's declarations (not with the server's filter). */
  const expectedFor = (s: Subscriber) =>
      EventTypes.filter((type) => {
        const a = eventAccess(type);
        return RANK[s.role] >= RANK[a.minRole] && (s.scopes === null || s.scopes.includes(`${a.resource}:read`));
      }).sort();

  /** Subscribes each, publishes one event of every catalog type, and checks what each received, live and resumed. */
  const runSse = async (subscribers: Subscriber[]) => {
    const sentinel = `sentinel-${randomId()}`;
    const marker = (id: string): z.infer<(typeof EventCatalog)['session.created']['data']> => ({ id, julesId: id, accountId: 'acc', state: 'QUEUED', title: id });
    const start = await t.orch.bus.publish('session.created', workspaceId, marker(`start-${randomId()}`));

    const streams = await Promise.all(subscribers.map(async (s) => ({ s, reader: await subscribe(t, s.creds) })));
    // workspace.deleted ends every live stream of the workspace (after delivering it): it goes last, so the live
    // streams end there and the resumed ones (a replay is never ended) read on to the sentinel.
    const ending = (type: string) => type === 'workspace.deleted';
    for (const type of [...EventTypes.filter((x) => !ending(x)), ...EventTypes.filter(ending)]) await t.orch.bus.publish(type, workspaceId, sampleOf(type) as never);
    await t.orch.bus.publish('session.created', workspaceId, marker(sentinel));

    const mismatches: string[] = [];
    const check = (name: string, got: string[], expected: string[]) => {
      if (JSON.stringify(got) !== JSON.stringify(expected)) mismatches.push(`${name}: got [${got.join(', ')}], expected [${expected.join(', ')}]`);
    };
    for (const { s, reader } of streams) check(`${s.name} (live)`, await reader.until(sentinel), expectedFor(s));
    // The replay after Last-Event-ID is filtered the same way.
    for (const s of subscribers) {
      const reader = await subscribe(t, s.creds, start.id);
      check(`${s.name} (resumed)`, await reader.until(sentinel), expectedFor(s));
    }
    expect(mismatches).toEqual([]);
  };
});

/** A payload valid for the type's schema, generated from its JSON Schema (the published form) and checked by zod. */
function sampleOf(type: EventType): unknown {
  const { $schema: _s, ...schema } = z.toJSONSchema(EventCatalog[type].data, { io: 'input', target: 'draft-2020-12' }) as Schema;
  const arb = arbitraryFor({}, schema, { maxLength: 12, maxItems: 2 });
  for (const value of fc.sample(arb, { numRuns: 50, seed: 16 })) {
    if (EventCatalog[type].data.safeParse(value).success) return value;
  }
  throw new Error(`no valid sample of ${type} in 50 tries`);
}

/** An SSE subscription: resolves once the stream said hello (so it is subscribed); `until` collects event types. */
async function subscribe(t: TestOrchestrator, creds: Credentials, lastEventId?: string) {
  const headers: Record<string, string> = creds.kind === 'key' ? { authorization: `Bearer ${creds.key}` } : { cookie: creds.cookie };
  if (lastEventId) headers['last-event-id'] = lastEventId;
  const res = await fetch(`${t.orch.url}/api/events`, { headers });
  if (res.status !== 200) throw new Error(`GET /api/events answered ${res.status}: ${await res.text()}`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const next = async (): Promise<{ event?: string; data?: string } | null> => {
    for (;;) {
      const idx = buf.indexOf('\n\n');
      if (idx >= 0) {
        const block = buf.slice(0, idx);
        buf = buf.slice(idx + 2);
        const msg: { event?: string; data?: string } = {};
        for (const line of block.split('\n')) {
          const m = /^(event|data): ?(.*)$/.exec(line);
          if (m) msg[m[1] as 'event' | 'data'] = m[2];
        }
        if (msg.event) return msg;
        continue;
      }
      const { value, done } = await reader.read();
      if (done) return null;
      buf += decoder.decode(value, { stream: true });
    }
  };
  for (let m = await next(); m?.event !== 'hello'; m = await next()) if (m === null) throw new Error('the stream ended before its hello');
  return {
    /** The distinct event types received before the session.created event titled `sentinel` (or the stream's end), sorted. */
    async until(sentinel: string): Promise<string[]> {
      const types = new Set<string>();
      for (let m = await next(); m !== null; m = await next()) {
        const e = JSON.parse(m.data ?? '{}') as { type?: string; data?: { title?: string } };
        if (e.type === 'session.created' && e.data?.title === sentinel) break;
        if (e.type === 'session.created' && e.data?.title?.startsWith('start-')) continue;
        if (e.type) types.add(e.type);
      }
      await reader.cancel();
      return [...types].sort();
    },
  };
}
