import { normalizeSource, type CreateSessionBody, type ErrorCode, type FieldIssue, type SessionDetail } from '@autopilot/contracts';
import type { Db } from '../../platform/db';
import { AppError } from '../../platform/errors';
import { UpstreamAuth, UpstreamBadRequest, UpstreamError, UpstreamMalformed, UpstreamNotFound, UpstreamRateLimited, UpstreamUnavailable, isPrecondition, upstreamToAppError } from '../../integrations/jules';
import type { AccountsService } from './accounts.service';
import type { SessionsService } from './sessions.service';
import type { SourcesService } from './sources.service';

/** What the dispatcher asks of the sessions feature about one account (it never reads session or account rows). */
export interface AccountLoad {
  /** Sessions holding a slot on Jules (not COMPLETED or FAILED, not deleted), per the mirror. */
  active: number;
  /** Create times (epoch ms, oldest first) of the account's sessions in the last 24 hours. */
  createdInDay: number[];
  /** Create times (epoch ms) of the active sessions: when each started holding its slot (at the latest). */
  activeSince: number[];
  /** How long the account's recently finished sessions ran (create to last update), ms, newest first. */
  recentRunsMs: number[];
}

export interface CreateMatch {
  prompt: string;
  source: string | null;
  /** Only sessions created at or after this (epoch ms; the send time minus a clock-skew margin). */
  sinceMs: number;
  /** Recorded with the session found, as a create records them (Jules never echoes them). */
  requirePlanApproval?: boolean;
  autoCreatePr?: boolean;
}

/** A failure as the API would answer it (message in the user's terms; nothing an untrusted upstream wrote). */
export interface SendError {
  code: ErrorCode;
  message: string;
  issues?: FieldIssue[];
  retryAfterMs?: number;
}

/**
 * What one create did, as the dispatcher needs to know it: created; certainly not created and worth retrying
 * (`retry`: Jules' "Could not get source" under parallel load, a 429, a 503 or an open breaker); certainly not
 * created and not worth retrying (`refused`); or `unknown` (a timeout, a lost connection, a 5xx or an unreadable
 * answer: Jules may have created it, so the account's sessions are looked at before anything is sent again).
 */
export type SendOutcome =
  | { kind: 'created'; session: SessionDetail }
  | { kind: 'retry'; reason: 'could_not_get_source' | 'rate_limited' | 'unavailable'; afterMs?: number; error: SendError }
  | { kind: 'refused'; error: SendError }
  | { kind: 'unknown'; error: SendError };

export interface SessionsDispatchPort {
  /** Sends one create through the account (the dispatcher is the only caller) and classifies what happened. */
  send(workspaceId: string, accountId: string, body: Omit<CreateSessionBody, 'accountId'>, signal?: AbortSignal): Promise<SendOutcome>;
  /** The workspace's Jules accounts that can create here (a key is configured). */
  creatableAccounts(workspaceId: string): Promise<Array<{ id: string; name: string }>>;
  accountName(workspaceId: string, accountId: string): Promise<string | null>;
  load(accountId: string, nowMs: number): Promise<AccountLoad>;
  /**
   * Looks on Jules (newest sessions first, fresh pages, never the mirror alone) for a session created for `match`
   * that `isLinked` does not already claim for another intent; mirrors and answers the oldest such one.
   */
  findCreated(workspaceId: string, accountId: string, match: CreateMatch, isLinked: (julesIds: string[]) => Promise<Set<string>>, signal?: AbortSignal): Promise<SessionDetail | null>;
  /** The repository's default branch as the account's source list says (cached), or null when unknown. */
  defaultBranch(workspaceId: string, accountId: string, source: string): Promise<string | null>;
}

const DAY_MS = 86_400_000;
/** Pages of the newest sessions a reconcile reads at most (100 each): far more than creates in flight at once. */
const RECONCILE_PAGES = 3;

export function createSessionsDispatchPort(deps: { db: Db; sessions: SessionsService; accounts: AccountsService; sources: SourcesService }): SessionsDispatchPort {
  const k = deps.db.kysely;
  const ms = (t: string) => Date.parse(t);
  const asSendError = (err: unknown, quiet: boolean): SendError => {
    const e = err instanceof AppError ? err : upstreamToAppError(err, 'Jules', { quiet, doing: 'create the session' });
    if (e instanceof AppError) return { code: e.code, message: e.message, ...(e.details?.issues ? { issues: e.details.issues } : {}), ...(e.details?.retryAfterMs !== undefined ? { retryAfterMs: e.details.retryAfterMs } : {}) };
    return { code: 'upstream_unavailable', message: 'Jules did not answer the create in time; the account\'s sessions are checked before it is sent again' };
  };
  return {
    async send(workspaceId, accountId, body, signal) {
      const acc = await deps.accounts.row(workspaceId, accountId);
      const quiet = acc ? !deps.accounts.trusted(acc) : true;
      try {
        return { kind: 'created', session: await deps.sessions.createOn(workspaceId, accountId, body, { signal, raw: true }) };
      } catch (err) {
        const error = asSendError(err, quiet);
        if (err instanceof AppError) return { kind: 'refused', error };
        if (err instanceof UpstreamRateLimited) return { kind: 'retry', reason: 'rate_limited', afterMs: err.retryAfterMs, error };
        // Jules' answer to parallel creates under load: nothing was created, and it is not about the source.
        if (isPrecondition(err) && /could not get source/i.test((err as Error).message)) return { kind: 'retry', reason: 'could_not_get_source', error };
        if (err instanceof UpstreamUnavailable && (err.breakerOpen || err.notSent || err.status === 503)) return { kind: 'retry', reason: 'unavailable', error };
        if (err instanceof UpstreamAuth || err instanceof UpstreamNotFound || err instanceof UpstreamBadRequest) return { kind: 'refused', error };
        if (err instanceof UpstreamMalformed || err instanceof UpstreamError) return { kind: 'unknown', error };
        // Our own abort (a send past its deadline) or a failure after Jules answered (mirroring it): may exist.
        return { kind: 'unknown', error };
      }
    },
    async creatableAccounts(workspaceId) {
      return (await deps.accounts.rows(workspaceId)).filter((r) => deps.accounts.client(r)).map((r) => ({ id: r.id, name: r.name }));
    },
    async accountName(workspaceId, accountId) {
      return (await deps.accounts.row(workspaceId, accountId))?.name ?? null;
    },
    async load(accountId, nowMs) {
      const since = new Date(nowMs - DAY_MS).toISOString();
      const [active, created, runs] = await Promise.all([
        k.selectFrom('jules_sessions').select('create_time').where('account_id', '=', accountId).where('deleted_at', 'is', null).where('state', 'not in', ['COMPLETED', 'FAILED']).execute(),
        k.selectFrom('jules_sessions').select('create_time').where('account_id', '=', accountId).where('create_time', '>=', since).orderBy('create_time').execute(),
        k
          .selectFrom('jules_sessions')
          .select(['create_time', 'update_time'])
          .where('account_id', '=', accountId)
          .where('state', 'in', ['COMPLETED', 'FAILED'])
          .orderBy('update_time', 'desc')
          .limit(50)
          .execute(),
      ]);
      return {
        active: active.length,
        activeSince: active.map((r) => ms(r.create_time)).filter(Number.isFinite),
        createdInDay: created.map((r) => ms(r.create_time)).filter(Number.isFinite),
        recentRunsMs: runs.map((r) => ms(r.update_time) - ms(r.create_time)).filter((d) => Number.isFinite(d) && d >= 0),
      };
    },
    async findCreated(workspaceId, accountId, match, isLinked, signal) {
      const acc = await deps.accounts.row(workspaceId, accountId);
      const client = acc ? deps.accounts.client(acc) : null;
      if (!acc || !client) return null;
      const want = match.source ? normalizeSource(match.source) : null;
      let pageToken: string | undefined;
      for (let page = 0; page < RECONCILE_PAGES; page++) {
        const p = await client.listSessions({ pageSize: 100, pageToken, signal });
        const candidates = p.items.filter((s) => s.prompt === match.prompt && (s.sourceContext?.source ?? null) === want && ms(s.createTime) >= match.sinceMs);
        if (candidates.length) {
          const linked = await isLinked(candidates.map((s) => s.id));
          // Oldest first: with two identical intents, the earlier send matches the earlier session.
          const free = candidates.filter((s) => !linked.has(s.id)).sort((a, b) => ms(a.createTime) - ms(b.createTime));
          if (free.length) return deps.sessions.recordCreated(workspaceId, accountId, free[0], { requirePlanApproval: match.requirePlanApproval, autoCreatePr: match.autoCreatePr });
        }
        // Newest first: once a page reaches sessions older than the window, nothing further can match.
        const oldest = p.items.length ? Math.min(...p.items.map((s) => ms(s.createTime))) : -Infinity;
        if (!p.nextPageToken || oldest < match.sinceMs) break;
        pageToken = p.nextPageToken;
      }
      return null;
    },
    async defaultBranch(workspaceId, accountId, source) {
      const name = normalizeSource(source);
      try {
        const list = await deps.sources.list(workspaceId, { accountId, q: name, limit: 5 });
        return list.items.find((s) => s.name === name)?.defaultBranch ?? null;
      } catch {
        return null;
      }
    },
  };
}
