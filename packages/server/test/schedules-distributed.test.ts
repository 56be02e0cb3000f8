import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import type { Template } from '@autopilot/contracts';
import { startTestOrchestrator, type TestOrchestrator } from './harness';
import { scheduleRunner } from '../src/features/batches';
import { createSchedulesService } from '../src/features/schedules/schedules.service';
import { createSchedulesStore } from '../src/features/schedules/schedules.store';
import { createLogger } from '../src/platform/logger';

const pgUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
if (process.env.CI === 'true' && (!pgUrl || !redisUrl)) throw new Error('CI=true requires TEST_DATABASE_URL and TEST_REDIS_URL');

const KEY = 'jules-schedules-distributed-0123456789';
const MIN = 60_000;
const FIRES = 55;

describe('schedules on two instances', () => {
  it.runIf(!!(pgUrl && redisUrl))(
    `PostgreSQL + Redis, two full orchestrators ticking together over ${FIRES} fire times: each run fired once, each run's batch one session on Jules`,
    async () => {
      const dbName = `autopilot_t_${randomBytes(5).toString('hex')}`;
      const admin = async (q: string) => {
        const c = new pg.Client({ connectionString: pgUrl });
        await c.connect();
        await c.query(q);
        await c.end();
      };
      await admin(`create database ${dbName}`);
      let a: TestOrchestrator | undefined;
      let b: TestOrchestrator | undefined;
      let sim: JulesSimulator | undefined;
      let srv: ListeningSimulator | undefined;
      try {
        sim = createJulesSimulator({ apiKeys: [KEY], sessions: 0, manualClock: true, seed: 3 });
        srv = await sim.listen(0, '127.0.0.1');
        const url = new URL(pgUrl!);
        url.pathname = `/${dbName}`;
        const env = {
          DATABASE_URL: url.toString(), REDIS_URL: redisUrl!, REDIS_PREFIX: `autopilot-t-${randomBytes(5).toString('hex')}`, AUTOPILOT_MASTER_KEY: 'd'.repeat(64),
          JULES_API_KEY: KEY, JULES_API_BASE_URL: srv.baseUrl, JULES_POLL_INTERVAL_MS: '3600000',
        };
        [a, b] = await Promise.all([startTestOrchestrator(env), startTestOrchestrator(env)]);
        expect((await a.request('/api/keeper/settings', { method: 'PUT', json: { enabled: false } })).status).toBe(200);
        const ws = ((await (await a.request('/api/me')).json()) as { workspace: { id: string } }).workspace.id;
        const tpl = (await (await a.request('/api/templates', { method: 'POST', json: { name: 'Nightly tidy', prompt: 'Tidy the changelog [sim:happy]' } })).json()) as Template;

        // Each instance's schedules service with a clock the test moves (days ahead, so the instances' own loops,
        // on the real clock, never find these fire times due), firing through that instance's batches.
        const clock = { t: Date.now() + 2 * 86_400_000 - ((Date.now() + 2 * 86_400_000) % MIN), now() { return this.t; }, sleep: async () => {} };
        const log = createLogger({ level: 'silent' });
        const on = (o: TestOrchestrator, id: string) => createSchedulesService({ store: createSchedulesStore(o.orch.db), clock, log, instanceId: id, runner: scheduleRunner(o.orch.batches) });
        const sa = on(a, 'inst-a');
        const sb = on(b, 'inst-b');
        const sch = await sa.create(ws, { name: 'every minute', cron: '* * * * *', timezone: 'Europe/Berlin', enabled: true, missedRunPolicy: 'skip', target: { kind: 'template', templateId: tpl.id, variables: {} } });
        const start = clock.t;
        for (let m = 1; m <= FIRES; m++) {
          for (const offset of [1_000, 29_000]) {
            clock.t = start + m * MIN + offset;
            await Promise.all([sa.tick(), sb.tick()]);
          }
        }
        const runs = (await sa.runs(ws, sch.id, { limit: 500 })).items;
        expect(runs.length).toBe(FIRES);
        expect(new Set(runs.map((r) => r.fireAt)).size).toBe(FIRES);
        expect(runs.filter((r) => r.outcome !== 'ok')).toEqual([]);
        // Both instances fired some: the work really was shared.
        const holders = await a.orch.db.kysely.selectFrom('schedule_runs').select(['claimed_by']).where('schedule_id', '=', sch.id).execute();
        expect(new Set(holders.map((h) => h.claimed_by))).toEqual(new Set(['inst-a', 'inst-b']));

        // Every run's batch: one item, created through the dispatchers (BullMQ jobs on Redis), once on Jules.
        const intents = async () => a!.orch.db.kysely.selectFrom('dispatch_intents').select(['state', 'jules_id']).where('origin_kind', '=', 'batch').execute();
        for (let i = 0; i < 600 && (await intents()).filter((x) => x.state === 'created').length < FIRES; i++) await new Promise((r) => setTimeout(r, 100));
        const done = await intents();
        expect(done.length).toBe(FIRES);
        expect(done.every((x) => x.state === 'created')).toBe(true);
        expect(new Set(done.map((x) => x.jules_id)).size).toBe(FIRES);
        expect(sim.sessions().filter((s) => s.title.startsWith('Tidy the changelog')).length).toBe(FIRES);
      } finally {
        await a?.close();
        await b?.close();
        await srv?.close();
        await admin(`drop database if exists ${dbName} with (force)`);
      }
    },
    240_000,
  );
});
