import { routes, type ArchiveFinishedBody, type CiRunQuery, type CiStatsQuery, type PullListQuery, type PutGitHubWebhookBody, type PutRepoAutomationBody } from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.pulls;

/** The GitHub loop: PRs linked to sessions, CI runs and stats, per-repository automation, the webhook, bulk archive. */
export function pullsApi(t: Transport) {
  const endpoint = endpoints(t);
  return {
    list: endpoint(r.list, (call) => (q: Partial<Omit<PullListQuery, 'limit'>> & { limit?: number } = {}, signal?: AbortSignal) => call({ query: { ...q }, signal })),
    get: endpoint(r.get, (call) => (id: string, signal?: AbortSignal) => call({ params: { id }, signal })),
    sync: endpoint(r.sync, (call) => () => call({})),
    runs: endpoint(r.runs, (call) => (q: Partial<Omit<CiRunQuery, 'limit'>> & { limit?: number } = {}, signal?: AbortSignal) => call({ query: { ...q }, signal })),
    stats: endpoint(r.stats, (call) => (q: Partial<CiStatsQuery> = {}, signal?: AbortSignal) => call({ query: { ...q }, signal })),
    automation: endpoint(r.automation, (call) => (signal?: AbortSignal) => call({ signal })),
    setAutomation: endpoint(r.setAutomation, (call) => (body: PutRepoAutomationBody) => call({ body })),
    webhook: endpoint(r.webhook, (call) => (signal?: AbortSignal) => call({ signal })),
    setWebhook: endpoint(r.setWebhook, (call) => (body: PutGitHubWebhookBody = {}) => call({ body })),
    deleteWebhook: endpoint(r.deleteWebhook, (call) => () => call({})),
    archiveFinished: endpoint(r.archiveFinished, (call) => (body: ArchiveFinishedBody = {}) => call({ body })),
  };
}
