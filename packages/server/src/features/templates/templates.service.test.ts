import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { CreateTemplateBody } from '@autopilot/contracts';
import { createTestDb, requirePostgresInCi, testEngines, type TestDb } from '../../platform/db/testing';
import type { Clock } from '../../platform/clock';
import { AppError } from '../../platform/errors';
import { createTemplatesStore } from './templates.store';
import { createTemplatesService, type TemplatesService } from './templates.service';

requirePostgresInCi();

const body = (b: Record<string, unknown>) => CreateTemplateBody.parse(b);
const failure = async (p: Promise<unknown>): Promise<AppError> => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
};

/** The service on a real store, on SQLite and (with TEST_DATABASE_URL) PostgreSQL. */
describe.each(testEngines())('templates service and store (%s)', (engine) => {
  let t: TestDb;
  let now = Date.parse('2026-12-02T08:00:00.000Z');
  const clock: Clock = { now: () => now, sleep: async () => {} };
  const ws = randomUUID();
  const other = randomUUID();
  let svc: TemplatesService;
  beforeAll(async () => {
    t = await createTestDb(engine);
    for (const id of [ws, other]) await t.db.kysely.insertInto('workspaces').values({ id, name: id, created_at: new Date(now).toISOString() }).execute();
    svc = createTemplatesService({ store: createTemplatesStore(t.db), clock, log: pino({ level: 'silent' }) });
  });
  afterAll(async () => t?.cleanup());

  it('stores the canonical definition and reads it back the same; updates bump the version and keep createdAt', async () => {
    const created = await svc.create(ws, body({
      name: 'Deps', prompt: 'Update {{pkg}}', sources: ['acme/a', 'github/acme/a'], tags: ['Weekly', 'weekly'], keeper: { paused: true, holdWords: ['drop', 'drop'] },
      variables: [{ name: 'pkg', type: 'enum', values: ['zod', 'hono'], default: 'zod', description: 'which one' }],
    }));
    expect(created).toMatchObject({ version: 1, sources: ['sources/github/acme/a'], tags: ['weekly'], keeper: { paused: true, holdWords: ['drop'] }, title: null, branch: null, automationMode: 'NONE', requirePlanApproval: false, description: '' });
    expect(await svc.get(ws, created.id)).toEqual(created);
    now += 60_000;
    const updated = await svc.update(ws, created.id, { ...body({ name: 'Deps', prompt: 'Update {{pkg}} now', tags: ['monthly'], variables: created.variables }), version: 1 });
    expect(updated).toMatchObject({ version: 2, createdAt: created.createdAt, updatedAt: new Date(now).toISOString(), tags: ['monthly'] });
    const stale = await failure(svc.update(ws, created.id, { ...body({ name: 'Deps', prompt: 'x' }), version: 1 }));
    expect([stale.status, stale.details?.currentVersion]).toEqual([409, 2]);
    expect((await svc.get(ws, created.id)).prompt).toBe('Update {{pkg}} now');
  });

  it('keeps names unique per workspace, case-insensitively, and free in another workspace', async () => {
    await svc.create(ws, body({ name: 'Lint', prompt: 'lint' }));
    const dup = await failure(svc.create(ws, body({ name: 'LINT', prompt: 'again' })));
    expect(dup.status).toBe(409);
    expect(dup.details?.issues?.[0].path).toBe('body.name');
    await expect(svc.create(other, body({ name: 'lint', prompt: 'mine' }))).resolves.toMatchObject({ name: 'lint' });
  });

  it('refuses undeclared variables naming the field, and stores nothing', async () => {
    const err = await failure(svc.create(ws, body({ name: 'broken', prompt: 'Hi {{who}}', title: '{{what}}' })));
    expect(err.status).toBe(400);
    expect(err.details?.issues).toEqual([
      { path: 'body.prompt', message: '{{who}} is used in the prompt but not declared in variables' },
      { path: 'body.title', message: '{{what}} is used in the title but not declared in variables' },
    ]);
    expect((await svc.list(ws, { limit: 100 })).items.map((i) => i.name)).not.toContain('broken');
  });

  it('pages by name with the cursor, filters by tag, and never shows another workspace', async () => {
    const w = randomUUID();
    await t.db.kysely.insertInto('workspaces').values({ id: w, name: w, created_at: new Date(now).toISOString() }).execute();
    const names = ['e', 'B', 'a', 'd', 'C'];
    for (const [i, name] of names.entries()) await svc.create(w, body({ name, prompt: name, tags: i % 2 === 0 ? ['even'] : ['odd'] }));
    await svc.create(other, body({ name: 'A0', prompt: 'x', tags: ['even'] }));
    const walk = async (tag?: string) => {
      const out: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await svc.list(w, { limit: 2, cursor, tag });
        out.push(...page.items.map((i) => i.name));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return out;
    };
    expect(await walk()).toEqual(['a', 'B', 'C', 'd', 'e']);
    expect(await walk('EVEN')).toEqual(['a', 'C', 'e']);
    expect(await walk('odd')).toEqual(['B', 'd']);
    expect(await walk('none')).toEqual([]);
    const bad = await failure(svc.list(w, { limit: 2, cursor: 'zzz' }));
    expect(bad.details?.issues?.[0].path).toBe('query.cursor');
  });

  it('deletes with its tags; another workspace cannot read, preview, update or delete it', async () => {
    const tpl = await svc.create(ws, body({ name: 'gone soon', prompt: 'x {{n}}', tags: ['temp'], variables: [{ name: 'n', type: 'number', required: true }] }));
    // Started one at a time: a promise made before its turn would reject with nobody awaiting it yet.
    const attempts = [() => svc.get(other, tpl.id), () => svc.preview(other, tpl.id, {}), () => svc.update(other, tpl.id, { ...body({ name: 'x', prompt: 'y' }), version: 1 }), () => svc.remove(other, tpl.id)];
    for (const attempt of attempts) {
      expect((await failure(attempt())).status).toBe(404);
    }
    expect((await svc.preview(ws, tpl.id, { n: '7' })).prompt).toBe('x 7');
    await svc.remove(ws, tpl.id);
    expect((await failure(svc.get(ws, tpl.id))).status).toBe(404);
    expect((await svc.list(ws, { limit: 10, tag: 'temp' })).items).toEqual([]);
    const left = await t.db.kysely.selectFrom('template_tags').selectAll().where('template_id', '=', tpl.id).execute();
    expect(left).toEqual([]);
  });
});
