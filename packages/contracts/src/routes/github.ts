import { GitHubConnection, PutGitHubConnectionBody } from '../github';
import { declareRoutes, jsonBody, jsonOk } from './define';

const tags = ['github'];
const admin = { minRole: 'admin', denied: 'Only admins and owners manage the GitHub connection' } as const;

/** /api/github/connection: the workspace's GitHub token or App installation (secrets write-only), its login and rate-limit budget. */
export const github = declareRoutes({
  connection: {
    method: 'get',
    path: '/api/github/connection',
    tags,
    summary: 'The GitHub connection of this workspace (kind none when there is none)',
    responses: { 200: jsonOk(GitHubConnection) },
  },
  connect: {
    method: 'put',
    path: '/api/github/connection',
    tags,
    summary: 'Connect GitHub with a token (checked with GET /user) or a GitHub App installation (checked by minting an installation token) before it is stored encrypted',
    ...admin,
    request: { body: jsonBody(PutGitHubConnectionBody) },
    responses: { 200: jsonOk(GitHubConnection) },
  },
  disconnect: {
    method: 'delete',
    path: '/api/github/connection',
    tags,
    summary: 'Remove the GitHub connection (the stored token is deleted)',
    ...admin,
    responses: { 200: jsonOk(GitHubConnection) },
  },
});
