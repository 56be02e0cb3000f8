import { ErrorBody, PageQuery } from '../common';
import {
  ActivityPage, BoardCounts, BoardCountsQuery, CreateJulesAccountBody, CreateSessionBody, JulesAccount, JulesAccountList, ListSessionsQuery, SendMessageBody, SessionDetail, SessionPage, UpdateJulesAccountBody,
} from '../sessions';
import { JulesSourceList, ListSourcesQuery } from '../sources';
import { DispatchIntent } from '../dispatch';
import { declareRoutes, IdParam, jsonBody, jsonOk } from './define';

const tags = ['sessions'];
const accTags = ['jules-accounts'];
const upstreamErrors = {
  429: jsonOk(ErrorBody, 'Jules rate limit: details.retryAfterMs says when to retry'),
  502: jsonOk(ErrorBody, 'Jules answered unexpectedly or rejected the account key'),
  503: jsonOk(ErrorBody, 'Jules unavailable, or our circuit breaker is open'),
};
/** Session actions refused for the session's state: deleted, archived (messages), no plan awaiting approval ... */
const stateConflict = { 409: jsonOk(ErrorBody, "The session's state does not take this action (details.state says which state it is in)") };
const accountsAdmin = { minRole: 'admin', denied: 'Only admins and owners manage Jules accounts' } as const;

/** An action on one session that goes through Jules and answers the session as it is afterwards. */
const action = <V extends string>(verb: V, summary: string) => ({
  method: 'post' as const,
  path: `/api/sessions/{id}/${verb}` as const,
  tags,
  summary,
  request: { params: IdParam },
  responses: { 200: jsonOk(SessionDetail), ...stateConflict, ...upstreamErrors },
});

/** /api/sessions (the mirror, and actions that go through Jules) and /api/jules/accounts. */
export const sessions = declareRoutes({
  list: { method: 'get', path: '/api/sessions', tags, summary: 'Mirrored Jules sessions, newest update first', request: { query: ListSessionsQuery }, responses: { 200: jsonOk(SessionPage) } },
  counts: {
    method: 'get',
    path: '/api/sessions/counts',
    tags,
    summary: 'Sessions per board column, with the same filters as the list (and the sources for the repository filter)',
    request: { query: BoardCountsQuery },
    responses: { 200: jsonOk(BoardCounts) },
  },
  get: { method: 'get', path: '/api/sessions/{id}', tags, summary: 'One session', request: { params: IdParam }, responses: { 200: jsonOk(SessionDetail) } },
  activities: {
    method: 'get',
    path: '/api/sessions/{id}/activities',
    tags,
    summary: "A session's activities, oldest first",
    request: { params: IdParam, query: PageQuery },
    responses: { 200: jsonOk(ActivityPage) },
  },
  create: {
    method: 'post',
    path: '/api/sessions',
    tags,
    summary:
      "Create a session on Jules through the dispatcher: 201 with the session when it was sent at once; 202 with the dispatch intent (position, eta, waitingFor) when the account's plan limits hold it (it is sent when a slot frees)",
    request: { body: jsonBody(CreateSessionBody) },
    responses: { 201: jsonOk(SessionDetail, 'Created'), 202: jsonOk(DispatchIntent, 'Queued: the dispatcher sends it when the account has room (GET /api/dispatch/intents/{id})'), ...upstreamErrors },
  },
  approvePlan: action('approve-plan', 'Approve the plan awaiting approval'),
  archive: action('archive', 'Archive the session on Jules'),
  unarchive: action('unarchive', 'Unarchive the session on Jules'),
  sendMessage: {
    method: 'post',
    path: '/api/sessions/{id}/messages',
    tags,
    summary: 'Send a message to the agent',
    request: { params: IdParam, body: jsonBody(SendMessageBody) },
    responses: { 200: jsonOk(SessionDetail), ...stateConflict, ...upstreamErrors },
  },
  remove: {
    method: 'delete',
    path: '/api/sessions/{id}',
    tags,
    summary: 'Delete on Jules (kept here, marked deleted)',
    request: { params: IdParam },
    responses: { 200: jsonOk(SessionDetail), ...stateConflict, ...upstreamErrors },
  },
  listAccounts: { method: 'get', path: '/api/jules/accounts', tags: accTags, summary: 'Jules accounts (API keys shown as last 4 characters)', responses: { 200: jsonOk(JulesAccountList) } },
  addAccount: {
    method: 'post',
    path: '/api/jules/accounts',
    tags: accTags,
    summary: 'Add a Jules API key to this workspace, once a live call to Jules accepted it (400 naming body.apiKey when Jules refuses it)',
    ...accountsAdmin,
    request: { body: jsonBody(CreateJulesAccountBody) },
    responses: {
      201: jsonOk(JulesAccount, 'Created'),
      429: jsonOk(ErrorBody, 'Jules is limiting requests: try again'),
      503: jsonOk(ErrorBody, 'Jules answered 5xx, so the key could not be checked; nothing was saved'),
    },
  },
  updateAccount: {
    method: 'patch',
    path: '/api/jules/accounts/{id}',
    tags: accTags,
    summary: 'Rename a Jules account, rotate its key, or move it to another base URL (which needs the key again)',
    ...accountsAdmin,
    request: { params: IdParam, body: jsonBody(UpdateJulesAccountBody) },
    responses: {
      200: jsonOk(JulesAccount),
      429: jsonOk(ErrorBody, 'Jules is limiting requests: try again'),
      503: jsonOk(ErrorBody, 'Jules answered 5xx, so the new key could not be checked; nothing was changed'),
    },
  },
  removeAccount: {
    method: 'delete',
    path: '/api/jules/accounts/{id}',
    tags: accTags,
    summary: 'Remove a Jules account and its mirrored sessions',
    ...accountsAdmin,
    request: { params: IdParam },
    responses: { 200: jsonOk(JulesAccount) },
  },
  listSources: {
    method: 'get',
    path: '/api/jules/sources',
    tags: accTags,
    summary: "The repositories the workspace's Jules accounts can start sessions on (cached a few minutes per account; refresh=true asks Jules again)",
    request: { query: ListSourcesQuery },
    responses: { 200: jsonOk(JulesSourceList) },
  },
  accountSources: {
    method: 'get',
    path: '/api/jules/accounts/{id}/sources',
    tags: accTags,
    summary: 'The repositories one Jules account can start sessions on',
    request: { params: IdParam, query: ListSourcesQuery.omit({ accountId: true }) },
    responses: { 200: jsonOk(JulesSourceList) },
  },
});
