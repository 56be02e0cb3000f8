import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock';
import type { Db } from '../../platform/db';
import { createLogger } from '../../platform/logger';
import { createSchedulesStore } from './schedules.store';
import { createSchedulesService, type RunResult, type ScheduledRun, type SchedulesDeps } from './schedules.service';

/** A clock the test moves by hand. */
export function manualClock(start: number): Clock & { set(ms: number): void } {
  let now = start;
  return { now: () => now, sleep: async () => {}, set: (ms) => void (now = ms) };
}

/** A runner that records every run it is handed and answers ok (or what `answer` says). */
export function fakeRunner(answer?: (r: ScheduledRun) => Promise<RunResult> | RunResult) {
  const calls: ScheduledRun[] = [];
  return {
    calls,
    run: async (r: ScheduledRun): Promise<RunResult> => {
      calls.push(r);
      return answer ? answer(r) : { outcome: 'ok', links: [{ label: 'session', url: `https://jules.example/s/${r.runId}` }] };
    },
  };
}

export async function newWorkspace(db: Db): Promise<string> {
  const id = randomUUID();
  await db.kysely.insertInto('workspaces').values({ id, name: `ws-${id.slice(0, 8)}`, created_at: new Date().toISOString() }).execute();
  return id;
}

export const silent = createLogger({ level: 'silent' });

export function service(db: Db, clock: Clock, o: Partial<SchedulesDeps> = {}) {
  return createSchedulesService({ store: createSchedulesStore(db), clock, log: silent, instanceId: o.instanceId ?? 'test-a', ...o });
}

export const template = { kind: 'template' as const, templateId: 'tpl_1', variables: { repo: 'acme/web' } };
