import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { Batch, BatchPage, BatchPreview, CreateTemplateBody } from '@autopilot/contracts';
import type { Clock } from '../../platform/clock';
import { createTestDb, type TestDb } from '../../platform/db/testing';
import { createMemoryBus, type EventBus } from '../../platform/events/bus';
import { createHttpApp } from '../../platform/http/app';
import type { ApiApp, AuthContext } from '../../platform/http/types';
import { createTemplatesFeature, type TemplatesService } from '../templates';
import { createBatchesStore } from './batches.store';
import { createBatchesService, type BatchesService } from './batches.service';
import { registerBatchesRoutes } from './batches.routes';
import { fakeDispatcher } from './batches.test-support';

const log = pino({ level: 'silent' });
type ErrorJson = { error: { code: string; details?: { issues?: Array<{ path: string; message: string }> } } };

/** The routes over HTTP on the app shell (validation, statuses, roles), with the auth a key would give. */
describe('batches routes', () => {
  let t: TestDb;
  const clock: Clock = { now: () => Date.parse('2026-12-02T08:00:00.000Z'), sleep: async () => {} };
  const ws = randomUUID();
  const d = fakeDispatcher({ [ws]: ['acct-1'] });
  let bus: EventBus;
  let templates: TemplatesService;
  let svc: BatchesService;
  let app: ApiApp;
  let role: AuthContext['role'] = 'member';
  const call = (path: string, json?: unknown) =>
    app.request(path, json === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });

  beforeAll(async () => {
    t = await createTestDb('sqlite');
    await t.db.kysely.insertInto('workspaces').values({ id: ws, name: 'ws', created_at: new Date(clock.now()).toISOString() }).execute();
    bus = createMemoryBus();
    templates = createTemplatesFeature({ db: t.db, clock, log }).service;
    svc = createBatchesService({ store: createBatchesStore(t.db), clock, log, bus, dispatcher: d.service, templates });
    app = createHttpApp({ log, bodyLimitBytes: 2_000_000 });
    app.use('/api/*', async (c, next) => {
      c.set('auth', { workspaceId: ws, workspaceName: 'ws', keyId: 'k', keyName: 'k', keyPrefix: '', keyPublicId: null, role, via: 'key', actor: { kind: 'key', id: 'k', name: 'k' }, userId: null, scopes: null });
      await next();
    });
    registerBatchesRoutes(app, { service: svc });
  });
  afterAll(async () => {
    svc?.close();
    await bus?.close();
    await t?.cleanup();
  });

  it('creates (201), answers a repeated key with 200, gets, lists, cancels and retries', async () => {
    const body = { name: 'Bump', input: { kind: 'prompt', prompt: 'Bump it', sources: ['acme/a', 'acme/b'] }, idempotencyKey: 'route-1' };
    const created = await call('/api/batches', body);
    expect(created.status).toBe(201);
    const batch = Batch.parse(await created.json());
    const again = await call('/api/batches', body);
    expect([again.status, Batch.parse(await again.json()).id]).toEqual([200, batch.id]);
    expect(Batch.parse(await (await call(`/api/batches/${batch.id}`)).json()).counts.total).toBe(2);
    const page = BatchPage.parse(await (await call('/api/batches?state=RUNNING&limit=10')).json());
    expect(page.items.map((b) => b.id)).toContain(batch.id);
    await d.move(batch.items[0].intentId, { state: 'failed', error: 'boom' });
    expect(Batch.parse(await (await call(`/api/batches/${batch.id}/cancel`, {})).json()).counts.cancelled).toBe(1);
    expect(Batch.parse(await (await call(`/api/batches/${batch.id}/retry`, {})).json()).counts.queued).toBe(1);
    expect((await call(`/api/batches/${randomUUID()}`)).status).toBe(404);
  });

  it('previews without storing; a bad body or a broken row is a 400 naming the field', async () => {
    const before = d.intents.length;
    const preview = BatchPreview.parse(await (await call('/api/batches/preview', { input: { kind: 'tasks', format: 'csv', text: 'prompt\n"open\n' } })).json());
    expect(preview.problems).toEqual([{ item: null, row: 2, path: 'body.input.text', message: expect.stringContaining('row 2: a quoted field is never closed') }]);
    const broken = await call('/api/batches', { input: { kind: 'tasks', format: 'csv', text: 'prompt,source\na,acme/a\nb\n' } });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as ErrorJson).error.details?.issues).toEqual([{ path: 'body.input.text', message: 'row 3: has 1 field, the header has 2' }]);
    const shape = await call('/api/batches', { input: { kind: 'prompt', prompt: 'x', sources: [] } });
    expect([shape.status, ((await shape.json()) as ErrorJson).error.details?.issues?.[0].path]).toEqual([400, 'body.input.sources']);
    expect(d.intents.length).toBe(before);
  });

  it('launches a template (201 with origin template; 400 naming body.values.<name>; 404 for an unknown template)', async () => {
    const tpl = await templates.create(ws, CreateTemplateBody.parse({ name: 'Fix', prompt: 'Fix #{{issue}}', sources: ['acme/a'], variables: [{ name: 'issue', type: 'number', required: true }] }));
    const ok = await call(`/api/templates/${tpl.id}/launch`, { values: { issue: 3 } });
    expect(ok.status).toBe(201);
    expect(Batch.parse(await ok.json())).toMatchObject({ origin: { kind: 'template', id: tpl.id }, items: [{ request: { prompt: 'Fix #3', source: 'sources/github/acme/a' } }] });
    const bad = await call(`/api/templates/${tpl.id}/launch`, {});
    expect([bad.status, ((await bad.json()) as ErrorJson).error.details?.issues]).toEqual([400, [{ path: 'body.values.issue', message: '{{issue}} is required and has no default' }]]);
    expect((await call(`/api/templates/${randomUUID()}/launch`, {})).status).toBe(404);
  });

  it('refuses writes to viewers (the declared minRole)', async () => {
    role = 'viewer';
    try {
      expect((await call('/api/batches', { input: { kind: 'prompt', prompt: 'x', sources: ['acme/a'] } })).status).toBe(403);
      expect((await call('/api/batches')).status).toBe(200);
    } finally {
      role = 'member';
    }
  });
});
