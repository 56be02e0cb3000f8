import {
  routes,
  type CreateJulesAccountBody,
  type UpdateJulesAccountBody,
  type CreateSessionBody,
  type SessionActivity,
  type SessionSummary,
  type BoardColumnId,
} from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.sessions;

/** Filters of `GET /api/sessions`; `state` may list several states. */
export interface SessionListQuery {
  state?: string | readonly string[];
  source?: string;
  text?: string;
  archived?: 'true' | 'false' | 'all';
  deleted?: boolean;
  accountId?: string;
  /** Only one board column (contracts/board.ts), newest update first. */
  column?: BoardColumnId;
  limit?: number;
  cursor?: string;
}

const filterQuery = (q: Omit<SessionListQuery, 'limit' | 'cursor' | 'column'>) => ({
  state: Array.isArray(q.state) ? q.state.join(',') : (q.state as string | undefined),
  source: q.source,
  text: q.text,
  archived: q.archived,
  deleted: q.deleted === undefined ? undefined : String(q.deleted),
  accountId: q.accountId,
});

/** The sessions endpoints: list with filters and cursor pagination, detail, activities, and the actions. */
export function sessionsApi(t: Transport) {
  const endpoint = endpoints(t);
  const list = endpoint(r.list, (call) => (q: SessionListQuery = {}, signal?: AbortSignal) =>
    call({ query: { ...filterQuery(q), column: q.column, limit: q.limit, cursor: q.cursor }, signal }),
  );
  const activities = endpoint(r.activities, (call) => (id: string, q: { limit?: number; cursor?: string } = {}, signal?: AbortSignal) => call({ params: { id }, query: q, signal }));

  return {
    list,
    /** Sessions per board column with the same filters as `list`, their total, and the workspace's sources. */
    counts: endpoint(r.counts, (call) => (q: Omit<SessionListQuery, 'limit' | 'cursor' | 'column'> = {}, signal?: AbortSignal) => call({ query: filterQuery(q), signal })),
    /**
     * Every session matching `q`, following cursors page by page. `onPage` sees the running total after each page,
     * so a UI can show the first rows while the rest load.
     */
    async listAll(q: Omit<SessionListQuery, 'cursor'> = {}, opts: { signal?: AbortSignal; onPage?: (soFar: SessionSummary[]) => void } = {}) {
      const all: SessionSummary[] = [];
      let cursor: string | undefined;
      do {
        const page = await list({ limit: 500, ...q, cursor }, opts.signal);
        all.push(...page.items);
        opts.onPage?.(all);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return all;
    },
    get: endpoint(r.get, (call) => (id: string, signal?: AbortSignal) => call({ params: { id }, signal })),
    activities,
    /** All of a session's activities, oldest first. */
    async allActivities(id: string, signal?: AbortSignal) {
      const all: SessionActivity[] = [];
      let cursor: string | undefined;
      do {
        const page = await activities(id, { limit: 500, cursor }, signal);
        all.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return all;
    },
    create: endpoint(r.create, (call) => (body: CreateSessionBody) => call({ body })),
    approvePlan: endpoint(r.approvePlan, (call) => (id: string) => call({ params: { id } })),
    sendMessage: endpoint(r.sendMessage, (call) => (id: string, message: string) => call({ params: { id }, body: { message } })),
    archive: endpoint(r.archive, (call) => (id: string) => call({ params: { id } })),
    unarchive: endpoint(r.unarchive, (call) => (id: string) => call({ params: { id } })),
    /** Deletes the session on Jules (the mirror keeps it, marked deleted). */
    remove: endpoint(r.remove, (call) => (id: string) => call({ params: { id } })),
    /** Jules accounts (API keys) the sessions come from; keys are shown as their last 4 characters only. */
    accounts: {
      list: endpoint(r.listAccounts, (call) => (signal?: AbortSignal) => call({ signal })),
      add: endpoint(r.addAccount, (call) => (body: CreateJulesAccountBody) => call({ body })),
      update: endpoint(r.updateAccount, (call) => (id: string, body: UpdateJulesAccountBody) => call({ params: { id }, body })),
      remove: endpoint(r.removeAccount, (call) => (id: string) => call({ params: { id } })),
      /** The repositories one account can start sessions on. */
      sources: endpoint(r.accountSources, (call) => (id: string, q: { q?: string; refresh?: boolean; limit?: number } = {}, signal?: AbortSignal) =>
        call({ params: { id }, query: { q: q.q, refresh: q.refresh === undefined ? undefined : String(q.refresh) as 'true' | 'false', limit: q.limit }, signal }),
      ),
    },
    /**
     * The repositories the workspace's Jules accounts can start sessions on (cached on the server a few minutes per
     * account; `refresh` asks Jules again). `q` matches part of owner/repo.
     */
    sources: endpoint(r.listSources, (call) => (q: { q?: string; accountId?: string; refresh?: boolean; limit?: number } = {}, signal?: AbortSignal) =>
      call({ query: { q: q.q, accountId: q.accountId, refresh: q.refresh === undefined ? undefined : String(q.refresh) as 'true' | 'false', limit: q.limit }, signal }),
    ),
  };
}
