import { sql } from 'kysely';
import type { CiRunQuery, PullListQuery } from '@autopilot/contracts';
import { isUniqueViolation, type Db } from '../../platform/db';
import type { GitHubCiRunsTable, GitHubPullsTable, GitHubRepoAutomationTable, GitHubWebhooksTable } from '../../platform/db/schema.github';

/** The GitHub loop's queries; every one takes the workspace id (all five tables are tenant-owned). */

export type RunFilter = Omit<CiRunQuery, 'limit' | 'cursor'>;
const runSort = sql<string>`coalesce(started_at, '')`;

export function createPullsStore(db: Db) {
  const k = db.kysely;

  function filterRuns(workspaceId: string, f: RunFilter) {
    let q = k.selectFrom('github_ci_runs').where('workspace_id', '=', workspaceId);
    if (f.repo) q = q.where('repo', '=', f.repo);
    if (f.pr !== undefined) q = q.where('pr_number', '=', f.pr);
    if (f.sessionId) q = q.where('session_id', '=', f.sessionId);
    if (f.conclusion) q = q.where('conclusion', '=', f.conclusion);
    if (f.since) q = q.where('started_at', '>=', new Date(f.since).toISOString());
    return q;
  }

  return {
    pull: (workspaceId: string, id: string) => k.selectFrom('github_pulls').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst(),
    byNumber: (workspaceId: string, repo: string, number: number) =>
      k.selectFrom('github_pulls').selectAll().where('workspace_id', '=', workspaceId).where('repo', '=', repo).where('number', '=', number).executeTakeFirst(),
    /** Inserts a new PR row; false when another writer (a webhook racing a poll) inserted it first. */
    async insertPull(row: GitHubPullsTable): Promise<boolean> {
      try {
        await k.insertInto('github_pulls').values(row).execute();
        return true;
      } catch (err) {
        if (isUniqueViolation(err)) return false;
        throw err;
      }
    },
    updatePull: (workspaceId: string, id: string, fields: Partial<GitHubPullsTable>) =>
      k.updateTable('github_pulls').set(fields).where('workspace_id', '=', workspaceId).where('id', '=', id).execute(),
    /** Linked PRs, most recently changed first, after the keyset `after`. */
    listPulls(workspaceId: string, q: Omit<PullListQuery, 'cursor'>, after?: { u: string; i: string }) {
      let s = k.selectFrom('github_pulls').selectAll().where('workspace_id', '=', workspaceId).where('session_id', 'is not', null);
      if (q.repo) s = s.where('repo', '=', q.repo);
      if (q.sessionId) s = s.where('session_id', '=', q.sessionId);
      if (q.state) s = s.where('state', '=', q.state);
      if (q.checks) s = s.where('checks', '=', q.checks);
      if (after) s = s.where((eb) => eb.or([eb('updated_at', '<', after.u), eb.and([eb('updated_at', '=', after.u), eb('id', '<', after.i)])]));
      return s.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(q.limit + 1).execute();
    },
    forSession: (workspaceId: string, sessionId: string) =>
      k.selectFrom('github_pulls').selectAll().where('workspace_id', '=', workspaceId).where('session_id', '=', sessionId).orderBy('number', 'desc').execute(),
    linked: (workspaceId: string, states: string[], repo?: string) => {
      let s = k.selectFrom('github_pulls').selectAll().where('workspace_id', '=', workspaceId).where('session_id', 'is not', null).where('state', 'in', states);
      if (repo) s = s.where('repo', '=', repo);
      return s.orderBy('repo').orderBy('number').execute();
    },
    /** Linked PRs whose next poll is due (open ones each pass, finished ones rarely). */
    due: (workspaceId: string, nowMs: number) =>
      k.selectFrom('github_pulls').selectAll().where('workspace_id', '=', workspaceId).where('session_id', 'is not', null).where('next_poll_at', '<=', nowMs).orderBy('next_poll_at').execute(),
    byHeadSha: (workspaceId: string, repo: string, headSha: string) =>
      k.selectFrom('github_pulls').selectAll().where('workspace_id', '=', workspaceId).where('repo', '=', repo).where('head_sha', '=', headSha).execute(),
    /** Repositories with an open linked PR. */
    openRepos: async (workspaceId: string) =>
      (await k.selectFrom('github_pulls').select('repo').distinct().where('workspace_id', '=', workspaceId).where('state', '=', 'open').where('session_id', 'is not', null).execute()).map((r) => r.repo),
    allRepos: async (workspaceId: string) => (await k.selectFrom('github_pulls').select('repo').distinct().where('workspace_id', '=', workspaceId).execute()).map((r) => r.repo),

    runsOf: (workspaceId: string, repo: string, headSha: string) =>
      k.selectFrom('github_ci_runs').selectAll().where('workspace_id', '=', workspaceId).where('repo', '=', repo).where('head_sha', '=', headSha).orderBy('check_run_id', 'desc').execute(),
    runByCheck: (workspaceId: string, repo: string, checkRunId: number) =>
      k.selectFrom('github_ci_runs').selectAll().where('workspace_id', '=', workspaceId).where('repo', '=', repo).where('check_run_id', '=', checkRunId).executeTakeFirst(),
    async insertRun(row: GitHubCiRunsTable): Promise<boolean> {
      try {
        await k.insertInto('github_ci_runs').values(row).execute();
        return true;
      } catch (err) {
        if (isUniqueViolation(err)) return false;
        throw err;
      }
    },
    updateRun: (workspaceId: string, id: string, fields: Partial<GitHubCiRunsTable>) =>
      k.updateTable('github_ci_runs').set(fields).where('workspace_id', '=', workspaceId).where('id', '=', id).execute(),
    /** Runs newest first (by start), after the keyset `after`. */
    listRuns(workspaceId: string, f: RunFilter, limit: number, after?: { s: string; i: string }) {
      let q = filterRuns(workspaceId, f).selectAll();
      if (after) q = q.where((eb) => eb.or([eb(runSort, '<', after.s), eb.and([eb(runSort, '=', after.s), eb('id', '<', after.i)])]));
      return q.orderBy(runSort, 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    },
    /** The narrow columns the stats need, for the same filters. */
    statRows: (workspaceId: string, f: RunFilter) => filterRuns(workspaceId, f).select(['status', 'conclusion', 'duration_ms', 'completed_at']).execute(),

    webhook: (workspaceId: string) => k.selectFrom('github_webhooks').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst(),
    putWebhook: (row: GitHubWebhooksTable) =>
      k
        .insertInto('github_webhooks')
        .values(row)
        .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ secret_sealed: row.secret_sealed, secret_last4: row.secret_last4, updated_at: row.updated_at }))
        .execute(),
    removeWebhook: async (workspaceId: string) => Number((await k.deleteFrom('github_webhooks').where('workspace_id', '=', workspaceId).executeTakeFirst()).numDeletedRows) > 0,
    countRejected: (workspaceId: string) =>
      k.updateTable('github_webhooks').set((eb) => ({ rejected: eb('rejected', '+', 1) })).where('workspace_id', '=', workspaceId).execute(),
    countDelivery: (workspaceId: string, at: string) =>
      k.updateTable('github_webhooks').set((eb) => ({ deliveries: eb('deliveries', '+', 1), last_delivery_at: at })).where('workspace_id', '=', workspaceId).execute(),
    /** Claims a delivery id; false when it was seen before (a replay or a redelivery). */
    async claimDelivery(workspaceId: string, deliveryId: string, event: string, atMs: number): Promise<boolean> {
      try {
        await k.insertInto('github_deliveries').values({ workspace_id: workspaceId, delivery_id: deliveryId, event, received_at: atMs }).execute();
        return true;
      } catch (err) {
        if (isUniqueViolation(err)) return false;
        throw err;
      }
    },
    pruneDeliveries: async (beforeMs: number) => Number((await k.deleteFrom('github_deliveries').where('received_at', '<', beforeMs).executeTakeFirst()).numDeletedRows),

    automation: (workspaceId: string, repo: string) =>
      k.selectFrom('github_repo_automation').selectAll().where('workspace_id', '=', workspaceId).where('repo', '=', repo).executeTakeFirst(),
    automations: (workspaceId: string) => k.selectFrom('github_repo_automation').selectAll().where('workspace_id', '=', workspaceId).orderBy('repo').execute(),
    putAutomation: (row: GitHubRepoAutomationTable) =>
      k
        .insertInto('github_repo_automation')
        .values(row)
        .onConflict((oc) => oc.columns(['workspace_id', 'repo']).doUpdateSet({ settings: row.settings, updated_at: row.updated_at }))
        .execute(),
  };
}
export type PullsStore = ReturnType<typeof createPullsStore>;
