import { normalizeSource, type ActivityPage, type CreateSessionBody, type ListSessionsQuery, type SessionActivity, type SessionDetail, type SessionPage, type SessionSummary } from '@autopilot/contracts';
import type { z } from '@hono/zod-openapi';
import { iso, type Clock } from '../../platform/clock';
import { eventLoopYielder } from '../../platform/concurrency';
import type { JulesAccountsTable } from '../../platform/db/schema';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors';
import type { EventBus } from '../../platform/events/bus';
import type { Logger } from '../../platform/logger';
import { UpstreamAuth, UpstreamNotFound, UpstreamRateLimited, isPrecondition, upstreamToAppError, publicUpstreamMessage, type JulesClient } from '../../integrations/jules';
import type { AccountsService } from './accounts.service';
import type { SessionsStore } from './sessions.store';
import { activityCursor, displayTime, sessionCursor, toActivity, toDetail, toSummary } from './sessions.mapping';

/** A session's change signature: enough to tell that it moved, without its text. */
export type SessionSignature = Pick<SessionSummary, 'id' | 'state' | 'updateTime' | 'archived' | 'activityCount' | 'deleted'>;
import { syncAccount, syncActivities, upsertSession, type ActivityTarget, type SyncDeps, type SyncReport } from './sessions.sync';

export interface SessionsDeps {
  store: SessionsStore;
  accounts: AccountsService;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  /** How often the archived list is walked too (default 10 min); the live list is walked every poll. */
  archivedEveryMs?: number;
  activityConcurrency?: number;
}

const AUTH_RETRY_MS = 5 * 60_000;

/**
 * Runs a Jules call, mapping failures to AppErrors in the user's terms (`doing`: what they asked for, "approve the
 * plan"); `quiet` for accounts at a user-supplied URL (no upstream text).
 */
const upstream = async <T>(fn: () => Promise<T>, quiet: boolean, doing: string): Promise<T> => {
  try {
    return await fn();
  } catch (err) {
    throw upstreamToAppError(err, 'Jules', { quiet, doing });
  }
};

/** What each session action is, in the user's words, and the 409 for a session in a state that does not take it. */
type Verb = 'approvePlan' | 'sendMessage' | 'archive' | 'unarchive';
const VERB_TEXT: Record<Verb, string> = { approvePlan: 'approve the plan', sendMessage: 'send a message', archive: 'archive the session', unarchive: 'unarchive the session' };
const wrongState = (verb: Verb, state: string) =>
  conflict(
    verb !== 'approvePlan'
      ? `This session cannot take that now (it is ${state}): Jules refused to ${VERB_TEXT[verb]}`
      : state === 'AWAITING_PLAN_APPROVAL'
        ? 'Jules has no plan awaiting approval for this session yet (it is AWAITING_PLAN_APPROVAL): try again in a moment'
        : `This session is not waiting for plan approval (it is ${state})`,
    { state },
  );

/** `owner/repo`, `github/owner/repo` or `sources/github/owner/repo` (contracts' normalizeSource ran already): `owner/repo`. */
const repoOf = (source: string) => source.replace(/^sources\/github\//, '');

/**
 * The session mirror: reads come from the database (fast, workspace-scoped); actions call Jules through the
 * session's account and then refresh that session; `syncAccount`/`syncAll` keep the mirror current.
 */
export function createSessionsService(deps: SessionsDeps) {
  const { store, accounts, clock, log } = deps;
  const syncDeps: SyncDeps = { store, bus: deps.bus, clock, log, activityConcurrency: deps.activityConcurrency, locks: new Map() };
  const archivedEvery = deps.archivedEveryMs ?? 10 * 60_000;
  /** Accounts told to wait (Retry-After) skip polls until then. */
  const notBefore = new Map<string, number>();

  async function sessionRow(workspaceId: string, id: string) {
    // Our id or the Jules id: ours are UUIDs, Jules ids are digits, so the two never collide.
    const row = (await store.get(workspaceId, id)) ?? (/^\d{6,30}$/.test(id) ? await store.byJulesIdInWorkspace(workspaceId, id) : undefined);
    if (!row) throw notFound('Session', id);
    return row;
  }

  async function clientOf(workspaceId: string, accountId: string): Promise<{ acc: JulesAccountsTable; client: JulesClient }> {
    const acc = await accounts.row(workspaceId, accountId);
    if (!acc) throw notFound('Jules account', accountId);
    const client = accounts.client(acc);
    if (!client) throw new AppError('upstream_unavailable', `Jules account ${acc.name} has no API key configured`, { accountId });
    return { acc, client };
  }

  /** Re-reads one session from Jules into the mirror (with its new activities). Failures are logged, not thrown. */
  async function refresh(workspaceId: string, acc: JulesAccountsTable, client: JulesClient, julesId: string): Promise<void> {
    try {
      const s = await client.getSession(julesId);
      const t = { accountId: acc.id, workspaceId, backfill: false };
      const r = await upsertSession(syncDeps, t, s, await store.byJulesId(acc.id, julesId));
      if (r.fetch) await syncActivities(syncDeps, t, client, r.id, s);
    } catch (err) {
      log.warn({ err: (err as Error).message, julesId }, 'could not refresh session after an action; the next poll will');
    }
  }

  /**
   * The sync defers the first activities fetch of finished sessions (sessions.sync.ts, `activityBackfillMax`): a
   * reader of their activities (the detail view, the keeper) fetches them now. A failure serves what the mirror holds.
   */
  async function withActivities(row: Awaited<ReturnType<typeof sessionRow>>): Promise<Awaited<ReturnType<typeof sessionRow>>> {
    if (row.activities_synced_update_time !== null || row.deleted_at !== null) return row;
    try {
      const { acc, client } = await clientOf(row.workspace_id, row.account_id);
      const s: ActivityTarget = { id: row.jules_id, createTime: displayTime(row.create_time), updateTime: displayTime(row.update_time), state: row.state };
      await syncActivities(syncDeps, { accountId: acc.id, workspaceId: row.workspace_id, backfill: true }, client, row.id, s);
      return (await store.get(row.workspace_id, row.id)) ?? row;
    } catch (err) {
      log.warn({ err: (err as Error).message, julesId: row.jules_id }, 'could not fetch the activities of a session on demand; a later poll will');
      return row;
    }
  }

  /**
   * Runs an action on a session's Jules counterpart, then refreshes the mirror and returns the session. A session
   * gone upstream takes no action (409); so does an archived one for messages. Jules's own "not in this state"
   * (FAILED_PRECONDITION) is a 409 naming the state the session is in, re-read from Jules so it is current.
   */
  async function act(workspaceId: string, id: string, verb: Verb, fn: (client: JulesClient, julesId: string) => Promise<unknown>): Promise<SessionDetail> {
    const row = await sessionRow(workspaceId, id);
    if (row.deleted_at) throw conflict(`This session was deleted on Jules: it is kept here as a record and cannot ${VERB_TEXT[verb]}`, { state: 'DELETED' });
    if (verb === 'sendMessage' && row.archived) throw conflict('This session is archived: unarchive it to send a message', { state: 'ARCHIVED' });
    const { acc, client } = await clientOf(workspaceId, row.account_id);
    try {
      await fn(client, row.jules_id);
    } catch (err) {
      if (err instanceof UpstreamNotFound) throw new AppError('not_found', `This session no longer exists on Jules (deleted there?), so Jules could not ${VERB_TEXT[verb]}`, { upstream: { status: 404, code: err.upstreamStatus ?? null } });
      if (!isPrecondition(err)) throw upstreamToAppError(err, 'Jules', { quiet: !accounts.trusted(acc), doing: VERB_TEXT[verb] });
      await refresh(workspaceId, acc, client, row.jules_id);
      throw wrongState(verb, (await sessionRow(workspaceId, row.id)).state);
    }
    await refresh(workspaceId, acc, client, row.jules_id);
    return toDetail(await sessionRow(workspaceId, row.id));
  }

  const service = {
    /**
     * What changed, cheaply: id, state, update time, archived, activity count of every live session (no text), read
     * in pages with the event loop given a turn between them. Loops that watch every session start from this.
     */
    async signatures(workspaceId: string): Promise<SessionSignature[]> {
      const out: SessionSignature[] = [];
      const yieldNow = eventLoopYielder();
      for (let after = ''; ; ) {
        const rows = await store.signatures(workspaceId, after, 5000);
        for (const r of rows) {
          out.push({ id: r.id, state: r.state, updateTime: displayTime(r.update_time), archived: !!r.archived, activityCount: Number(r.activity_count), deleted: r.deleted_at !== null });
        }
        if (rows.length < 5000) return out;
        after = rows[rows.length - 1].id;
        await yieldNow();
      }
    },

    /**
     * Sessions on a GitHub source updated since `sinceMs` with a PR URL or a working branch, newest first (at most
     * `limit`): what the GitHub loop links pull requests to.
     */
    async githubLinks(workspaceId: string, sinceMs: number, limit = 5000): Promise<Array<{ id: string; source: string; workingBranch: string | null; prUrl: string | null }>> {
      const rows = await store.githubLinks(workspaceId, new Date(sinceMs).toISOString().replace('Z', '000000Z'), limit);
      return rows.map((r) => ({ id: r.id, source: r.source ?? '', workingBranch: r.working_branch, prUrl: r.pr_url }));
    },

    /** Summaries of the given sessions of the workspace (unknown ids are left out). */
    async summaries(workspaceId: string, ids: string[]): Promise<SessionSummary[]> {
      const out: SessionSummary[] = [];
      for (let i = 0; i < ids.length; i += 500) out.push(...(await store.summariesByIds(workspaceId, ids.slice(i, i + 500))).map(toSummary));
      return out;
    },

    async list(workspaceId: string, q: ListSessionsQuery): Promise<z.infer<typeof SessionPage>> {
      const after = sessionCursor.decode(q.cursor);
      const rows = await store.list(
        workspaceId,
        { states: q.state?.split(','), source: q.source, text: q.text, archived: q.archived, includeDeleted: q.deleted === 'true', accountId: q.accountId },
        q.limit + 1,
        after,
      );
      const more = rows.length > q.limit;
      const items = rows.slice(0, q.limit);
      const last = items.at(-1);
      return { items: items.map(toSummary), nextCursor: more && last ? sessionCursor.encode({ u: last.update_time, i: last.id }) : null };
    },

    get: async (workspaceId: string, id: string) => toDetail(await sessionRow(workspaceId, id)),

    /** Activities oldest first. `cursor` continues a page; keeper-style readers may pass `afterPosition` instead. */
    async activities(workspaceId: string, id: string, q: { limit: number; cursor?: string; afterPosition?: number }): Promise<z.infer<typeof ActivityPage>> {
      const row = await withActivities(await sessionRow(workspaceId, id));
      const after = activityCursor.decode(q.cursor)?.p ?? q.afterPosition ?? -1;
      const rows = await store.activities(workspaceId, row.id, q.limit + 1, after);
      const more = rows.length > q.limit;
      const items = rows.slice(0, q.limit);
      return { items: items.map(toActivity), nextCursor: more ? activityCursor.encode({ p: items.at(-1)!.position }) : null };
    },

    /**
     * The newest activity of a session, optionally of some kinds: e.g. `['agentMessaged']` for the question a
     * session in AWAITING_USER_FEEDBACK waits on, `['planGenerated']` for the plan awaiting approval.
     */
    async lastActivity(workspaceId: string, id: string, kinds?: string[]): Promise<SessionActivity | null> {
      const row = await withActivities(await sessionRow(workspaceId, id));
      const a = await store.lastActivity(workspaceId, row.id, kinds);
      return a ? toActivity(a) : null;
    },

    /** The account a create goes to: `accountId`, or the workspace's only account with a key (400 naming `path`). */
    async resolveAccount(workspaceId: string, accountId: string | undefined, path = 'body.accountId'): Promise<string> {
      if (accountId) {
        const acc = await accounts.row(workspaceId, accountId);
        if (!acc) throw badRequest(`No Jules account ${accountId} in this workspace`, [{ path, message: 'not a Jules account of this workspace (GET /api/jules/accounts)' }]);
        return acc.id;
      }
      const rows = (await accounts.rows(workspaceId)).filter((r) => accounts.client(r));
      if (rows.length === 0) throw badRequest('No Jules account is configured for this workspace', [{ path, message: 'add one with POST /api/jules/accounts' }]);
      if (rows.length > 1) throw badRequest('This workspace has several Jules accounts: say which', [{ path, message: 'required when the workspace has several accounts' }]);
      return rows[0].id;
    },

    /**
     * Sends one create to Jules through the account and mirrors the session at once. Only the dispatcher calls this
     * (every create goes through it). `raw`: Jules failures are thrown as the client's UpstreamErrors (the dispatcher
     * decides retries by type); otherwise as AppErrors in the user's terms.
     */
    async createOn(workspaceId: string, accountId: string, body: Omit<CreateSessionBody, 'accountId'>, o: { signal?: AbortSignal; raw?: boolean } = {}): Promise<SessionDetail> {
      const { acc, client } = await clientOf(workspaceId, accountId);
      const source = body.source === undefined ? undefined : normalizeSource(body.source);
      const send = async () => {
        try {
          return await client.createSession(
            {
              prompt: body.prompt,
              title: body.title,
              source,
              startingBranch: body.startingBranch,
              requirePlanApproval: body.requirePlanApproval,
              automationMode: body.autoCreatePr ? 'AUTO_CREATE_PR' : undefined,
            },
            { signal: o.signal },
          );
        } catch (err) {
          // Jules's 404 on create is the repository: say so on the field, not "HTTP 404 Source not found".
          if (err instanceof UpstreamNotFound && source) {
            throw new AppError('not_found', `The repository ${repoOf(source)} is not connected to this Jules account (${acc.name}): connect it at jules.google.com, or pick one of the account's sources`, {
              issues: [{ path: 'body.source', message: 'not connected to this Jules account' }],
            });
          }
          throw err;
        }
      };
      const s = o.raw ? await send() : await upstream(send, !accounts.trusted(acc), 'create the session');
      return service.recordCreated(workspaceId, acc.id, s, body);
    },

    /** Mirrors a session Jules created for us (sent now, or found by a reconcile) with what we asked for. */
    async recordCreated(workspaceId: string, accountId: string, s: Parameters<typeof upsertSession>[2], body: Pick<CreateSessionBody, 'requirePlanApproval' | 'autoCreatePr'>): Promise<SessionDetail> {
      const r = await upsertSession(syncDeps, { accountId, workspaceId, backfill: false }, s, await store.byJulesId(accountId, s.id));
      // What we asked for, recorded here: Jules treats these as input-only, so the keeper must not wait for an echo.
      await store.update(r.id, {
        orchestrator_created: 1,
        intent_require_plan_approval: body.requirePlanApproval ? 1 : 0,
        intent_automation_mode: body.autoCreatePr ? 'AUTO_CREATE_PR' : null,
      });
      return toDetail(await sessionRow(workspaceId, r.id));
    },

    approvePlan: (workspaceId: string, id: string) => act(workspaceId, id, 'approvePlan', (c, jid) => c.approvePlan(jid)),
    sendMessage: (workspaceId: string, id: string, message: string) => act(workspaceId, id, 'sendMessage', (c, jid) => c.sendMessage(jid, message)),
    archive: (workspaceId: string, id: string) => act(workspaceId, id, 'archive', (c, jid) => c.archive(jid)),
    unarchive: (workspaceId: string, id: string) => act(workspaceId, id, 'unarchive', (c, jid) => c.unarchive(jid)),

    /** Deletes on Jules; the mirror keeps the row marked deleted (already gone upstream counts as success). */
    async remove(workspaceId: string, id: string): Promise<SessionDetail> {
      const row = await sessionRow(workspaceId, id);
      const { acc, client } = await clientOf(workspaceId, row.account_id);
      try {
        await client.deleteSession(row.jules_id);
      } catch (err) {
        if (!(err instanceof UpstreamNotFound)) throw upstreamToAppError(err, 'Jules', { quiet: !accounts.trusted(acc), doing: 'delete the session' });
      }
      if (!row.deleted_at) {
        await store.update(row.id, { deleted_at: iso(clock) });
        await deps.bus.publish('session.deleted', workspaceId, { id: row.id, julesId: row.jules_id });
      }
      return toDetail(await sessionRow(workspaceId, row.id));
    },

    /** One poll of one account; records the outcome on the account row. */
    async syncAccount(acc: JulesAccountsTable, signal?: AbortSignal): Promise<SyncReport | null> {
      const client = accounts.client(acc);
      if (!client) return null;
      const now = clock.now();
      const archivedPass = acc.last_archived_sync_at === null || now - Number(acc.last_archived_sync_at) >= archivedEvery;
      try {
        const report = await syncAccount(syncDeps, { accountId: acc.id, workspaceId: acc.workspace_id, backfill: acc.last_full_sync_at === null }, client, { archivedPass, signal });
        const at = iso(clock);
        await accounts.recordSync(acc.id, { last_sync_at: at, last_full_sync_at: at, last_error: null, ...(archivedPass ? { last_archived_sync_at: now } : {}) });
        return report;
      } catch (err) {
        if (err instanceof UpstreamRateLimited) notBefore.set(acc.id, clock.now() + err.retryAfterMs);
        // A rejected key stays rejected until someone fixes it: ask again every few minutes, not every poll.
        if (err instanceof UpstreamAuth) notBefore.set(acc.id, clock.now() + AUTH_RETRY_MS);
        await accounts.recordSync(acc.id, { last_error: publicUpstreamMessage(err) });
        throw err;
      }
    },

    /** One poll of every account that has a key and is not waiting out a rate limit. Errors are per account. */
    async syncAll(signal?: AbortSignal): Promise<Map<string, SyncReport>> {
      const out = new Map<string, SyncReport>();
      for (const acc of await accounts.allRows()) {
        if (signal?.aborted) break;
        if ((notBefore.get(acc.id) ?? 0) > clock.now()) continue;
        try {
          const r = await service.syncAccount(acc, signal);
          if (r) out.set(acc.id, r);
        } catch (err) {
          log.warn({ err: (err as Error).message, accountId: acc.id }, 'Jules sync failed for an account');
        }
      }
      return out;
    },
  };
  return service;
}
export type SessionsService = ReturnType<typeof createSessionsService>;
