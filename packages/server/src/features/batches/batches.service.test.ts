import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { CreateBatchBody, CreateTemplateBody, type AppEvent } from '@autopilot/contracts';
import type { Clock } from '../../platform/clock';
import { createTestDb, requirePostgresInCi, testEngines, type TestDb } from '../../platform/db/testing';
import { AppError } from '../../platform/errors';
import { createMemoryBus, type EventBus } from '../../platform/events/bus';
import { createTemplatesFeature, type TemplatesService } from '../templates';
import { createBatchesStore } from './batches.store';
import { createBatchesService, type BatchesService } from './batches.service';
import { fakeDispatcher } from './batches.test-support';

requirePostgresInCi();

const log = pino({ level: 'silent' });
const body = (b: Record<string, unknown>) => CreateBatchBody.parse(b);
const failure = async (p: Promise<unknown>): Promise<AppError> => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
};

/** The service on a real store (SQLite and, with TEST_DATABASE_URL, PostgreSQL) over the fake dispatcher. */
describe.each(testEngines())('batches service and store (%s)', (engine) => {
  let t: TestDb;
  let now = Date.parse('2026-12-02T08:00:00.000Z');
  const clock: Clock = { now: () => now, sleep: async () => {} };
  const ws = randomUUID();
  const other = randomUUID();
  const d = fakeDispatcher({ [ws]: ['acct-1'], [other]: ['acct-2', 'acct-3'] });
  let bus: EventBus;
  let templates: TemplatesService;
  let svc: BatchesService;
  const stored = async (workspaceId = ws) => ({
    batches: (await t.db.kysely.selectFrom('batches').select('id').where('workspace_id', '=', workspaceId).execute()).length,
    items: (await t.db.kysely.selectFrom('batch_items').select('idx').where('workspace_id', '=', workspaceId).execute()).length,
    intents: d.intents.filter((i) => i.workspaceId === workspaceId).length,
  });

  beforeAll(async () => {
    t = await createTestDb(engine);
    for (const id of [ws, other]) await t.db.kysely.insertInto('workspaces').values({ id, name: id, created_at: new Date(now).toISOString() }).execute();
    bus = createMemoryBus();
    templates = createTemplatesFeature({ db: t.db, clock, log }).service;
    svc = createBatchesService({ store: createBatchesStore(t.db), clock, log, bus, dispatcher: d.service, templates, progressWindowMs: 20 });
  });
  afterAll(async () => {
    svc?.close();
    await bus?.close();
    await t?.cleanup();
  });

  it('queues one intent per repository (any spelling, duplicates once) with origin batch, in order', async () => {
    const { batch, created } = await svc.create(ws, body({ input: { kind: 'prompt', prompt: 'Bump lodash', sources: ['acme/web', 'github/acme/api', 'sources/github/acme/web', 'Acme/Web.git'], autoCreatePr: true } }));
    expect(created).toBe(true);
    expect(batch).toMatchObject({ name: 'Bump lodash', state: 'running', accountId: 'acct-1', origin: { kind: 'api', id: null }, counts: { total: 2, queued: 2 } });
    expect(batch.items.map((i) => [i.index, i.label, i.request.source, i.state, i.position])).toEqual([
      [0, 'acme/web', 'sources/github/acme/web', 'queued', expect.any(Number)],
      [1, 'acme/api', 'sources/github/acme/api', 'queued', expect.any(Number)],
    ]);
    expect(batch.items[0].request).toEqual({ prompt: 'Bump lodash', title: null, source: 'sources/github/acme/web', startingBranch: null, requirePlanApproval: false, autoCreatePr: true });
    const mine = d.intents.filter((i) => i.origin.id === batch.id);
    expect(mine.map((i) => [i.origin.kind, i.key])).toEqual([['batch', `batch:${batch.id}:0`], ['batch', `batch:${batch.id}:1`]]);
    expect(await svc.get(ws, batch.id)).toEqual(batch);
  });

  it('answers the same idempotency key and body with the first batch (200, nothing new); another body is a 409 naming the key', async () => {
    const b = body({ input: { kind: 'prompt', prompt: 'Once', sources: ['acme/one'] }, idempotencyKey: 'k-1' });
    const first = await svc.create(ws, b);
    const before = await stored();
    const again = await svc.create(ws, body({ idempotencyKey: 'k-1', input: { sources: ['acme/one'], prompt: 'Once', kind: 'prompt' } }));
    expect([again.created, again.batch.id]).toEqual([false, first.batch.id]);
    expect(await stored()).toEqual(before);
    const err = await failure(svc.create(ws, body({ input: { kind: 'prompt', prompt: 'Twice', sources: ['acme/one'] }, idempotencyKey: 'k-1' })));
    expect([err.status, err.details?.issues?.[0].path]).toEqual([409, 'body.idempotencyKey']);
    // Keys are per workspace.
    await expect(svc.create(other, { ...b, accountId: 'acct-2' })).resolves.toMatchObject({ created: true });
  });

  it('refuses a CSV with a broken row naming body.input.text and the row, and stores nothing', async () => {
    const before = await stored();
    const text = 'prompt,source\nFix A,acme/a\nFix B,not a repo\nFix C\n';
    const err = await failure(svc.create(ws, body({ input: { kind: 'tasks', format: 'csv', text } })));
    expect(err.status).toBe(400);
    expect(err.details?.issues).toEqual([
      { path: 'body.input.text', message: 'row 4: has 1 field, the header has 2' },
    ]);
    const bad = await failure(svc.create(ws, body({ input: { kind: 'tasks', format: 'csv', text: 'prompt,source\nFix A,acme/a\nFix B,not a repo\n' } })));
    expect(bad.details?.issues).toEqual([{ path: 'body.input.text', message: 'row 3: the source "not a repo" is not a GitHub repository (owner/repo)' }]);
    const empty = await failure(svc.create(ws, body({ input: { kind: 'tasks', format: 'lines', text: '\n# only a comment\n' } })));
    expect(empty.details?.issues?.[0]).toEqual({ path: 'body.input.text', message: 'row 1: the list has no tasks (every line is blank or a comment)' });
    expect(await stored()).toEqual(before);
  });

  it('builds a task list: lines and checklist items as prompts, CSV columns, the shared source and branch', async () => {
    const lines = await svc.create(ws, body({ input: { kind: 'tasks', format: 'checklist', text: '- [ ] Write docs\n- [x] Done\n- [ ] Add tests', source: 'acme/web', branch: 'dev' } }));
    expect(lines.batch.items.map((i) => [i.row, i.label, i.request.prompt, i.request.source, i.request.startingBranch])).toEqual([
      [1, 'Write docs · acme/web', 'Write docs', 'sources/github/acme/web', 'dev'],
      [3, 'Add tests · acme/web', 'Add tests', 'sources/github/acme/web', 'dev'],
    ]);
    const csv = await svc.create(ws, body({ input: { kind: 'tasks', format: 'csv', text: 'Prompt,Repo,Title\n"Fix ""x""",acme/api,X fix\nRepoless,,\n' } }));
    expect(csv.batch.items.map((i) => [i.row, i.request.prompt, i.request.source, i.request.title])).toEqual([
      [2, 'Fix "x"', 'sources/github/acme/api', 'X fix'],
      [3, 'Repoless', null, null],
    ]);
    const preview = await svc.preview(ws, body({ input: { kind: 'tasks', format: 'checklist', text: '- [x] a\n- [ ] b' } }));
    expect(preview).toMatchObject({ skipped: [{ row: 1, reason: 'already checked' }], problems: [], accountId: 'acct-1' });
  });

  it('renders a template per item: values, {{repo}} per given source, keeper overrides passed to the dispatcher', async () => {
    const tpl = await templates.create(ws, CreateTemplateBody.parse({
      name: 'Fix issue', prompt: 'Fix #{{issue}} in {{repo}}', title: 'Fix #{{issue}}', keeper: { paused: true }, automationMode: 'AUTO_CREATE_PR',
      variables: [{ name: 'issue', type: 'number', required: true }, { name: 'repo', type: 'repo' }],
    }));
    const { batch } = await svc.create(ws, body({ input: { kind: 'template', templateId: tpl.id, values: { issue: 7 }, sources: ['acme/a', 'acme/b'] } }));
    expect(batch).toMatchObject({ name: 'Fix issue', templateId: tpl.id });
    expect(batch.items.map((i) => i.request)).toEqual([
      { prompt: 'Fix #7 in acme/a', title: 'Fix #7', source: 'sources/github/acme/a', startingBranch: null, requirePlanApproval: false, autoCreatePr: true },
      { prompt: 'Fix #7 in acme/b', title: 'Fix #7', source: 'sources/github/acme/b', startingBranch: null, requirePlanApproval: false, autoCreatePr: true },
    ]);
    expect(d.intents.filter((i) => i.origin.id === batch.id).map((i) => i.keeper)).toEqual([{ paused: true, holdWords: [] }, { paused: true, holdWords: [] }]);

    const before = await stored();
    const err = await failure(svc.create(ws, body({ input: { kind: 'template', templateId: tpl.id, values: { issue: 'seven' }, sources: ['acme/a'] } })));
    expect([err.status, err.details?.issues]).toEqual([400, [{ path: 'body.input.values.issue', message: '{{issue}} must be a number, not "seven"' }]]);
    const missing = await failure(svc.create(ws, body({ input: { kind: 'template', templateId: 'nope' } })));
    expect(missing.details?.issues?.[0].path).toBe('body.input.templateId');
    // A CSV fills the template by column name; a bad cell names its row.
    const rows = await failure(svc.create(ws, body({ input: { kind: 'tasks', format: 'csv', templateId: tpl.id, text: 'issue,repo\n1,acme/x\nabc,acme/y\n' } })));
    expect(rows.details?.issues).toEqual([{ path: 'body.input.text', message: 'row 3: {{issue}} must be a number, not "abc"' }]);
    expect(await stored()).toEqual(before);
  });

  it('fills a template\'s {{task}} from each line; a template without {{task}} is refused naming body.input.templateId', async () => {
    const tpl = await templates.create(ws, CreateTemplateBody.parse({ name: 'Task', prompt: 'Do: {{task}} ({{team}})', sources: ['acme/t'], variables: [{ name: 'task', type: 'string', required: true }, { name: 'team', type: 'string', default: 'core' }] }));
    const { batch } = await svc.create(ws, body({ input: { kind: 'tasks', format: 'lines', templateId: tpl.id, values: { team: 'web' }, text: 'first\n# skip\nsecond' } }));
    expect(batch.items.map((i) => [i.row, i.request.prompt, i.request.source])).toEqual([[1, 'Do: first (web)', 'sources/github/acme/t'], [3, 'Do: second (web)', 'sources/github/acme/t']]);
    const plain = await templates.create(ws, CreateTemplateBody.parse({ name: 'No task', prompt: 'Static' }));
    const err = await failure(svc.create(ws, body({ input: { kind: 'tasks', format: 'lines', templateId: plain.id, text: 'a' } })));
    expect(err.details?.issues).toEqual([{ path: 'body.input.templateId', message: 'the template has no {{task}} variable: each task of a list fills {{task}}' }]);
    expect(err.message).toMatch(/^The batch cannot be started: /);
  });

  it('launches a template (origin template, 404 for an unknown one, problems naming body.values.<name>)', async () => {
    const tpl = await templates.create(ws, CreateTemplateBody.parse({ name: 'Lint', prompt: 'Lint {{repo}} with {{tool}}', variables: [{ name: 'repo', type: 'repo', required: true }, { name: 'tool', type: 'enum', values: ['eslint', 'biome'] }] }));
    const { batch } = await svc.launch(ws, tpl.id, { values: { repo: 'acme/web', tool: 'biome' } });
    expect(batch).toMatchObject({ origin: { kind: 'template', id: tpl.id }, counts: { total: 1 } });
    expect(batch.items[0].request).toMatchObject({ prompt: 'Lint acme/web with biome', source: 'sources/github/acme/web' });
    const err = await failure(svc.launch(ws, tpl.id, { values: { repo: 'acme/web', tool: 'prettier' } }));
    expect(err.details?.issues).toEqual([{ path: 'body.values.tool', message: '{{tool}} must be one of eslint, biome (not "prettier")' }]);
    const none = await failure(svc.launch(ws, 'no-such-template', {}));
    expect(none.status).toBe(404);
  });

  it('leaves no batch behind when submitMany throws, or when storing the items fails (its intents cancelled)', async () => {
    const before = await stored();
    d.failNextSubmit(new Error('database is locked'));
    await expect(svc.create(ws, body({ input: { kind: 'prompt', prompt: 'Doomed', sources: ['acme/a'] }, idempotencyKey: 'doomed' }))).rejects.toThrow('database is locked');
    expect(await stored()).toEqual(before);
    // The key was not spent: the same body goes through now.
    await expect(svc.create(ws, body({ input: { kind: 'prompt', prompt: 'Doomed', sources: ['acme/a'] }, idempotencyKey: 'doomed' }))).resolves.toMatchObject({ created: true });

    const store = createBatchesStore(t.db);
    const flaky = createBatchesService({ store: { ...store, insertItems: async () => { throw new Error('disk full'); } }, clock, log, bus, dispatcher: d.service, templates });
    const mid = await stored();
    await expect(flaky.create(ws, body({ input: { kind: 'prompt', prompt: 'Half', sources: ['acme/h'] } }))).rejects.toThrow('disk full');
    flaky.close();
    const after = await stored();
    expect([after.batches, after.items]).toEqual([mid.batches, mid.items]);
    expect(d.intents.filter((i) => i.request.prompt === 'Half').map((i) => i.state)).toEqual(['cancelled']);
  });

  it('finishes a batch whose create stopped between its row and its items when the same key comes again, creating nothing twice', async () => {
    const store = createBatchesStore(t.db);
    // A create that "crashed" after submitMany: the row stays, the items were never stored.
    const crashed = createBatchesService({ store: { ...store, insertItems: async () => { throw new Error('SIGKILL'); }, remove: async () => {} }, clock, log, bus, dispatcher: { ...d.service, cancelByOrigin: async () => 0 }, templates });
    const b = body({ input: { kind: 'prompt', prompt: 'Resume me', sources: ['acme/r1', 'acme/r2'] }, idempotencyKey: 'resume' });
    await expect(crashed.create(ws, b)).rejects.toThrow('SIGKILL');
    crashed.close();
    expect(d.intents.filter((i) => i.request.prompt === 'Resume me')).toHaveLength(2);
    const { batch, created } = await svc.create(ws, b);
    expect(created).toBe(false);
    expect(batch.items.map((i) => i.label)).toEqual(['acme/r1', 'acme/r2']);
    expect(d.intents.filter((i) => i.request.prompt === 'Resume me')).toHaveLength(2);
  });

  it('derives item and batch state from the intents; cancel (409 when nothing waits) and retry of failed items', async () => {
    const { batch } = await svc.create(ws, body({ input: { kind: 'prompt', prompt: 'States', sources: ['acme/s1', 'acme/s2', 'acme/s3'] } }));
    const [a, b] = batch.items.map((i) => i.intentId);
    await d.move(a, { state: 'created', sessionId: 'sess-1' });
    await d.move(b, { state: 'failed', error: 'Could not get source' });
    const mid = await svc.get(ws, batch.id);
    expect(mid.items.map((i) => [i.state, i.sessionId, i.error, i.position])).toEqual([
      ['created', 'sess-1', null, null], ['failed', null, 'Could not get source', null], ['queued', null, null, expect.any(Number)],
    ]);
    expect(mid.counts).toEqual({ total: 3, queued: 1, dispatching: 0, created: 1, failed: 1, cancelled: 0 });
    now += 1000;
    const cancelled = await svc.cancel(ws, batch.id);
    expect([cancelled.state, cancelled.counts.cancelled]).toEqual(['cancelled', 1]);
    const again = await failure(svc.cancel(ws, batch.id));
    expect([again.status, again.details?.state]).toEqual([409, 'cancelled']);
    const retried = await svc.retry(ws, batch.id);
    expect([retried.state, retried.items[1].state]).toEqual(['running', 'queued']);
    await d.move(b, { state: 'created', sessionId: 'sess-2' });
    expect((await svc.get(ws, batch.id)).state).toBe('cancelled');
    expect((await failure(svc.retry(ws, batch.id))).status).toBe(409);
    expect((await failure(svc.get(other, batch.id))).status).toBe(404);
  });

  it('lists newest first in keyset pages, optionally by state', async () => {
    const w = randomUUID();
    await t.db.kysely.insertInto('workspaces').values({ id: w, name: w, created_at: new Date(now).toISOString() }).execute();
    const d2 = fakeDispatcher({ [w]: ['acct-w'] });
    const s2 = createBatchesService({ store: createBatchesStore(t.db), clock, log, bus, dispatcher: d2.service, templates });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      now += 1000;
      ids.push((await s2.create(w, body({ input: { kind: 'prompt', prompt: `p${i}`, sources: ['acme/l'] } }))).batch.id);
    }
    for (const i of d2.intents.filter((x) => [ids[1], ids[3]].includes(x.origin.id as string))) await d2.move(i.id, { state: 'created', sessionId: 's' });
    const p1 = await s2.list(w, { limit: 2 });
    const p2 = await s2.list(w, { limit: 2, cursor: p1.nextCursor as string });
    const p3 = await s2.list(w, { limit: 2, cursor: p2.nextCursor as string });
    expect([...p1.items, ...p2.items, ...p3.items].map((b) => b.id)).toEqual([...ids].reverse());
    expect(p3.nextCursor).toBeNull();
    const done = await s2.list(w, { limit: 1, state: 'done' });
    const done2 = await s2.list(w, { limit: 1, state: 'done', cursor: done.nextCursor as string });
    expect([done.items[0].id, done2.items[0].id, done2.nextCursor]).toEqual([ids[3], ids[1], null]);
    expect((await failure(s2.list(w, { limit: 2, cursor: 'garbage' }))).details?.issues?.[0].path).toBe('query.cursor');
    s2.close();
  });

  it('publishes batch.progress coalesced per batch, the final state always last', async () => {
    const events: AppEvent[] = [];
    const off = bus.subscribe((e) => events.push(e));
    const { batch } = await svc.create(ws, body({ input: { kind: 'prompt', prompt: 'Progress', sources: Array.from({ length: 30 }, (_, i) => `acme/p${i}`) } }));
    for (const it of batch.items) await d.move(it.intentId, { state: 'created', sessionId: `s-${it.index}` });
    await new Promise((r) => setTimeout(r, 150));
    off();
    const mine = events.filter((e) => e.type === 'batch.progress' && e.data.id === batch.id);
    // 30 submits and 30 creates without a pause: a few events, not 60.
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.length).toBeLessThanOrEqual(4);
    expect(mine.at(-1)?.data).toEqual({ id: batch.id, state: 'done', total: 30, queued: 0, dispatching: 0, created: 30, failed: 0, cancelled: 0 });
  });

  it('names the account problem in a preview and refuses it on create', async () => {
    const p = await svc.preview(other, body({ input: { kind: 'prompt', prompt: 'x', sources: ['acme/a'] } }));
    expect([p.accountId, p.problems[0]?.path]).toEqual([null, 'body.accountId']);
    const err = await failure(svc.create(other, body({ input: { kind: 'prompt', prompt: 'x', sources: ['acme/a'] } })));
    expect(err.details?.issues?.[0].path).toBe('body.accountId');
  });
});
