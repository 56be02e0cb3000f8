import type { Db } from '../../platform/db';
import type { JulesSessionsTable } from '../../platform/db/schema';

/** Test helpers for the board: mirrored rows written directly, as many as a test needs, in a few inserts. */

/** The stored (sortable, 9 fractional digits) form of a time in ms. */
export const stored = (ms: number) => new Date(ms).toISOString().replace('Z', '000000Z');

/** States used by the seed: every known one plus one the contracts do not know (it must land in Queued). */
export const SEED_STATES = ['QUEUED', 'PLANNING', 'AWAITING_PLAN_APPROVAL', 'AWAITING_USER_FEEDBACK', 'IN_PROGRESS', 'PAUSED', 'FAILED', 'COMPLETED', 'SOMETHING_NEW'];
export const SEED_SOURCES = ['sources/github/acme/api', 'sources/github/acme/web', null];

/** A workspace and one account to hang sessions on. */
export async function seedWorkspace(db: Db, ws: string, accountId = `${ws}-acc`): Promise<string> {
  const k = db.kysely;
  if (!(await k.selectFrom('workspaces').select('id').where('id', '=', ws).executeTakeFirst())) {
    await k.insertInto('workspaces').values({ id: ws, name: ws, created_at: new Date().toISOString() }).execute();
  }
  await k
    .insertInto('jules_accounts')
    .values({ id: accountId, workspace_id: ws, name: accountId, origin: 'api', api_key_sealed: 'x', key_last4: 'xxxx', base_url: null, created_at: new Date().toISOString(), last_sync_at: null, last_full_sync_at: null, last_archived_sync_at: null, last_error: null })
    .execute();
  return accountId;
}

/** A session row; `i` drives state, source, time and text so filters have something to find. */
export function sessionRow(ws: string, accountId: string, i: number, at: number): JulesSessionsTable {
  const t = stored(at);
  return {
    id: `s-${ws}-${String(i).padStart(6, '0')}`,
    workspace_id: ws,
    account_id: accountId,
    jules_id: String(1_000_000 + i),
    name: `sessions/${1_000_000 + i}`,
    title: i % 5 === 0 ? `Fix Flaky test ${i}` : `Task ${i}`,
    prompt: i % 7 === 0 ? 'upgrade the logger 100%_safe' : 'do the thing',
    state: SEED_STATES[i % SEED_STATES.length],
    source: SEED_SOURCES[i % SEED_SOURCES.length],
    starting_branch: 'main',
    working_branch: null,
    pr_url: null,
    url: null,
    require_plan_approval: 0,
    automation_mode: null,
    outputs: '[]',
    raw: '{}',
    archived: i % 11 === 0 ? 1 : 0,
    deleted_at: i % 13 === 0 ? t : null,
    create_time: t,
    update_time: t,
    last_activity_at: i % 2 ? t : null,
    activities_synced_update_time: t,
    activity_count: 0,
    mirrored_at: t,
  };
}

/** Inserts `n` sessions, one second apart ending at `end`, in batches. */
export async function seedSessions(db: Db, ws: string, accountId: string, n: number, end = Date.parse('2026-11-30T12:00:00Z')) {
  const rows = Array.from({ length: n }, (_, i) => sessionRow(ws, accountId, i, end - (n - i) * 1000));
  for (let i = 0; i < rows.length; i += 500) await db.kysely.insertInto('jules_sessions').values(rows.slice(i, i + 500)).execute();
  return rows;
}

/** A keeper stuck mark for a session at `at` ms (what the keeper's ledger writes). */
export const markStuck = (db: Db, ws: string, sessionId: string, at: number) =>
  db.kysely
    .insertInto('keeper_actions')
    .values({ id: `mark-${sessionId}-${at}`, workspace_id: ws, session_id: sessionId, kind: 'stuck', trigger: `t-${at}`, status: 'recorded', reason: 'no progress', message: null, error: null, attempts: 1, holder: 'test', created_at: at, settled_at: at })
    .execute();
