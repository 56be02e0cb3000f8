import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { CreateTemplateBody, type ScheduleTarget } from '@autopilot/contracts';
import type { Clock } from '../../platform/clock';
import { createTestDb, requirePostgresInCi, testEngines, type TestDb } from '../../platform/db/testing';
import { createMemoryBus, type EventBus } from '../../platform/events/bus';
import type { ScheduledRun } from '../schedules';
import { createTemplatesFeature, type TemplatesService } from '../templates';
import { createBatchesStore } from './batches.store';
import { createBatchesService, type BatchesService } from './batches.service';
import { scheduleRunner } from './batches.schedule-runner';
import { fakeDispatcher } from './batches.test-support';

requirePostgresInCi();

const log = pino({ level: 'silent' });

describe.each(testEngines())('schedule runner over batches (%s)', (engine) => {
  let t: TestDb;
  const clock: Clock = { now: () => Date.parse('2026-12-02T07:00:00.000Z'), sleep: async () => {} };
  const ws = randomUUID();
  const d = fakeDispatcher({ [ws]: ['acct-1'] });
  let bus: EventBus;
  let templates: TemplatesService;
  let batches: BatchesService;
  let templateId: string;
  const run = (target: ScheduleTarget, runId = randomUUID(), signal = new AbortController().signal): ScheduledRun => ({
    runId, scheduleId: 'sch-1', workspaceId: ws, scheduleName: 'Weekly deps', fireAt: clock.now(), attempt: 1, missed: 0, target, signal,
  });

  beforeAll(async () => {
    t = await createTestDb(engine);
    await t.db.kysely.insertInto('workspaces').values({ id: ws, name: ws, created_at: new Date(clock.now()).toISOString() }).execute();
    bus = createMemoryBus();
    templates = createTemplatesFeature({ db: t.db, clock, log }).service;
    batches = createBatchesService({ store: createBatchesStore(t.db), clock, log, bus, dispatcher: d.service, templates });
    templateId = (await templates.create(ws, CreateTemplateBody.parse({
      name: 'Deps', prompt: 'Update {{pkg}} in {{repo}}', variables: [{ name: 'repo', type: 'repo' }, { name: 'pkg', type: 'string', required: true }],
    }))).id;
  });
  afterAll(async () => {
    batches?.close();
    await bus?.close();
    await t?.cleanup();
  });

  it('fires a template target as a one-item batch with origin schedule, linking it; the same run again creates nothing', async () => {
    const r = run({ kind: 'template', templateId, variables: { repo: 'acme/web', pkg: 'zod' } });
    const first = await scheduleRunner(batches).run(r);
    expect(first).toMatchObject({ outcome: 'ok', reason: '1 session queued', links: [{ label: 'batch', url: expect.stringMatching(/^\/batches\/.+/) }] });
    const id = first.links?.[0].url.slice('/batches/'.length) as string;
    const batch = await batches.get(ws, id);
    expect(batch).toMatchObject({ name: 'Weekly deps', origin: { kind: 'schedule', id: r.runId }, idempotencyKey: `schedule:${r.runId}`, counts: { total: 1 } });
    expect(batch.items[0].request).toMatchObject({ prompt: 'Update zod in acme/web', source: 'sources/github/acme/web' });
    const count = d.intents.length;
    // A retried or taken-over run (attempt 2) answers the same batch.
    const second = await scheduleRunner(batches).run({ ...r, attempt: 2 });
    expect(second.links).toEqual(first.links);
    expect(d.intents.length).toBe(count);
  });

  it('fires a batch target as the template over its sources', async () => {
    const res = await scheduleRunner(batches).run(run({ kind: 'batch', templateId, sources: ['acme/a', 'github/acme/b', 'acme/a'], variables: { pkg: 'hono' } }));
    expect(res).toMatchObject({ outcome: 'ok', reason: '2 sessions queued' });
    const batch = await batches.get(ws, res.links?.[0].url.split('/').at(-1) as string);
    expect(batch.items.map((i) => i.request.prompt)).toEqual(['Update hono in acme/a', 'Update hono in acme/b']);
  });

  it('records a refused launch as failed with the reason naming the target field, and creates nothing', async () => {
    const before = d.intents.length;
    const res = await scheduleRunner(batches).run(run({ kind: 'template', templateId, variables: { repo: 'acme/web' } }));
    expect(res).toEqual({ outcome: 'failed', reason: expect.stringContaining('{{pkg}} is required and has no default') });
    expect(res.reason).toContain('target.variables.pkg');
    const gone = await scheduleRunner(batches).run(run({ kind: 'template', templateId: 'deleted-template', variables: {} }));
    expect(gone).toEqual({ outcome: 'failed', reason: 'target.templateId: no template with this id in this workspace' });
    const aborted = new AbortController();
    aborted.abort();
    expect((await scheduleRunner(batches).run(run({ kind: 'template', templateId, variables: { pkg: 'x' } }, randomUUID(), aborted.signal))).outcome).toBe('failed');
    expect(d.intents.length).toBe(before);
  });
});
