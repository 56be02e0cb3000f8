import { z } from '@hono/zod-openapi';
import {
  ActivityPage, BoardCounts, BoardCountsQuery, CreateJulesAccountBody, UpdateJulesAccountBody, ErrorBody, CreateSessionBody, JulesAccount, JulesAccountList, ListSessionsQuery, PageQuery, SendMessageBody,
  SessionDetail, SessionPage,
} from '@autopilot/contracts';
import { apiRoute, jsonBody, jsonOk } from '../../platform/http/route';
import { hasRole } from '../../platform/http/auth';
import { forbidden } from '../../platform/errors';
import type { ApiApp } from '../../platform/http/types';
import type { SessionsService } from './sessions.service';
import type { AccountsService } from './accounts.service';
import type { BoardService } from './sessions.board';

const tags = ['sessions'];
const IdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' } }) });
const upstreamErrors = {
  429: jsonOk(ErrorBody, 'Jules rate limit: details.retryAfterMs says when to retry'),
  502: jsonOk(ErrorBody, 'Jules answered unexpectedly or rejected the account key'),
  503: jsonOk(ErrorBody, 'Jules unavailable, or our circuit breaker is open'),
};

/** /api/sessions (the mirror, and actions that go through Jules) and /api/jules/accounts. */
export function registerSessionsRoutes(app: ApiApp, deps: { sessions: SessionsService; accounts: AccountsService; board: BoardService }) {
  const { sessions, accounts, board } = deps;
  const ws = (c: { get(k: 'auth'): { workspaceId: string } }) => c.get('auth').workspaceId;

  app.openapi(
    apiRoute({ method: 'get', path: '/api/sessions', tags, summary: 'Mirrored Jules sessions, newest update first', request: { query: ListSessionsQuery }, responses: { 200: jsonOk(SessionPage) } }),
    async (c) => {
      const q = c.req.valid('query');
      // A board column page goes through the board's index; without a column, the plain list.
      return c.json(q.column ? await board.list(ws(c), { ...q, column: q.column }) : await sessions.list(ws(c), q), 200);
    },
  );

  // Before /api/sessions/{id}, which would otherwise take "counts" for an id.
  app.openapi(
    apiRoute({
      method: 'get',
      path: '/api/sessions/counts',
      tags,
      summary: 'Sessions per board column, with the same filters as the list (and the sources for the repository filter)',
      request: { query: BoardCountsQuery },
      responses: { 200: jsonOk(BoardCounts) },
    }),
    async (c) => c.json(await board.counts(ws(c), c.req.valid('query')), 200),
  );

  app.openapi(
    apiRoute({ method: 'get', path: '/api/sessions/{id}', tags, summary: 'One session', request: { params: IdParam }, responses: { 200: jsonOk(SessionDetail) } }),
    async (c) => c.json(await sessions.get(ws(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    apiRoute({
      method: 'get',
      path: '/api/sessions/{id}/activities',
      tags,
      summary: "A session's activities, oldest first",
      request: { params: IdParam, query: PageQuery },
      responses: { 200: jsonOk(ActivityPage) },
    }),
    async (c) => c.json(await sessions.activities(ws(c), c.req.valid('param').id, c.req.valid('query')), 200),
  );

  app.openapi(
    apiRoute({
      method: 'post',
      path: '/api/sessions',
      tags,
      summary: 'Create a session on Jules',
      request: { body: jsonBody(CreateSessionBody) },
      responses: { 201: jsonOk(SessionDetail, 'Created'), ...upstreamErrors },
    }),
    async (c) => c.json(await sessions.create(ws(c), c.req.valid('json')), 201),
  );

  const action = (verb: 'approve-plan' | 'archive' | 'unarchive', summary: string, fn: (w: string, id: string) => Promise<unknown>) =>
    app.openapi(
      apiRoute({ method: 'post', path: `/api/sessions/{id}/${verb}`, tags, summary, request: { params: IdParam }, responses: { 200: jsonOk(SessionDetail), ...upstreamErrors } }),
      async (c) => c.json((await fn(ws(c), c.req.valid('param').id)) as SessionDetail, 200),
    );
  action('approve-plan', 'Approve the plan awaiting approval', (w, id) => sessions.approvePlan(w, id));
  action('archive', 'Archive the session on Jules', (w, id) => sessions.archive(w, id));
  action('unarchive', 'Unarchive the session on Jules', (w, id) => sessions.unarchive(w, id));

  app.openapi(
    apiRoute({
      method: 'post',
      path: '/api/sessions/{id}/messages',
      tags,
      summary: 'Send a message to the agent',
      request: { params: IdParam, body: jsonBody(SendMessageBody) },
      responses: { 200: jsonOk(SessionDetail), ...upstreamErrors },
    }),
    async (c) => c.json(await sessions.sendMessage(ws(c), c.req.valid('param').id, c.req.valid('json').message), 200),
  );

  app.openapi(
    apiRoute({ method: 'delete', path: '/api/sessions/{id}', tags, summary: 'Delete on Jules (kept here, marked deleted)', request: { params: IdParam }, responses: { 200: jsonOk(SessionDetail), ...upstreamErrors } }),
    async (c) => c.json(await sessions.remove(ws(c), c.req.valid('param').id), 200),
  );

  const accTags = ['jules-accounts'];
  app.openapi(
    apiRoute({ method: 'get', path: '/api/jules/accounts', tags: accTags, summary: 'Jules accounts (API keys shown as last 4 characters)', responses: { 200: jsonOk(JulesAccountList) } }),
    async (c) => c.json({ items: await accounts.list(ws(c)) }, 200),
  );

  app.openapi(
    apiRoute({
      method: 'post',
      path: '/api/jules/accounts',
      tags: accTags,
      summary: 'Add a Jules API key to this workspace',
      request: { body: jsonBody(CreateJulesAccountBody) },
      responses: { 201: jsonOk(JulesAccount, 'Created') },
    }),
    async (c) => {
      if (!hasRole(c.get('auth'), 'admin')) throw forbidden('Only admins and owners manage Jules accounts');
      return c.json(await accounts.add(ws(c), c.req.valid('json')), 201);
    },
  );

  app.openapi(
    apiRoute({
      method: 'patch',
      path: '/api/jules/accounts/{id}',
      tags: accTags,
      summary: 'Rename a Jules account, rotate its key, or move it to another base URL (which needs the key again)',
      request: { params: IdParam, body: jsonBody(UpdateJulesAccountBody) },
      responses: { 200: jsonOk(JulesAccount) },
    }),
    async (c) => {
      if (!hasRole(c.get('auth'), 'admin')) throw forbidden('Only admins and owners manage Jules accounts');
      return c.json(await accounts.update(ws(c), c.req.valid('param').id, c.req.valid('json')), 200);
    },
  );

  app.openapi(
    apiRoute({ method: 'delete', path: '/api/jules/accounts/{id}', tags: accTags, summary: 'Remove a Jules account and its mirrored sessions', request: { params: IdParam }, responses: { 200: jsonOk(JulesAccount) } }),
    async (c) => {
      if (!hasRole(c.get('auth'), 'admin')) throw forbidden('Only admins and owners manage Jules accounts');
      return c.json(await accounts.remove(ws(c), c.req.valid('param').id), 200);
    },
  );
}
