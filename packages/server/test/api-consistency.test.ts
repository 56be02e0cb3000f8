import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, type SessionDetail } from '@autopilot/contracts';
import { ADMIN_KEY, startTestOrchestrator, type TestOrchestrator } from './harness';

/**
 * The API's consistency over real HTTP (a listening orchestrator in demo mode, the simulator behind it): one error
 * `details` shape, 409 for acting in the wrong state in the user's words, upstream refusals translated, enum query
 * parameters in any case and unknown values refused naming the field, 405 with Allow for a known path.
 */
describe('API consistency', () => {
  let t: TestOrchestrator;
  let base: string;
  beforeAll(async () => {
    t = await startTestOrchestrator({ JULES_DEMO_SESSIONS: '3', JULES_DEMO_NEW_SESSION_MS: '0' }, { listen: true });
    base = t.orch.url;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  async function call(method: string, path: string, body?: unknown, key: string | null = ADMIN_KEY) {
    const res = await fetch(base + path, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, body: json, text };
  }

  /** The one error shape, parsed with the contract itself: details, when present, is an object (never an array). */
  function errorOf(r: { status: number; body: unknown; text: string }) {
    expect(r.status, r.text).toBeGreaterThanOrEqual(400);
    const parsed = ErrorBody.safeParse(r.body);
    expect(parsed.success, r.text).toBe(true);
    const e = parsed.data!.error;
    if (e.details !== undefined) {
      expect(Array.isArray(e.details), r.text).toBe(false);
      expect(typeof e.details).toBe('object');
    }
    return e;
  }

  async function createSession(body: Record<string, unknown>): Promise<SessionDetail> {
    const r = await call('POST', '/api/sessions', body);
    expect(r.status, r.text).toBe(201);
    return r.body as SessionDetail;
  }

  async function waitFor(id: string, pred: (s: SessionDetail) => boolean, what: string): Promise<SessionDetail> {
    const until = Date.now() + 20_000;
    for (;;) {
      await t.orch.sessions.service.syncAll();
      const s = (await call('GET', `/api/sessions/${id}`)).body as SessionDetail;
      if (pred(s)) return s;
      if (Date.now() > until) throw new Error(`session ${id} never became ${what} (it is ${s.state})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  describe('one details shape', () => {
    it('every kind of error carries details as an object: validation issues, auth, media type, field shorthand, rate limits', async () => {
      const invalid = errorOf(await call('POST', '/api/sessions', { prompt: '' }));
      expect(invalid.code).toBe('validation_failed');
      expect(invalid.details?.issues?.[0]).toMatchObject({ path: 'body.prompt' });

      const noKey = errorOf(await call('GET', '/api/sessions', undefined, null));
      expect(noKey.code).toBe('unauthorized');
      expect(noKey.details?.issues?.[0].path).toBe('header.authorization');

      const media = await fetch(`${base}/api/sessions`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'text/plain' }, body: 'hi' });
      const mediaErr = errorOf({ status: media.status, body: await media.json(), text: '' });
      expect(media.status).toBe(415);
      expect(mediaErr.details?.issues?.[0]).toMatchObject({ path: 'header.content-type', message: expect.stringContaining('text/plain') });

      // A producer's `{ field: 'name' }` shorthand arrives as an issue on body.name.
      await call('POST', '/api/workspaces', { name: 'consistency-dup' });
      const dup = errorOf(await call('POST', '/api/workspaces', { name: 'consistency-dup' }));
      expect(dup.code).toBe('conflict');
      expect(dup.details).not.toHaveProperty('field');
      expect(dup.details?.issues?.[0].path).toBe('body.name');

      const cursor = errorOf(await call('GET', '/api/sessions?cursor=not-a-cursor'));
      expect(cursor.details?.issues?.[0].path).toBe('query.cursor');
    });

    it('an upstream rate limit keeps retryAfterMs at the top of details, without naming the call', async () => {
      const s = await createSession({ prompt: 'Rate limited [sim:happy]' });
      // Longer than the Jules client waits on its own before retrying, so the 429 reaches the caller.
      t.orch.jules.simulator!.setFaults({ rules: [{ op: 'sessions.sendMessage', kind: '429', retryAfterSeconds: 120 }] });
      try {
        const r = await call('POST', `/api/sessions/${s.id}/messages`, { message: 'hello' });
        const e = errorOf(r);
        expect(r.status).toBe(429);
        expect(e.details?.retryAfterMs).toBe(120_000);
        expect(e.message).not.toMatch(/sessions\.\w+/);
      } finally {
        t.orch.jules.simulator!.setFaults({});
      }
    });
  });

  describe('409 for the wrong state, upstream errors in the user\'s terms', () => {
    it('approving a plan of a session not waiting for approval is a 409 naming its state, not the upstream call', async () => {
      const s = await createSession({ prompt: 'No approval needed [sim:happy]', requirePlanApproval: false });
      const done = await waitFor(s.id, (x) => x.state !== 'QUEUED' && x.state !== 'PLANNING' && x.state !== 'AWAITING_PLAN_APPROVAL', 'past planning');
      const r = await call('POST', `/api/sessions/${s.id}/approve-plan`);
      expect(r.status, r.text).toBe(409);
      const e = errorOf(r);
      expect(e.code).toBe('conflict');
      expect(e.message).toMatch(/^This session is not waiting for plan approval \(it is [A-Z_]+\)$/);
      expect(e.details?.state).toMatch(/^[A-Z_]+$/);
      expect(['IN_PROGRESS', 'COMPLETED', done.state]).toContain(e.details?.state);
      expect(r.text).not.toMatch(/approvePlan|sessions\.|HTTP 400|FAILED_PRECONDITION Precondition/);
    });

    it('approving a plan that awaits approval still works (the 409 is only for the wrong state)', async () => {
      const s = await createSession({ prompt: 'Needs approval [sim:approval]', requirePlanApproval: true });
      await waitFor(s.id, (x) => x.state === 'AWAITING_PLAN_APPROVAL', 'AWAITING_PLAN_APPROVAL');
      const r = await call('POST', `/api/sessions/${s.id}/approve-plan`);
      expect(r.status, r.text).toBe(200);
    });

    it('messaging an archived session, or acting on a deleted one, is a 409 that says what to do', async () => {
      const s = await createSession({ prompt: 'Archive me [sim:happy]' });
      expect((await call('POST', `/api/sessions/${s.id}/archive`)).status).toBe(200);
      const archived = await call('POST', `/api/sessions/${s.id}/messages`, { message: 'still there?' });
      expect(archived.status).toBe(409);
      expect(errorOf(archived)).toMatchObject({ code: 'conflict', message: 'This session is archived: unarchive it to send a message', details: { state: 'ARCHIVED' } });

      expect((await call('DELETE', `/api/sessions/${s.id}`)).status).toBe(200);
      for (const [method, path, body] of [
        ['POST', `/api/sessions/${s.id}/approve-plan`, undefined],
        ['POST', `/api/sessions/${s.id}/messages`, { message: 'hello?' }],
        ['POST', `/api/sessions/${s.id}/unarchive`, undefined],
      ] as const) {
        const r = await call(method, path, body);
        expect(r.status, `${path}: ${r.text}`).toBe(409);
        expect(errorOf(r).details?.state).toBe('DELETED');
        expect(errorOf(r).message).toMatch(/^This session was deleted on Jules/);
      }
      // Deleting again stays a success (already gone).
      expect((await call('DELETE', `/api/sessions/${s.id}`)).status).toBe(200);
    });

    it('the session actions declare their 409 in the document', async () => {
      const doc = (await call('GET', '/api/openapi.json')).body;
      for (const [path, method] of [['/api/sessions/{id}/approve-plan', 'post'], ['/api/sessions/{id}/messages', 'post'], ['/api/sessions/{id}/archive', 'post'], ['/api/sessions/{id}', 'delete']]) {
        expect(doc.paths[path][method].responses['409']?.description, `${method} ${path}`).toMatch(/state/);
      }
    });

    it('a session gone on Jules is a 404 saying so, not "Jules: HTTP 404 ..."', async () => {
      const s = await createSession({ prompt: 'Gone upstream [sim:happy]' });
      t.orch.jules.simulator!.setFaults({ rules: [{ op: 'sessions.archive', kind: '404' }] });
      try {
        const r = await call('POST', `/api/sessions/${s.id}/archive`);
        expect(r.status).toBe(404);
        expect(errorOf(r).message).toBe('This session no longer exists on Jules (deleted there?), so Jules could not archive the session');
        expect(r.text).not.toMatch(/sessions\.archive|HTTP 404/);
      } finally {
        t.orch.jules.simulator!.setFaults({});
      }
    });

    it('an unknown repository on create is a 404 on body.source saying it is not connected, not "HTTP 404 Source not found"', async () => {
      const r = await call('POST', '/api/sessions', { prompt: 'Somewhere else', source: 'nobody-here/nothing', startingBranch: 'main' });
      expect(r.status, r.text).toBe(404);
      const e = errorOf(r);
      expect(e.message).toMatch(/^The repository nobody-here\/nothing is not connected to this Jules account/);
      expect(e.details?.issues).toEqual([{ path: 'body.source', message: 'not connected to this Jules account' }]);
      expect(r.text).not.toMatch(/HTTP 404|Source not found|sessions\.create/);
    });

    it('owner/repo, github/owner/repo and sources/github/owner/repo all create a session on sources/github/owner/repo', async () => {
      for (const source of ['acme-corp/storefront', 'github/acme-corp/storefront', 'sources/github/acme-corp/storefront']) {
        const s = await createSession({ prompt: `From ${source}`, source, startingBranch: 'main' });
        expect(s.source, source).toBe('sources/github/acme-corp/storefront');
      }
    });

    it('a malformed source is refused naming body.source in words, not with a regex', async () => {
      const r = await call('POST', '/api/sessions', { prompt: 'x', source: 'not a repo', startingBranch: 'main' });
      const e = errorOf(r);
      expect(r.status).toBe(400);
      expect(e.details?.issues?.[0]).toMatchObject({ path: 'body.source', message: 'must be a GitHub repository: owner/repo (also accepted: github/owner/repo, sources/github/owner/repo)' });
    });
  });

  describe('enum query parameters', () => {
    it('state is read in any case: completed == COMPLETED', async () => {
      const upper = await call('GET', '/api/sessions?state=COMPLETED,IN_PROGRESS&limit=500');
      const lower = await call('GET', '/api/sessions?state=completed,in_progress&limit=500');
      expect(upper.status).toBe(200);
      expect(lower.status, lower.text).toBe(200);
      expect(lower.body.items.map((s: { id: string }) => s.id)).toEqual(upper.body.items.map((s: { id: string }) => s.id));
      expect(upper.body.items.every((s: { state: string }) => s.state === 'COMPLETED' || s.state === 'IN_PROGRESS')).toBe(true);
    });

    it('an unknown state is a 400 naming query.state and listing the states', async () => {
      const r = await call('GET', '/api/sessions?state=BOGUS');
      expect(r.status).toBe(400);
      const issue = errorOf(r).details?.issues?.[0];
      expect(issue?.path).toBe('query.state');
      for (const s of ['QUEUED', 'AWAITING_PLAN_APPROVAL', 'COMPLETED', 'FAILED']) expect(issue?.message).toContain(s);
    });

    it('every enum query parameter takes any case and refuses an unknown value naming it and its values', async () => {
      const doc = (await call('GET', '/api/openapi.json')).body;
      let checked = 0;
      for (const [path, ops] of Object.entries<Record<string, any>>(doc.paths)) {
        if (path.includes('{')) continue;
        for (const [method, op] of Object.entries<any>(ops)) {
          if (method !== 'get') continue;
          for (const p of op.parameters ?? []) {
            const values: string[] | undefined = p.in === 'query' ? p.schema?.enum : undefined;
            if (!values) continue;
            const v = values.find((x) => x.toUpperCase() !== x) ?? values[0];
            const odd = v.toUpperCase() === v ? v.toLowerCase() : v.toUpperCase();
            const ok = await call('GET', `${path}?${p.name}=${encodeURIComponent(odd)}`);
            expect(ok.status, `${path}?${p.name}=${odd}: ${ok.text}`).toBe(200);
            const bad = await call('GET', `${path}?${p.name}=no-such-value`);
            expect(bad.status, `${path}?${p.name}=no-such-value`).toBe(400);
            const issue = errorOf(bad).details?.issues?.[0];
            expect(issue?.path).toBe(`query.${p.name}`);
            expect(issue?.message).toBe(`must be one of ${values.join(', ')} (any case)`);
            checked++;
          }
        }
      }
      // sessions: archived, deleted, column; keeper: action, status, notification status; llm calls: task, outcome ...
      expect(checked).toBeGreaterThanOrEqual(8);
    });
  });

  describe('405 Method Not Allowed', () => {
    it('a known path under another method is a 405 with Allow and the error shape; an unknown path stays 404', async () => {
      const put = await call('PUT', '/api/sessions');
      expect(put.status).toBe(405);
      expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
      const e = errorOf(put);
      expect(e).toMatchObject({ code: 'method_not_allowed', details: { allowed: ['GET', 'HEAD', 'POST'] } });
      expect(e.message).toContain('PUT');

      const patch = await call('PATCH', '/api/keeper/settings', {});
      expect(patch.status).toBe(405);
      expect(patch.headers.get('allow')).toBe('GET, HEAD, PUT');

      const onId = await call('PUT', '/api/sessions/some-id/approve-plan');
      expect(onId.status).toBe(405);
      expect(onId.headers.get('allow')).toBe('POST');

      const unknown = await call('GET', '/api/no-such-thing');
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('allow')).toBeNull();
      expect(errorOf(unknown).code).toBe('not_found');
      expect((await call('DELETE', '/api/no-such-thing')).status).toBe(404);
    });

    it('still authenticates first: without a key a wrong method is a 401, not a map of the routes', async () => {
      const r = await call('PUT', '/api/sessions', undefined, null);
      expect(r.status).toBe(401);
    });
  });
});
