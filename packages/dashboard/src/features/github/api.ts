import { routes, successOf, type RouteDeclaration } from '@autopilot/contracts';
import type {
  ArchiveFinishedBody, ArchiveFinishedResult, CiRun, CiRunQuery, CiStats, CiStatsQuery, GitHubWebhook, PullListQuery, PullRequest, PullRequestDetail,
  PullSyncResult, PutGitHubWebhookBody, PutRepoAutomationBody, RepoAutomation,
} from '@autopilot/contracts';
import { fillPath, type ApiClient, type Schema } from '@autopilot/client';

type Q = Record<string, string | number | boolean | undefined | null>;

/**
 * The GitHub loop's endpoints (`routes.pulls`), called through the client's transport with the declared success
 * schema, so answers are parsed against the same zod source the server validates with. (The typed client has no
 * `pulls` group yet; when it gets one this file becomes a thin re-export.)
 */
export function pullsApi(api: ApiClient) {
  const t = api.transport;
  const call = <T>(route: RouteDeclaration, input: { params?: Record<string, string>; query?: Q; body?: unknown; signal?: AbortSignal } = {}): Promise<T> =>
    t.request({
      method: route.method.toUpperCase() as 'GET',
      path: fillPath(route.path, input.params),
      query: input.query,
      body: input.body,
      schema: successOf(route).schema as unknown as Schema<T>,
      signal: input.signal,
    });
  const r = routes.pulls;
  return {
    list: (q: Partial<PullListQuery>, signal?: AbortSignal) => call<{ items: PullRequest[]; nextCursor: string | null }>(r.list, { query: q, signal }),
    get: (id: string, signal?: AbortSignal) => call<PullRequestDetail>(r.get, { params: { id }, signal }),
    sync: () => call<PullSyncResult>(r.sync),
    runs: (q: Partial<CiRunQuery>, signal?: AbortSignal) => call<{ items: CiRun[]; nextCursor: string | null }>(r.runs, { query: q as Q, signal }),
    stats: (q: Partial<CiStatsQuery>, signal?: AbortSignal) => call<CiStats>(r.stats, { query: q as Q, signal }),
    automation: (signal?: AbortSignal) => call<{ items: RepoAutomation[] }>(r.automation, { signal }),
    setAutomation: (body: PutRepoAutomationBody) => call<RepoAutomation>(r.setAutomation, { body }),
    webhook: (signal?: AbortSignal) => call<GitHubWebhook>(r.webhook, { signal }),
    setWebhook: (body: PutGitHubWebhookBody) => call<GitHubWebhook & { secret: string | null }>(r.setWebhook, { body }),
    deleteWebhook: () => call<GitHubWebhook>(r.deleteWebhook),
    archiveFinished: (body: ArchiveFinishedBody) => call<ArchiveFinishedResult>(r.archiveFinished, { body }),
  };
}
export type PullsApi = ReturnType<typeof pullsApi>;
