import { randomUUID } from 'node:crypto';
import { runAs } from '../../platform/actor';
import { z } from 'zod';
import type { CreateScheduleBody, FieldIssue, NextRuns, RunLink, Schedule, ScheduleRun, ScheduleTarget, UpdateScheduleBody } from '@autopilot/contracts';
import { iso, type Clock } from '../../platform/clock';
import { cursorCodec } from '../../platform/cursor';
import { isUniqueViolation } from '../../platform/db';
import type { ScheduleRunsTable, SchedulesTable } from '../../platform/db/schema';
import { badRequest, conflict, notFound } from '../../platform/errors';
import type { EventBus } from '../../platform/events/bus';
import type { Logger } from '../../platform/logger';
import type { SchedulesStore } from './schedules.store';
import { canonicalZone, cronIssue, describe, firesBetween, localIso, nextFire, nextFires, type TimingSpec } from './schedules.timing';

/** One fire of a schedule, handed to the runner. `runId` is stable across retries: the launch's idempotency key. */
export interface ScheduledRun {
  runId: string;
  scheduleId: string;
  workspaceId: string;
  scheduleName: string;
  /** The fire time this run is for (epoch ms). */
  fireAt: number;
  /** 1 on the first claim; more when an instance took over a claim whose holder died before its outcome. */
  attempt: number;
  /** Fire times missed during a downtime that this run stands for (missed-run policy run_once); 0 on time. */
  missed: number;
  target: ScheduleTarget;
  /** Aborted when the claim is about to be presumed dead (another instance would take it over). */
  signal: AbortSignal;
}

export interface RunResult {
  outcome: 'ok' | 'failed' | 'skipped';
  reason?: string;
  links?: RunLink[];
}

/** What fires a schedule's target (the dispatcher, once it exists). A throw records the run as failed. */
export interface ScheduleRunner {
  run(r: ScheduledRun): Promise<RunResult>;
}

/** Until the dispatcher exists, every run is recorded honestly as skipped, and nothing is launched. */
export const notYetRunner: ScheduleRunner = {
  run: async () => ({ outcome: 'skipped', reason: 'launching through the dispatcher is not built yet' }),
};

export interface SchedulesDeps {
  store: SchedulesStore;
  clock: Clock;
  log: Logger;
  /** Written on every claim, so a restart of the same instance (stable INSTANCE_ID) retries its own at once. */
  instanceId: string;
  runner?: ScheduleRunner;
  /**
   * A fire time older than this when a tick sees it was missed (no instance was running): the missed-run policy
   * decides. Default 2 minutes (several ticks of the loop).
   */
  lateAfterMs?: number;
  /** A pending claim older than this is presumed dead and taken over. Default 5 minutes. */
  claimTimeoutMs?: number;
  /** Takes of one run before it is recorded failed. Default 3. */
  maxAttempts?: number;
  /** Where `schedule.run` goes once a run's outcome is recorded; none = not announced. */
  bus?: EventBus;
}

/** Fire times counted per schedule and tick when catching up after a downtime (the count says "at least" past it). */
const MAX_COUNTED = 10_000;
const DUE_PER_TICK = 200;

const RunKey = z.object({ fireAt: z.number(), id: z.string() });
const runCursor = cursorCodec(RunKey);

const specOf = (s: Pick<SchedulesTable, 'cron' | 'interval_seconds' | 'timezone' | 'anchor_at'>): TimingSpec =>
  s.cron !== null ? { cron: s.cron, timezone: s.timezone } : { intervalSeconds: s.interval_seconds ?? 60, anchorAt: s.anchor_at };

const toSchedule = (r: SchedulesTable): Schedule => ({
  id: r.id,
  name: r.name,
  cron: r.cron,
  intervalSeconds: r.interval_seconds,
  timezone: r.timezone,
  description: describe({ cron: r.cron, intervalSeconds: r.interval_seconds, timezone: r.timezone }),
  enabled: r.enabled === 1,
  missedRunPolicy: r.missed_run_policy === 'run_once' ? 'run_once' : 'skip',
  target: JSON.parse(r.target) as ScheduleTarget,
  nextRunAt: r.next_fire_at === null ? null : iso(r.next_fire_at),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toRun = (r: ScheduleRunsTable): ScheduleRun => ({
  id: r.id,
  scheduleId: r.schedule_id,
  fireAt: iso(r.fire_at),
  claimedAt: iso(r.claimed_at),
  startedAt: r.started_at === null ? null : iso(r.started_at),
  finishedAt: r.finished_at === null ? null : iso(r.finished_at),
  outcome: r.outcome as ScheduleRun['outcome'],
  reason: r.reason,
  attempts: r.attempts,
  missed: r.missed,
  links: JSON.parse(r.links) as RunLink[],
});

/** What one tick did (tests and logs). */
export interface TickResult {
  /** Runs this instance claimed and handed to the runner (fresh and taken over). */
  fired: number;
  /** Runs recorded as skipped by the missed-run policy. */
  skippedMissed: number;
  /** Pending runs taken over from a claimer presumed dead. */
  takenOver: number;
}

/**
 * Schedules: CRUD with validated cron/interval and zone, next-run previews, history, and the firing tick that
 * claims each due fire time with one UNIQUE insert (README.md says why that is exactly once).
 */
export function createSchedulesService(deps: SchedulesDeps) {
  const { store, clock, log, instanceId } = deps;
  const runner = deps.runner ?? notYetRunner;
  const lateAfterMs = deps.lateAfterMs ?? 120_000;
  const claimTimeoutMs = deps.claimTimeoutMs ?? 5 * 60_000;
  const maxAttempts = deps.maxAttempts ?? 3;
  let startedOnce = false;

  async function get(workspaceId: string, id: string): Promise<SchedulesTable> {
    const row = await store.byId(workspaceId, id);
    if (!row) throw notFound('schedule', id);
    return row;
  }

  /** The zone, canonical; a 400 naming `body.timezone` when the runtime does not know it. */
  function zone(tz: string): string {
    const z = canonicalZone(tz);
    if (!z) throw badRequest(`Unknown time zone ${JSON.stringify(tz.slice(0, 64))}`, [{ path: 'body.timezone', message: 'not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)' }]);
    return z;
  }

  function checkCron(cron: string, tz: string) {
    const issue: FieldIssue | null = cronIssue(cron, tz, 'body.cron', clock.now());
    if (issue) throw badRequest(`Invalid cron expression: ${issue.message}`, [issue]);
  }

  const nextAfter = (row: Pick<SchedulesTable, 'cron' | 'interval_seconds' | 'timezone' | 'anchor_at'>, afterMs: number) => nextFire(specOf(row), afterMs);

  async function write<T>(fn: () => Promise<T>, name: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`A schedule named ${JSON.stringify(name)} exists`, [{ path: 'body.name', message: 'already used in this workspace' }]);
      throw err;
    }
  }

  // ---- firing ------------------------------------------------------------------------------------------------

  /** `schedule.run`, after the run's outcome is recorded (by the instance that recorded it). */
  async function announce(run: Pick<ScheduleRunsTable, 'id'>, schedule: Pick<SchedulesTable, 'id' | 'workspace_id' | 'name'>, outcome: 'ok' | 'failed' | 'skipped', reason: string | null, links: RunLink[]) {
    if (!deps.bus) return;
    const batchId = links.map((l) => /^\/batches\/([^/?#]+)$/.exec(l.url)?.[1]).find((x): x is string => !!x) ?? null;
    try {
      await deps.bus.publish('schedule.run', schedule.workspace_id, { scheduleId: schedule.id, name: schedule.name, runId: run.id, outcome, reason, batchId });
    } catch (err) {
      log.warn({ err, runId: run.id }, 'could not publish schedule.run');
    }
  }

  /** Runs a claim this instance holds through the runner and records the outcome (if the claim is still ours). */
  async function execute(run: ScheduleRunsTable, schedule: SchedulesTable): Promise<void> {
    if (!(await store.start(run.id, instanceId, run.attempts, clock.now()))) return;
    const ac = new AbortController();
    // Real time on purpose: the abort guards the claim against the wall clock the other instances compare with.
    const timer = setTimeout(() => ac.abort(), Math.max(1000, claimTimeoutMs - 5000));
    let result: RunResult;
    try {
      // What the run launches (sessions, batches, LLM calls) is attributed to the schedule (issue #16).
      result = await runAs({ kind: 'schedule', id: schedule.id, name: schedule.name }, () => runner.run({
        runId: run.id, scheduleId: schedule.id, workspaceId: schedule.workspace_id, scheduleName: schedule.name, fireAt: run.fire_at,
        attempt: run.attempts, missed: run.missed, target: JSON.parse(schedule.target) as ScheduleTarget, signal: ac.signal,
      }));
    } catch (err) {
      result = { outcome: 'failed', reason: (err instanceof Error ? err.message : String(err)).slice(0, 2000) };
    } finally {
      clearTimeout(timer);
    }
    const reason = [run.reason, result.reason].filter((x): x is string => !!x).join('; ') || null;
    const links = (result.links ?? []).slice(0, 50);
    const recorded = await store.finish(run.id, instanceId, run.attempts, { outcome: result.outcome, reason, links: JSON.stringify(links), finished_at: clock.now() });
    if (!recorded) log.warn({ runId: run.id, scheduleId: schedule.id }, 'schedule run was taken over by another instance before its outcome was recorded');
    else await announce(run, schedule, result.outcome, reason, links);
  }

  const claimRow = (s: SchedulesTable, fireAt: number, now: number, o: Partial<ScheduleRunsTable> = {}): ScheduleRunsTable => ({
    id: randomUUID(), workspace_id: s.workspace_id, schedule_id: s.id, fire_at: fireAt, claimed_by: instanceId, claimed_at: now, attempts: 1,
    started_at: null, finished_at: null, outcome: 'pending', reason: null, missed: 0, links: '[]', ...o,
  });

  /** Claims what is due of one schedule (the missed-run policy applied) and moves its next fire time on. */
  async function fireDue(s: SchedulesTable, now: number, out: TickResult): Promise<Array<[ScheduleRunsTable, SchedulesTable]>> {
    const from = s.next_fire_at!;
    const spec = specOf(s);
    const { fires, more } = firesBetween(spec, from, now, MAX_COUNTED);
    const onTime = fires.filter((f) => now - f <= lateAfterMs);
    const missed = fires.filter((f) => now - f > lateAfterMs);
    const mine: Array<[ScheduleRunsTable, SchedulesTable]> = [];
    if (missed.length > 0) {
      const last = missed[missed.length - 1]!;
      const n = missed.length;
      const count = `${more ? 'at least ' : ''}${n} run${n === 1 && !more ? '' : 's'}`;
      const span = `${iso(missed[0]!)} to ${iso(last)}`;
      if (s.missed_run_policy === 'run_once' && onTime.length === 0) {
        const row = claimRow(s, last, now, { missed: n, reason: `catch-up: ${count} missed while no instance was running (${span}), run once (missed-run policy run_once)` });
        if (await store.claim(row)) mine.push([row, s]);
      } else {
        const why = s.missed_run_policy === 'run_once' ? 'the on-time run that follows stands for them' : 'missed-run policy skip';
        const row = claimRow(s, last, now, { missed: n, outcome: 'skipped', finished_at: now, reason: `${count} missed while no instance was running (${span}): not run (${why})` });
        if (await store.claim(row)) {
          out.skippedMissed++;
          await announce(row, s, 'skipped', row.reason, []);
        }
      }
    }
    for (const f of onTime) {
      const row = claimRow(s, f, now);
      if (await store.claim(row)) mine.push([row, s]);
    }
    // Past what was counted (a very long downtime): the next tick continues from there.
    const to = more ? nextFire(spec, fires[fires.length - 1]!) : nextFire(spec, now);
    await store.advance(s.id, from, to);
    return mine;
  }

  /** Takes over pending claims whose holder is presumed dead (or, at start, claims of this instance's previous life). */
  async function reconcile(now: number, atStart: boolean, out: TickResult): Promise<Array<[ScheduleRunsTable, SchedulesTable]>> {
    const stale = await store.stalePending(now - claimTimeoutMs, atStart ? instanceId : null, DUE_PER_TICK);
    const mine: Array<[ScheduleRunsTable, SchedulesTable]> = [];
    for (const r of stale) {
      if (!(await store.takeOver(r, instanceId, now))) continue;
      const taken: ScheduleRunsTable = { ...r, claimed_by: instanceId, claimed_at: now, attempts: r.attempts + 1, started_at: null };
      out.takenOver++;
      const s = await store.scheduleOf(r.schedule_id);
      if (!s) continue; // deleted meanwhile: its runs went with it
      if (taken.attempts > maxAttempts) {
        const reason = `abandoned: claimed ${r.attempts} times without an outcome (each claimer stopped before recording one)`;
        if (await store.finish(r.id, instanceId, taken.attempts, { outcome: 'failed', finished_at: now, links: r.links, reason })) await announce(r, s, 'failed', reason, JSON.parse(r.links) as RunLink[]);
        continue;
      }
      log.warn({ runId: r.id, scheduleId: r.schedule_id, attempt: taken.attempts, previousHolder: r.claimed_by }, 'retrying a schedule run whose claimer stopped before recording an outcome');
      mine.push([taken, s]);
    }
    return mine;
  }

  return {
    list: async (workspaceId: string) => ({ items: (await store.list(workspaceId)).map(toSchedule) }),
    get: async (workspaceId: string, id: string) => toSchedule(await get(workspaceId, id)),

    async create(workspaceId: string, body: CreateScheduleBody): Promise<Schedule> {
      const tz = zone(body.timezone);
      const cron = 'cron' in body ? body.cron : null;
      const interval = 'intervalSeconds' in body ? body.intervalSeconds : null;
      if (cron !== null) checkCron(cron, tz);
      const now = clock.now();
      const at = iso(now);
      const row: SchedulesTable = {
        id: randomUUID(), workspace_id: workspaceId, name: body.name, cron, interval_seconds: cron !== null ? null : interval,
        timezone: tz, enabled: body.enabled ? 1 : 0, missed_run_policy: body.missedRunPolicy, target: JSON.stringify(body.target), anchor_at: now,
        next_fire_at: null, created_at: at, updated_at: at,
      };
      if (body.enabled) row.next_fire_at = nextAfter(row, now);
      await write(() => store.insert(row), body.name);
      return toSchedule(row);
    },

    async update(workspaceId: string, id: string, body: UpdateScheduleBody): Promise<Schedule> {
      const cur = await get(workspaceId, id);
      const now = clock.now();
      const next: SchedulesTable = { ...cur, updated_at: iso(now) };
      if (body.name !== undefined) next.name = body.name;
      if (body.missedRunPolicy !== undefined) next.missed_run_policy = body.missedRunPolicy;
      if (body.target !== undefined) next.target = JSON.stringify(body.target);
      if (body.timezone !== undefined) next.timezone = zone(body.timezone);
      if ('cron' in body && body.cron !== undefined) Object.assign(next, { cron: body.cron, interval_seconds: null });
      if ('intervalSeconds' in body && body.intervalSeconds !== undefined) Object.assign(next, { cron: null, interval_seconds: body.intervalSeconds, anchor_at: now });
      if (next.cron !== null) checkCron(next.cron, next.timezone);
      const timingChanged = next.cron !== cur.cron || next.interval_seconds !== cur.interval_seconds || next.timezone !== cur.timezone || next.anchor_at !== cur.anchor_at;
      // A new timing counts from now: fire times the old one had left behind are not runs of the new one.
      if (timingChanged && next.enabled === 1) next.next_fire_at = nextAfter(next, now);
      const { id: _id, workspace_id: _ws, ...patch } = next;
      await write(() => store.update(workspaceId, id, patch), next.name);
      return toSchedule(next);
    },

    async remove(workspaceId: string, id: string): Promise<Schedule> {
      const row = await get(workspaceId, id);
      await store.delete(workspaceId, id);
      return toSchedule(row);
    },

    /** No runs while paused: the next fire time is cleared (the tick only looks at enabled rows with one). */
    async pause(workspaceId: string, id: string): Promise<Schedule> {
      const row = await get(workspaceId, id);
      const patch = { enabled: 0, next_fire_at: null, updated_at: iso(clock) };
      await store.update(workspaceId, id, patch);
      return toSchedule({ ...row, ...patch });
    },

    /** Counts from now: fire times that passed while paused are not replayed, whatever the missed-run policy. */
    async resume(workspaceId: string, id: string): Promise<Schedule> {
      const row = await get(workspaceId, id);
      if (row.enabled === 1) return toSchedule(row);
      const now = clock.now();
      const patch = { enabled: 1, next_fire_at: nextAfter(row, now), updated_at: iso(now) };
      await store.update(workspaceId, id, patch);
      return toSchedule({ ...row, ...patch });
    },

    async next(workspaceId: string, id: string, count: number): Promise<NextRuns> {
      const row = await get(workspaceId, id);
      const fires = nextFires(specOf(row), clock.now(), count);
      return {
        scheduleId: row.id, timezone: row.timezone, enabled: row.enabled === 1,
        description: describe({ cron: row.cron, intervalSeconds: row.interval_seconds, timezone: row.timezone }),
        runs: fires.map((f) => ({ at: iso(f), local: localIso(f, row.timezone) })),
      };
    },

    async runs(workspaceId: string, id: string, q: { limit: number; cursor?: string }) {
      await get(workspaceId, id);
      const after = runCursor.decode(q.cursor);
      const rows = await store.runs(workspaceId, id, q.limit + 1, after);
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return { items: page.map(toRun), nextCursor: rows.length > q.limit && last ? runCursor.encode({ fireAt: last.fire_at, id: last.id }) : null };
    },

    /**
     * One pass of the firing loop: take over dead claims, claim every due fire time (one UNIQUE insert each; the
     * losers of a race simply see the row exists), move next fire times on, then run what this instance won.
     */
    async tick(): Promise<TickResult> {
      const now = clock.now();
      const out: TickResult = { fired: 0, skippedMissed: 0, takenOver: 0 };
      const mine = await reconcile(now, !startedOnce, out);
      startedOnce = true;
      for (const s of await store.due(now, DUE_PER_TICK)) mine.push(...(await fireDue(s, now, out)));
      out.fired = mine.length;
      await Promise.all(mine.map(([run, s]) => execute(run, s)));
      return out;
    },
  };
}
export type SchedulesService = ReturnType<typeof createSchedulesService>;
