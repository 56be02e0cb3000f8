import { ApiKeyInfo, ApiKeyList, AuthSessionInfo, CreateApiKeyBody, CreatedApiKey, CreatedWorkspace, CreateWorkspaceBody, LoggedOut, LoginBody, Me, UpdateWorkspaceBody, WorkspaceInfo, WorkspaceList } from '../workspaces';
import { declareRoutes, IdParam, jsonBody, jsonOk } from './define';
import { LoginLink } from '../workspaces';

const tags = ['workspaces'];
const authTags = ['auth'];

/**
 * /api/me, /api/keys and /api/workspaces, and /api/auth/session (the dashboard's log-in, who-am-I and log-out).
 * Key and workspace rules by role (owner and admin keys by owners only, ...) live in the workspaces service.
 */
export const workspaces = declareRoutes({
  me: { method: 'get', path: '/api/me', tags, summary: 'The calling key, its workspace and role', responses: { 200: jsonOk(Me) } },
  listKeys: { method: 'get', path: '/api/keys', tags, summary: 'API keys of this workspace (never the keys themselves)', responses: { 200: jsonOk(ApiKeyList) } },
  createKey: {
    method: 'post',
    path: '/api/keys',
    tags,
    summary: 'Create an API key (shown once; owner and admin keys by owners only)',
    request: { body: jsonBody(CreateApiKeyBody) },
    responses: { 201: jsonOk(CreatedApiKey, 'Created') },
  },
  revokeKey: {
    method: 'delete',
    path: '/api/keys/{id}',
    tags,
    summary: 'Revoke an API key and its log-in sessions (owner and admin keys by owners only; never the last owner key)',
    request: { params: IdParam },
    responses: { 200: jsonOk(ApiKeyInfo) },
  },
  list: { method: 'get', path: '/api/workspaces', tags, summary: 'Workspaces this key can see', responses: { 200: jsonOk(WorkspaceList) } },
  create: {
    method: 'post',
    path: '/api/workspaces',
    tags,
    summary: 'Create a workspace with its first owner key (owners of the default workspace only)',
    request: { body: jsonBody(CreateWorkspaceBody) },
    responses: { 201: jsonOk(CreatedWorkspace, 'Created') },
  },
  update: {
    method: 'patch',
    path: '/api/workspaces/{id}',
    tags,
    summary: 'Rename a workspace (admins and owners of that workspace; names are unique, the default workspace keeps its name)',
    minRole: 'admin',
    denied: 'Only admins and owners rename the workspace',
    request: { params: IdParam, body: jsonBody(UpdateWorkspaceBody) },
    responses: { 200: jsonOk(WorkspaceInfo) },
  },
  login: {
    method: 'post',
    path: '/api/auth/session',
    tags: authTags,
    summary: 'Log in: exchange an API key (in the body) for an HttpOnly session cookie and its CSRF cookie',
    request: { body: jsonBody(LoginBody) },
    responses: { 201: jsonOk(AuthSessionInfo, 'Session opened') },
  },
  session: { method: 'get', path: '/api/auth/session', tags: authTags, summary: 'Who the session cookie (or bearer key) is', responses: { 200: jsonOk(AuthSessionInfo) } },
  logout: { method: 'delete', path: '/api/auth/session', tags: authTags, summary: 'Log out: end this session and clear its cookies', responses: { 200: jsonOk(LoggedOut) } },
  createLink: {
    method: 'post',
    path: '/api/auth/links',
    tags: authTags,
    summary: 'A one-click dashboard log-in link for the calling key: /login/<token>, single use, valid 10 minutes',
    minRole: 'member',
    denied: 'Viewer keys cannot create log-in links',
    responses: { 201: jsonOk(LoginLink, 'Created') },
  },
});
