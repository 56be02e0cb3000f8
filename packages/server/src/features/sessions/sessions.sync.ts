import { eventLoopYielder, pool } from '../../platform/concurrency';
import { iso, type Clock } from '../../platform/clock';
import type { EventBus } from '../../platform/events/bus';
import type { Logger } from '../../platform/logger';
import { UpstreamMalformed, UpstreamNotFound, sortableTime, type JulesClient, type JulesSession } from '../../integrations/jules';
import type { SessionsStore } from './sessions.store';
import { activityRow } from './sessions.mapping';
import { upsertPage, type SyncTarget } from './sessions.upsert';

export { upsertSession, type SyncTarget } from './sessions.upsert';

export interface SyncDeps {
  store: SessionsStore;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  /** Parallel activity fetches per account (default 4). */
  activityConcurrency?: number;
  /** Per-session chains that serialise activity syncs in this process (the loop and an action's refresh may overlap). */
  locks?: Map<string, Promise<unknown>>;
  /**
   * The live API does not always move a session's updateTime when it adds activities, so a working session
   * (PLANNING / IN_PROGRESS) whose activities were not fetched for `activityCheckMs` (default 2 min) gets one
   * filtered activities.list anyway; at most `activityCheckMax` (default 20) per poll, longest unchecked first.
   */
  activityCheckMs?: number;
  activityCheckMax?: number;
  /**
   * The check pays only where Jules does not move updateTime: when a round of checks finds nothing that updateTime
   * had not already announced, the account's check interval doubles (up to `activityCheckMaxMs`, default 30 min);
   * when one finds activities, it goes back to `activityCheckMs`. Keyed by account (this process).
   */
  activityCheckMaxMs?: number;
  activityCheckIntervals?: Map<string, number>;
  /**
   * A finished or archived session whose activities were never fetched (the first import of a large account is
   * mostly these) is not fetched in the poll that finds it: its activities arrive on demand (the detail view, the
   * keeper) or by a backfill of `activityBackfillMax` (default 200) per poll, newest first. The first import of
   * 100,000 sessions is then the list pages plus the live sessions' activities, not 100,000 activities.list calls.
   * 0 turns deferral off (every session fetched in the poll that finds it).
   */
  activityBackfillMax?: number;
  /** When each session's activities were last fetched, in this process (mirror id -> clock ms). */
  activityChecks?: Map<string, number>;
}

/**
 * What an activities fetch needs of a session. A poll holds one per session to fetch until its end: whole wire
 * sessions there (their raw JSON) kept 100,000 of them alive through a first import, into V8's old space.
 */
export type ActivityTarget = Pick<JulesSession, 'id' | 'createTime' | 'updateTime' | 'state'>;
const target = (s: JulesSession): ActivityTarget => ({ id: s.id, createTime: s.createTime, updateTime: s.updateTime, state: s.state });

/** What one sync did, in upstream calls and mirror changes. */
export interface SyncReport {
  listCalls: number;
  archivedPass: boolean;
  seen: number;
  created: number;
  updated: number;
  stateChanges: number;
  deleted: number;
  /** Sessions whose activities were fetched (their updateTime moved), and the activities.list calls that took. */
  activitySessions: number;
  activityCalls: number;
  /** Of activitySessions, those fetched although their updateTime did not move (the periodic check). */
  activityChecks: number;
  /** The account's periodic-check interval after this poll (ms): doubles while checks find nothing new. */
  activityCheckEveryMs: number;
  /** Of activitySessions, finished sessions whose deferred first fetch ran in this poll's backfill. */
  activityBackfilled: number;
  /** Finished sessions whose first activities fetch is still deferred after this poll. */
  activityDeferred: number;
  activitiesAdded: number;
  failures: number;
}

const MAX_VANISHED_CHECKS = 25;
/** States in which a session adds activities on its own, so an unmoved updateTime is worth double-checking. */
const WORKING = new Set(['PLANNING', 'IN_PROGRESS']);
/** States a session does not leave on its own: nothing waits on their activities but a reader. */
const FINISHED = new Set(['COMPLETED', 'FAILED']);
/** Who needs a session's activities first: people and the keeper (a plan, a question), then working sessions. */
const urgency = (s: ActivityTarget) => {
  const state = String(s.state);
  if (state.startsWith('AWAITING_')) return 0;
  if (!FINISHED.has(state)) return 1;
  return 2;
};

/**
 * Fetches a session's new activities (the `create_time` filter from the newest held, deduped by id), stores them in
 * arrival order and marks the session synced up to `updateTime`. Returns the activities.list calls made.
 */
export async function syncActivities(
  deps: SyncDeps, t: SyncTarget, client: JulesClient, sessionId: string, s: ActivityTarget, report?: SyncReport, signal?: AbortSignal,
): Promise<number> {
  if (!deps.locks) return syncActivitiesNow(deps, t, client, sessionId, s, report, signal);
  const prev = deps.locks.get(sessionId) ?? Promise.resolve();
  const run = prev.catch(() => undefined).then(() => syncActivitiesNow(deps, t, client, sessionId, s, report, signal));
  deps.locks.set(sessionId, run);
  try {
    return await run;
  } finally {
    if (deps.locks.get(sessionId) === run) deps.locks.delete(sessionId);
  }
}

async function syncActivitiesNow(
  deps: SyncDeps, t: SyncTarget, client: JulesClient, sessionId: string, s: ActivityTarget, report?: SyncReport, signal?: AbortSignal,
): Promise<number> {
  const newest = await deps.store.newest(sessionId);
  const { activities, calls } = await client.activitiesSince(s.id, { after: newest, createTime: s.createTime, signal });
  const { rows } = await deps.store.appendActivities(sessionId, (count) => activities.map((a, i) => activityRow(t.workspaceId, sessionId, count + i, a)), {
    last: newest?.createTime ?? null,
    updateTime: sortableTime(s.updateTime),
  });
  deps.activityChecks?.set(sessionId, deps.clock.now());
  if (report) {
    report.activitySessions++;
    report.activityCalls += calls;
    report.activitiesAdded += rows.length;
  }
  if (!t.backfill) {
    for (const a of activities) {
      await deps.bus.publish('activity.added', t.workspaceId, { sessionId, julesId: s.id, activityId: a.id, kind: a.kind, originator: a.originator, createTime: a.createTime });
    }
  }
  return calls;
}


/**
 * One poll of one account: every page of the session list (plus the archived list when `archivedPass`), upserts,
 * then activities only for sessions whose updateTime moved: ceil(N/100) list calls + one call per changed session.
 * Sessions that vanished from a complete listing are confirmed with sessions.get before being marked deleted.
 */
export async function syncAccount(deps: SyncDeps, t: SyncTarget, client: JulesClient, opts: { archivedPass: boolean; signal?: AbortSignal }): Promise<SyncReport> {
  const report: SyncReport = {
    listCalls: 0, archivedPass: opts.archivedPass, seen: 0, created: 0, updated: 0, stateChanges: 0, deleted: 0,
    activitySessions: 0, activityCalls: 0, activityChecks: 0, activityCheckEveryMs: 0, activityBackfilled: 0, activityDeferred: 0, activitiesAdded: 0, failures: 0,
  };
  const backfillMax = deps.activityBackfillMax ?? 200;
  const deferred: Array<{ id: string; s: ActivityTarget }> = [];
  const checkedAt = (deps.activityChecks ??= new Map());
  const checkBase = deps.activityCheckMs ?? 120_000;
  const intervals = (deps.activityCheckIntervals ??= new Map());
  const checkEvery = intervals.get(t.accountId) ?? checkBase;
  const due: Array<{ id: string; s: ActivityTarget; at: number }> = [];
  const known = await deps.store.index(t.accountId);
  const seen = new Set<string>();
  const toFetch: Array<{ id: string; s: ActivityTarget }> = [];
  const take = async (items: JulesSession[]) => {
    // Pages can shift while a new session is created: the same one may show twice.
    const fresh = items.filter((s) => !seen.has(s.id) && seen.add(s.id));
    report.seen += fresh.length;
    const upserted = await upsertPage(deps, t, fresh, known, report);
    fresh.forEach((s, i) => {
      const r = upserted[i];
      const neverFetched = !known.get(s.id) || known.get(s.id)!.activities_synced_update_time === null;
      if (r.fetch && backfillMax > 0 && neverFetched && (FINISHED.has(String(s.state)) || s.archived)) deferred.push({ id: r.id, s: target(s) });
      else if (r.fetch) toFetch.push({ id: r.id, s: target(s) });
      else if (WORKING.has(String(s.state)) && !s.archived) {
        const at = checkedAt.get(r.id);
        // First sight in this process counts as checked now: a restart must not fetch every working session at once.
        if (at === undefined) checkedAt.set(r.id, deps.clock.now());
        else if (deps.clock.now() - at >= checkEvery) due.push({ id: r.id, s: target(s), at });
      }
    });
  };
  const yieldNow = eventLoopYielder();
  for (const archived of opts.archivedPass ? [false, true] : [false]) {
    for await (const page of client.sessionPages({ archived, signal: opts.signal })) {
      report.listCalls++;
      await yieldNow();
      await take(page.items);
      // Malformed records were skipped by the client, but the sessions exist: they must not look vanished.
      for (const id of page.skippedIds ?? []) seen.add(id);
    }
  }
  // Vanished sessions are confirmed one get each; a cap keeps a mass disappearance (a key now seeing another
  // user's sessions, say) from costing N calls in one tick: the rest are checked on later polls.
  let checks = 0;
  for (const row of known.values()) {
    if (seen.has(row.jules_id) || row.deleted_at !== null || (row.archived && !opts.archivedPass)) continue;
    if (checks++ >= MAX_VANISHED_CHECKS) break;
    try {
      await take([await client.getSession(row.jules_id, { signal: opts.signal })]);
    } catch (err) {
      if (err instanceof UpstreamMalformed) {
        deps.log.warn({ julesId: row.jules_id, accountId: t.accountId }, 'a session Jules answered unreadably was kept as it is');
        continue;
      }
      if (!(err instanceof UpstreamNotFound)) throw err;
      await deps.store.update(row.id, { deleted_at: iso(deps.clock) });
      report.deleted++;
      await deps.bus.publish('session.deleted', t.workspaceId, { id: row.id, julesId: row.jules_id });
    }
  }
  const periodic = due.sort((a, b) => a.at - b.at).slice(0, deps.activityCheckMax ?? 20);
  report.activityChecks = periodic.length;
  toFetch.sort((a, b) => urgency(a.s) - urgency(b.s));
  toFetch.push(...periodic);
  // Newest finished sessions first: the ones people are likeliest to open.
  deferred.sort((a, b) => (sortableTime(a.s.updateTime) < sortableTime(b.s.updateTime) ? 1 : -1));
  const backfill = deferred.slice(0, backfillMax);
  report.activityBackfilled = backfill.length;
  report.activityDeferred = deferred.length - backfill.length;
  toFetch.push(...backfill);
  // The periodic checks count apart, to learn whether they found anything updateTime had not announced.
  const checked = new Set(periodic);
  const byChecks = { ...report, activitySessions: 0, activityCalls: 0, activitiesAdded: 0 };
  await pool(toFetch, deps.activityConcurrency ?? 4, async (item) => {
    const { id, s } = item;
    if (opts.signal?.aborted) return;
    try {
      await syncActivities(deps, t, client, id, s, checked.has(item as (typeof periodic)[number]) ? byChecks : report, opts.signal);
    } catch (err) {
      // Left unsynced: its updateTime still differs, so the next poll tries again.
      report.failures++;
      deps.log.warn({ err: (err as Error).message, julesId: s.id, accountId: t.accountId }, 'could not sync session activities');
    }
  });
  report.activitySessions += byChecks.activitySessions;
  report.activityCalls += byChecks.activityCalls;
  report.activitiesAdded += byChecks.activitiesAdded;
  if (periodic.length > 0) intervals.set(t.accountId, byChecks.activitiesAdded > 0 ? checkBase : Math.min(checkEvery * 2, deps.activityCheckMaxMs ?? 30 * 60_000));
  report.activityCheckEveryMs = intervals.get(t.accountId) ?? checkBase;
  const changed = report.created + report.updated + report.deleted + report.activitiesAdded;
  if (changed > 0) {
    await deps.bus.publish('sessions.synced', t.workspaceId, {
      accountId: t.accountId, backfill: t.backfill, created: report.created, updated: report.updated, deleted: report.deleted, activitiesAdded: report.activitiesAdded,
    });
  }
  return report;
}
