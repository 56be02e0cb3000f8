import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDb, requirePostgresInCi, testEngines } from '../db/testing';
import { createQueue, defineJobs } from './index';
import * as store from './embedded-store';
import { runQueueContract, waitFor } from './test/contract';

// With CI=true a missing TEST_DATABASE_URL fails this file instead of silently testing SQLite only.
requirePostgresInCi();

for (const engine of testEngines()) {
  runQueueContract(`embedded/${engine}`, async () => {
    const t = await createTestDb(engine);
    return { target: { kind: 'embedded', db: t.target }, cleanup: t.cleanup };
  });

  describe(`embedded queue housekeeping (${engine})`, () => {
    const catalog = defineJobs({ tick: { payload: z.object({}), attempts: 1, timeoutMs: 1000 } });
    const retention = { completedKeep: 2, completedMaxAgeMs: 10_000, failedKeep: 5, failedMaxAgeMs: 10_000 };

    it('prunes completed jobs beyond the newest N and past their age', async () => {
      const t = await createTestDb(engine);
      try {
        const queue = createQueue({ kind: 'embedded', db: t.db, catalog });
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push((await queue.enqueue('tick', {})).id);
        // finished_at 100, 200, ... 500; the two newest (400, 500) are kept by count.
        for (const [i, id] of ids.entries()) {
          await t.db.kysely.updateTable('jobs').set({ state: 'completed', finished_at: (i + 1) * 100 }).where('id', '=', id).execute();
        }
        expect(await store.pruneFinished(t.db, 'default', 1000, retention)).toBe(3);
        expect((await t.db.kysely.selectFrom('jobs').select('id').orderBy('finished_at').execute()).map((r) => r.id)).toEqual(ids.slice(3));
        // Past the age limit everything finished goes, whatever the count.
        expect(await store.pruneFinished(t.db, 'default', 500 + 10_001, retention)).toBe(2);
        expect(await queue.counts()).toEqual({ waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0 });
      } finally {
        await t.cleanup();
      }
    });

    it('fails a job whose worker died during its final attempt instead of leaving it active', async () => {
      const t = await createTestDb(engine);
      const queue = createQueue({ kind: 'embedded', db: t.db, catalog, pollMs: 10, maintenanceMs: 0 });
      try {
        const lost = (await queue.enqueue('tick', {}, { dedupeKey: 'k' })).id;
        await t.db.kysely.updateTable('jobs').set({ state: 'active', attempts: 1, locked_by: 'dead', locked_until: Date.now() - 1 }).where('id', '=', lost).execute();
        const ran: string[] = [];
        queue.handle('tick', async (_p, ctx) => void ran.push(ctx.id));
        await queue.start();
        await waitFor('lost job failed', async () => (await queue.getJob(lost))?.state === 'failed');
        expect(await queue.getJob(lost)).toMatchObject({ state: 'failed', attempts: 1, lastError: expect.stringContaining('Worker lost') });
        expect(ran).toEqual([]);
        // Its dedupe key was released with it.
        expect((await queue.enqueue('tick', {}, { dedupeKey: 'k' })).deduped).toBe(false);
      } finally {
        await queue.close();
        await t.cleanup();
      }
    });
  });
}
