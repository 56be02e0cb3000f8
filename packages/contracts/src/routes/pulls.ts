import { ArchiveFinishedBody, ArchiveFinishedResult, CiRunPage, CiRunQuery, CiStats, CiStatsQuery, GitHubWebhook, GitHubWebhookSaved, PullListQuery, PullPage, PullRequestDetail, PullSyncResult, PutGitHubWebhookBody, PutRepoAutomationBody, RepoAutomation, RepoAutomationList } from '../pulls';
import { declareRoutes, IdParam, jsonBody, jsonOk } from './define';

const tags = ['github'];
const admin = { minRole: 'admin', denied: 'Only admins and owners change GitHub automation and webhooks' } as const;
const member = { minRole: 'member', denied: 'Viewers cannot archive sessions or start a sync' } as const;

/**
 * The GitHub loop: PRs linked to sessions, CI runs and their stats, per-repository automation, the webhook, bulk
 * archive of sessions whose PRs are done.
 */
export const pulls = declareRoutes({
  list: { method: 'get', path: '/api/github/pulls', tags, summary: 'Linked pull requests, most recently changed first', request: { query: PullListQuery }, responses: { 200: jsonOk(PullPage) } },
  get: { method: 'get', path: '/api/github/pulls/{id}', tags, summary: "One pull request with its head commit's check runs", request: { params: IdParam }, responses: { 200: jsonOk(PullRequestDetail) } },
  sync: {
    method: 'post',
    path: '/api/github/sync',
    tags,
    summary: "Poll GitHub now for this workspace's PRs (conditional requests: unchanged answers cost no rate limit)",
    ...member,
    responses: { 200: jsonOk(PullSyncResult) },
  },
  runs: { method: 'get', path: '/api/ci/runs', tags, summary: 'CI runs (check runs) per repository, PR and session, newest first', request: { query: CiRunQuery }, responses: { 200: jsonOk(CiRunPage) } },
  stats: { method: 'get', path: '/api/ci/stats', tags, summary: 'Totals, success rate, median duration and runs per day for the same filters as /api/ci/runs', request: { query: CiStatsQuery }, responses: { 200: jsonOk(CiStats) } },
  automation: { method: 'get', path: '/api/github/automation', tags, summary: "Each repository's automation settings (defaults for repositories never saved)", responses: { 200: jsonOk(RepoAutomationList) } },
  setAutomation: {
    method: 'put',
    path: '/api/github/automation',
    tags,
    summary: "Change one repository's automation (only the fields given)",
    ...admin,
    request: { body: jsonBody(PutRepoAutomationBody) },
    responses: { 200: jsonOk(RepoAutomation) },
  },
  webhook: { method: 'get', path: '/api/github/webhook', tags, summary: 'The webhook payload URL for GitHub and its delivery counts (the secret is write-only)', responses: { 200: jsonOk(GitHubWebhook) } },
  setWebhook: {
    method: 'put',
    path: '/api/github/webhook',
    tags,
    summary: 'Set (or generate) the webhook secret GitHub signs deliveries with (X-Hub-Signature-256)',
    ...admin,
    request: { body: jsonBody(PutGitHubWebhookBody) },
    responses: { 200: jsonOk(GitHubWebhookSaved) },
  },
  deleteWebhook: { method: 'delete', path: '/api/github/webhook', tags, summary: 'Remove the webhook secret: deliveries are refused and polling is primary again', ...admin, responses: { 200: jsonOk(GitHubWebhook) } },
  archiveFinished: {
    method: 'post',
    path: '/api/github/archive-finished',
    tags,
    summary: 'Archive on Jules every unarchived session whose PR merged or closed (dryRun: only count)',
    ...member,
    request: { body: jsonBody(ArchiveFinishedBody) },
    responses: { 200: jsonOk(ArchiveFinishedResult) },
  },
});
