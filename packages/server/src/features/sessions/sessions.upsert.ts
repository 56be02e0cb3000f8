import { randomUUID } from 'node:crypto';
import { iso, type Clock } from '../../platform/clock';
import { isUniqueViolation } from '../../platform/db';
import type { JulesSessionsTable } from '../../platform/db/schema';
import type { EventBus } from '../../platform/events/bus';
import { sortableTime, type JulesSession } from '../../integrations/jules';
import type { SessionIndexRow, SessionsStore, SessionUpdate } from './sessions.store';
import { displayTime, sessionFields } from './sessions.mapping';

/** What an upsert needs (a subset of the sync's deps). */
export interface UpsertDeps {
  store: SessionsStore;
  bus: EventBus;
  clock: Clock;
}
/** Where a sync writes: one account of one workspace. `backfill` = first import, published as one summary event. */
export interface SyncTarget {
  accountId: string;
  workspaceId: string;
  backfill: boolean;
}
/** The counters an upsert moves (part of the sync's report). */
export interface UpsertCounts {
  created: number;
  updated: number;
  stateChanges: number;
}
/** The mirror id of an upserted session and whether its activities must be fetched (its updateTime moved since). */
export interface Upserted {
  id: string;
  fetch: boolean;
  row: Pick<SessionIndexRow, 'id' | 'activity_count'>;
}

type Planned =
  | { kind: 'insert'; s: JulesSession; row: JulesSessionsTable }
  | { kind: 'update'; s: JulesSession; known: SessionIndexRow; fields: SessionUpdate & ReturnType<typeof sessionFields> }
  | { kind: 'same'; s: JulesSession; known: SessionIndexRow; updateTime: string };

function plan(deps: UpsertDeps, t: SyncTarget, s: JulesSession, known: SessionIndexRow | undefined): Planned {
  if (known && known.deleted_at === null) {
    // The common case of a poll: nothing moved. Decided without building the row (its raw JSON above all).
    const updateTime = sortableTime(s.updateTime);
    if (known.update_time === updateTime && known.state === String(s.state) && known.archived === (s.archived ? 1 : 0)) return { kind: 'same', s, known, updateTime };
  }
  const f = sessionFields(s);
  if (!known) {
    const row = {
      id: randomUUID(), workspace_id: t.workspaceId, account_id: t.accountId, jules_id: s.id, ...f,
      deleted_at: null, last_activity_at: null, activities_synced_update_time: null, activity_count: 0, mirrored_at: iso(deps.clock),
    };
    return { kind: 'insert', s, row };
  }
  const moved = known.update_time !== f.update_time || known.state !== f.state || known.archived !== f.archived || known.deleted_at !== null;
  return moved ? { kind: 'update', s, known, fields: { ...f, deleted_at: null, mirrored_at: iso(deps.clock) } } : { kind: 'same', s, known, updateTime: f.update_time };
}

/** Publishes what a written plan changed and returns its result. */
async function settle(deps: UpsertDeps, t: SyncTarget, p: Exclude<Planned, { kind: 'insert' }> | { kind: 'inserted'; s: JulesSession; row: JulesSessionsTable }, report?: UpsertCounts): Promise<Upserted> {
  const quiet = t.backfill;
  if (p.kind === 'inserted') {
    if (report) report.created++;
    if (!quiet) await deps.bus.publish('session.created', t.workspaceId, { id: p.row.id, julesId: p.s.id, accountId: t.accountId, state: p.row.state, title: p.row.title });
    return { id: p.row.id, fetch: true, row: { id: p.row.id, activity_count: 0 } };
  }
  const { s, known } = p;
  if (p.kind === 'update') {
    const f = p.fields;
    if (report) report.updated++;
    if (known.state !== f.state) {
      if (report) report.stateChanges++;
      if (!quiet) await deps.bus.publish('session.state_changed', t.workspaceId, { id: known.id, julesId: s.id, from: known.state, to: f.state });
    }
    if (!quiet) await deps.bus.publish('session.updated', t.workspaceId, { id: known.id, julesId: s.id, state: f.state, archived: !!f.archived, updateTime: displayTime(f.update_time) });
  }
  const updateTime = p.kind === 'update' ? p.fields.update_time : p.updateTime;
  return { id: known.id, fetch: known.activities_synced_update_time !== updateTime, row: known };
}

/**
 * Upserts one session from its wire form and publishes what changed. Returns the mirror id and whether its
 * activities must be fetched (its updateTime differs from the one they were last fetched at).
 */
export async function upsertSession(deps: UpsertDeps, t: SyncTarget, s: JulesSession, known: SessionIndexRow | undefined, report?: UpsertCounts): Promise<Upserted> {
  const p = plan(deps, t, s, known);
  if (p.kind === 'insert') {
    try {
      await deps.store.insert(p.row);
    } catch (err) {
      // Inserted meanwhile by an overlapping sync or a create/refresh: continue with that row.
      const row = isUniqueViolation(err) ? await deps.store.byJulesId(t.accountId, s.id) : undefined;
      if (!row) throw err;
      return upsertSession(deps, t, s, row, report);
    }
    return settle(deps, t, { kind: 'inserted', s, row: p.row }, report);
  }
  if (p.kind === 'update') await deps.store.update(p.known.id, p.fields);
  return settle(deps, t, p, report);
}

/**
 * Upserts one list page in one transaction (a commit per session made the first import of 100,000 sessions take
 * minutes), then publishes in page order. A new session another writer inserted first goes through the
 * single-session path against that row, as `upsertSession` does.
 */
export async function upsertPage(deps: UpsertDeps, t: SyncTarget, sessions: JulesSession[], known: Map<string, SessionIndexRow>, report?: UpsertCounts): Promise<Upserted[]> {
  const plans = sessions.map((s) => plan(deps, t, s, known.get(s.id)));
  const inserts = plans.flatMap((p) => (p.kind === 'insert' ? [p.row] : []));
  const updates = plans.flatMap((p) => (p.kind === 'update' ? [{ id: p.known.id, fields: p.fields }] : []));
  const inserted = inserts.length || updates.length ? await deps.store.writePage(inserts, updates) : new Set<string>();
  const out: Upserted[] = [];
  for (const p of plans) {
    if (p.kind !== 'insert') out.push(await settle(deps, t, p, report));
    else if (inserted.has(p.s.id)) out.push(await settle(deps, t, { kind: 'inserted', s: p.s, row: p.row }, report));
    else out.push(await upsertSession(deps, t, p.s, await deps.store.byJulesId(t.accountId, p.s.id), report));
  }
  return out;
}
