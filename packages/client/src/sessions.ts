import {
  ActivityPage,
  BoardCounts,
  JulesAccount,
  JulesAccountList,
  SessionDetail,
  SessionPage,
  type CreateJulesAccountBody,
  type UpdateJulesAccountBody,
  type CreateSessionBody,
  type SessionActivity,
  type SessionSummary,
  type BoardColumnId,
} from '@autopilot/contracts';
import type { Transport } from './http';

const enc = encodeURIComponent;

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
  const { request } = t;
  const list = (q: SessionListQuery = {}, signal?: AbortSignal) =>
    request({
      method: 'GET',
      path: '/api/sessions',
      query: { ...filterQuery(q), column: q.column, limit: q.limit, cursor: q.cursor },
      schema: SessionPage,
      signal,
    });
  const activities = (id: string, q: { limit?: number; cursor?: string } = {}, signal?: AbortSignal) =>
    request({ method: 'GET', path: `/api/sessions/${enc(id)}/activities`, query: q, schema: ActivityPage, signal });

  return {
    list,
    /** Sessions per board column with the same filters as `list`, their total, and the workspace's sources. */
    counts: (q: Omit<SessionListQuery, 'limit' | 'cursor' | 'column'> = {}, signal?: AbortSignal) =>
      request({ method: 'GET', path: '/api/sessions/counts', query: filterQuery(q), schema: BoardCounts, signal }),
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
    get: (id: string, signal?: AbortSignal) => request({ method: 'GET', path: `/api/sessions/${enc(id)}`, schema: SessionDetail, signal }),
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
    create: (body: CreateSessionBody) => request({ method: 'POST', path: '/api/sessions', body, schema: SessionDetail }),
    approvePlan: (id: string) => request({ method: 'POST', path: `/api/sessions/${enc(id)}/approve-plan`, body: {}, schema: SessionDetail }),
    sendMessage: (id: string, message: string) => request({ method: 'POST', path: `/api/sessions/${enc(id)}/messages`, body: { message }, schema: SessionDetail }),
    archive: (id: string) => request({ method: 'POST', path: `/api/sessions/${enc(id)}/archive`, body: {}, schema: SessionDetail }),
    unarchive: (id: string) => request({ method: 'POST', path: `/api/sessions/${enc(id)}/unarchive`, body: {}, schema: SessionDetail }),
    /** Jules accounts (API keys) the sessions come from; keys are shown as their last 4 characters only. */
    accounts: {
      list: (signal?: AbortSignal) => request({ method: 'GET', path: '/api/jules/accounts', schema: JulesAccountList, signal }),
      add: (body: CreateJulesAccountBody) => request({ method: 'POST', path: '/api/jules/accounts', body, schema: JulesAccount }),
      update: (id: string, body: UpdateJulesAccountBody) => request({ method: 'PATCH', path: `/api/jules/accounts/${enc(id)}`, body, schema: JulesAccount }),
      remove: (id: string) => request({ method: 'DELETE', path: `/api/jules/accounts/${enc(id)}`, schema: JulesAccount }),
    },
  };
}
