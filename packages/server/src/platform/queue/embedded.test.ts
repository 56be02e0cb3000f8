import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDb, requirePostgresInCi, testEngines } from '../db/testing';
import { createQueue, defineJobs } from './index';
import { runQueueContract } from './test/contract';

// With CI=true a missing TEST_DATABASE_URL fails this file instead of silently testing SQLite only.
requirePostgresInCi();

for (const engine of testEngines()) {
  runQueueContract(`embedded/${engine}`, async () => {
    const t = await createTestDb(engine);
    return { target: { kind: 'embedded', db: t.target }, cleanup: t.cleanup };
  });

  describe(`embedded queue housekeeping (${engine})`, () => {
    const catalog = defineJobs({ tick: { payload: z.object({}), attempts: 1, timeoutMs: 1000 } });

    it('prunes finished jobs past retention and fails a final attempt whose worker was lost', async () => {
      const t = await createTestDb(engine);
      let now = 1_000_000;
      const clock = { now: () => now, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 20))) };
      const queue = createQueue({
        kind: 'embedded', db: t.db, catalog, clock, pollMs: 10, lockGraceMs: 0, maintenanceMs: 0,
        retention: { completedKeep: 2, completedMaxAgeMs: 10_000 },
      });
      try {
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) ids.push((await queue.enqueue('tick', {})).id);
        // A job whose worker died on its only attempt: active, lock expired, no attempts left.
        const lost = (await queue.enqueue('tick', {})).id;
        await t.db.kysely.updateTable('jobs').set({ state: 'active', attempts: 1, locked_by: 'dead', locked_until: now - 1 }).where('id', '=', lost).execute();
        queue.handle('tick', async () => { now += 1; });
        await queue.start();
        const done = async () => (await queue.counts()).completed + (await t.db.kysely.selectFrom('jobs').select('id').where('state', '=', 'waiting').execute()).length;
        for (let i = 0; i < 500 && (await queue.getJob(lost))?.state !== 'failed'; i++) await new Promise((r) => setTimeout(r, 10));
        expect(await queue.getJob(lost)).toMatchObject({ state: 'failed', lastError: expect.stringContaining('Worker lost') });
        // Keep-newest-2 applies on the next housekeeping pass after the completions.
        for (let i = 0; i < 500 && (await done()) !== 2; i++) { now += 1; await new Promise((r) => setTimeout(r, 10)); }
        expect((await queue.counts()).completed).toBe(2);
        now += 20_000; // past the age limit: everything completed goes
        for (let i = 0; i < 500 && (await queue.counts()).completed !== 0; i++) await new Promise((r) => setTimeout(r, 10));
        expect(await queue.counts()).toMatchObject({ completed: 0, waiting: 0, active: 0 });
      } finally {
        await queue.close();
        await t.cleanup();
      }
    });
  });
}
