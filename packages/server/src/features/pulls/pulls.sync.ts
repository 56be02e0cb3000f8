import { randomUUID } from 'node:crypto';
import type { PullRequest, PullSyncResult } from '@autopilot/contracts';
import { iso, type Clock } from '../../platform/clock';
import type { GitHubCiRunsTable, GitHubPullsTable } from '../../platform/db/schema.github';
import type { EventBus } from '../../platform/events/bus';
import type { Logger } from '../../platform/logger';
import { GitHubNotFound } from '../../integrations/github';
import type { GitHubClient } from '../github';
import {
  checksStateOf, latestPerName, parsePrUrl, pullFields, repoOfSource, reviewDecisionOf, runFields, toPull, WATCHED,
  type WireCheckRun, type WirePull, type WireReview,
} from './pulls.mapping';
import type { PullsStore } from './pulls.store';
import type { PullChange } from './pulls.types';

/** How far back sessions are looked at for links (their PRs stay linked once stored). */
export const LINK_WINDOW_MS = 30 * 24 * 3_600_000;
/** A finished PR, once read again after it closed, is read this rarely. */
export const FINISHED_POLL_MS = 6 * 3_600_000;
const MAX_LIST_PAGES = 10;

export interface SyncDeps {
  store: PullsStore;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  pollIntervalMs: number;
  sessions: { githubLinks(workspaceId: string, sinceMs: number): Promise<Array<{ id: string; source: string; workingBranch: string | null; prUrl: string | null }>> };
  automationRepos(workspaceId: string): Promise<string[]>;
  notify(workspaceId: string, pull: PullRequest, change: PullChange): Promise<void>;
}

/** Which session a PR belongs to, from the workspace's recent sessions: its outputs' PR URL, else its working branch. */
export interface Links {
  repos: Set<string>;
  byUrl: Map<string, string>;
  byBranch: Map<string, string>;
  /** PR numbers named by sessions' outputs, per repository. */
  named: Map<string, Set<number>>;
}

export async function loadLinks(deps: SyncDeps, workspaceId: string): Promise<Links> {
  const links: Links = { repos: new Set(), byUrl: new Map(), byBranch: new Map(), named: new Map() };
  // Newest first: when two sessions name the same PR or branch, the most recent one wins.
  for (const s of (await deps.sessions.githubLinks(workspaceId, deps.clock.now() - LINK_WINDOW_MS)).reverse()) {
    const repo = repoOfSource(s.source);
    if (!repo) continue;
    links.repos.add(repo);
    const pr = parsePrUrl(s.prUrl);
    if (pr && pr.repo.toLowerCase() === repo.toLowerCase()) {
      links.byUrl.set(`${repo}#${pr.number}`, s.id);
      if (!links.named.has(repo)) links.named.set(repo, new Set());
      links.named.get(repo)!.add(pr.number);
    }
    if (s.workingBranch) links.byBranch.set(`${repo}\n${s.workingBranch}`, s.id);
  }
  return links;
}

/** The session link of a PR: outputs beat a branch name; null when no recent session matches. */
export function linkOf(links: Links, repo: string, number: number, headRef: string): { sessionId: string; by: 'output' | 'branch' } | null {
  const byUrl = links.byUrl.get(`${repo}#${number}`);
  if (byUrl) return { sessionId: byUrl, by: 'output' };
  const byBranch = links.byBranch.get(`${repo}\n${headRef}`);
  return byBranch ? { sessionId: byBranch, by: 'branch' } : null;
}

export interface RefreshOptions {
  via: PullChange['via'];
  /** A review that came with a webhook (pull_request_review). */
  review?: PullChange['review'];
  maxWaitMs?: number;
  links?: Links;
}

/** Counts a pass's requests; 304s are read off the client's own counter. */
export class Tally {
  requests = 0;
  changed = 0;
  pulls = 0;
  private readonly start: number;
  constructor(private readonly client: GitHubClient) {
    this.start = client.status().notModified;
  }
  get notModified() {
    return this.client.status().notModified - this.start;
  }
}

const split = (repo: string) => {
  const [owner, name] = repo.split('/');
  return { owner, repo: name };
};

/**
 * Reads one PR, its head's check runs and its reviews (conditional requests: an unchanged PR costs three 304s),
 * stores what changed and tells listeners. A PR no recent session links to is not stored.
 */
export async function refreshPull(deps: SyncDeps, client: GitHubClient, workspaceId: string, repo: string, number: number, o: RefreshOptions, tally?: Tally): Promise<PullRequest | null> {
  const { store, clock } = deps;
  const request = { maxWaitMs: o.maxWaitMs };
  const count = () => tally && tally.requests++;
  const previousRow = await store.byNumber(workspaceId, repo, number);
  count();
  const wire = (await client.octokit.rest.pulls.get({ ...split(repo), pull_number: number, request })).data as unknown as WirePull;
  let link: { sessionId: string; by: string } | null = previousRow?.session_id ? { sessionId: previousRow.session_id, by: previousRow.linked_by ?? 'output' } : null;
  if (!link) link = linkOf(o.links ?? (await loadLinks(deps, workspaceId)), repo, number, wire.head?.ref ?? '');
  if (!link) return null;

  count();
  const checkRuns = (await client.octokit.rest.checks.listForRef({ ...split(repo), ref: wire.head.sha, per_page: 100, request })).data.check_runs as unknown as WireCheckRun[];
  count();
  const reviews = (await client.octokit.rest.pulls.listReviews({ ...split(repo), pull_number: number, per_page: 100, request })).data as unknown as WireReview[];
  const fields = pullFields(wire, checksStateOf(checkRuns), reviewDecisionOf(reviews, wire.requested_reviewers?.length ?? 0));
  const now = clock.now();
  const previous = previousRow ? toPull(previousRow) : null;
  const wasOpen = !previousRow || previousRow.state === 'open';
  const next_poll_at = fields.state === 'open' ? now + Math.floor(deps.pollIntervalMs / 2) : wasOpen ? now : now + FINISHED_POLL_MS;

  // A review after the newest one passed on before (a webhook's review wins: it is what was just submitted).
  const lastSeen = Number(previousRow?.last_review_id ?? 0);
  const fresh = reviews.filter((r) => r.id > lastSeen && ['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED'].includes(String(r.state).toUpperCase())).sort((a, b) => b.id - a.id)[0];
  const review = o.review ?? (fresh ? { id: fresh.id, state: String(fresh.state).toLowerCase(), author: fresh.user?.login ?? null, body: String(fresh.body ?? '').slice(0, 20_000), submittedAt: fresh.submitted_at ?? null } : undefined);
  const last_review_id = Math.max(lastSeen, ...reviews.map((r) => r.id), review?.id ?? 0) || null;

  const changed = !previousRow || WATCHED.some((f) => String(previousRow[f]) !== String(fields[f])) || previousRow.session_id !== link.sessionId;
  const stamp = iso(now);
  let row: GitHubPullsTable;
  if (!previousRow) {
    row = { id: randomUUID(), workspace_id: workspaceId, repo, number, ...fields, session_id: link.sessionId, linked_by: link.by, updated_at: stamp, synced_at: stamp, next_poll_at, last_review_id };
    if (!(await store.insertPull(row))) return refreshPull(deps, client, workspaceId, repo, number, o, tally);
  } else {
    const update = { ...fields, session_id: link.sessionId, linked_by: link.by, synced_at: stamp, next_poll_at, last_review_id, ...(changed ? { updated_at: stamp } : {}) };
    await store.updatePull(workspaceId, previousRow.id, update);
    row = { ...previousRow, ...update };
  }
  if (tally) tally.pulls++;
  const runsChanged = await storeRuns(deps, workspaceId, row, latestPerName(checkRuns));
  const pull = toPull(row);
  if (changed || review) {
    if (tally && changed) tally.changed++;
    if (changed) {
      await deps.bus.publish('github.pull.updated', workspaceId, {
        id: pull.id, repo, number, sessionId: pull.sessionId, state: pull.state, headSha: pull.headSha, checks: pull.checks, reviewDecision: pull.reviewDecision, mergeableState: pull.mergeableState,
      });
    }
    await deps.notify(workspaceId, pull, { previous, via: o.via, ...(review ? { review } : {}) });
  } else if (runsChanged && tally) tally.changed++;
  return pull;
}

/** Upserts the head's check runs; publishes ci.run.updated for each new or changed one. Returns how many changed. */
async function storeRuns(deps: SyncDeps, workspaceId: string, pull: GitHubPullsTable, runs: WireCheckRun[]): Promise<number> {
  let changed = 0;
  const stamp = iso(deps.clock);
  for (const wire of runs) {
    const f = runFields(wire);
    const prior = await deps.store.runByCheck(workspaceId, pull.repo, wire.id);
    const link = { pr_number: pull.number, session_id: pull.session_id };
    let row: GitHubCiRunsTable;
    if (!prior) {
      row = { id: randomUUID(), workspace_id: workspaceId, repo: pull.repo, check_run_id: wire.id, ...f, ...link, updated_at: stamp };
      if (!(await deps.store.insertRun(row))) continue;
    } else {
      const same = prior.status === f.status && prior.conclusion === f.conclusion && prior.completed_at === f.completed_at && prior.session_id === link.session_id;
      if (same) continue;
      await deps.store.updateRun(workspaceId, prior.id, { ...f, ...link, updated_at: stamp });
      row = { ...prior, ...f, ...link };
    }
    changed++;
    await deps.bus.publish('ci.run.updated', workspaceId, {
      id: row.id, repo: row.repo, prNumber: row.pr_number, sessionId: row.session_id, name: row.name, headSha: row.head_sha, status: row.status as 'queued' | 'in_progress' | 'completed', conclusion: row.conclusion,
    });
  }
  return changed;
}

/**
 * One pass over a workspace: the open PRs of each repository (the workspace's sessions' and the saved automation's),
 * links found, then every linked PR that is due (or all of them with `force`) read again.
 */
export async function syncWorkspace(deps: SyncDeps, client: GitHubClient, workspaceId: string, o: { force?: boolean; maxWaitMs?: number } = {}): Promise<PullSyncResult> {
  const tally = new Tally(client);
  const links = await loadLinks(deps, workspaceId);
  const repos = new Set([...links.repos, ...(await deps.automationRepos(workspaceId)), ...(await deps.store.openRepos(workspaceId))]);
  const request = { maxWaitMs: o.maxWaitMs };
  const toRead = new Map<string, { repo: string; number: number }>();
  const want = (repo: string, number: number) => toRead.set(`${repo}#${number}`, { repo, number });

  for (const repo of repos) {
    const open = new Set<number>();
    for (let page = 1; page <= MAX_LIST_PAGES; page++) {
      tally.requests++;
      let items: WirePull[];
      try {
        items = (await client.octokit.rest.pulls.list({ ...split(repo), state: 'open', per_page: 100, page, request })).data as unknown as WirePull[];
      } catch (err) {
        // A repository the token cannot see (or that is gone) is skipped; its stored PRs keep their last state.
        if (!(err instanceof GitHubNotFound)) throw err;
        deps.log.info({ workspaceId, repo }, 'GitHub repository not visible to the token; skipped');
        break;
      }
      for (const p of items) {
        open.add(p.number);
        const row = await deps.store.byNumber(workspaceId, repo, p.number);
        if (row?.session_id) {
          // The list already shows a new head or a change of state: read it now, whatever its schedule.
          if (o.force || row.head_sha !== p.head?.sha || row.state !== 'open' || row.next_poll_at <= deps.clock.now()) want(repo, p.number);
        } else if (linkOf(links, repo, p.number, p.head?.ref ?? '')) want(repo, p.number);
      }
      if (items.length < 100) break;
    }
    // Linked PRs no longer open (closed or merged since), and PRs sessions name that were never stored.
    for (const r of await deps.store.linked(workspaceId, ['open'], repo)) if (!open.has(r.number)) want(repo, r.number);
    for (const n of links.named.get(repo) ?? []) if (!open.has(n) && !(await deps.store.byNumber(workspaceId, repo, n))) want(repo, n);
  }
  for (const r of await deps.store.due(workspaceId, o.force ? Number.MAX_SAFE_INTEGER : deps.clock.now())) want(r.repo, r.number);

  for (const { repo, number } of toRead.values()) {
    try {
      await refreshPull(deps, client, workspaceId, repo, number, { via: { kind: 'poll' }, links, maxWaitMs: o.maxWaitMs }, tally);
    } catch (err) {
      if (!(err instanceof GitHubNotFound)) throw err;
      // Gone or no longer visible: read again rarely instead of every pass.
      const row = await deps.store.byNumber(workspaceId, repo, number);
      if (row) await deps.store.updatePull(workspaceId, row.id, { next_poll_at: deps.clock.now() + FINISHED_POLL_MS });
    }
  }
  return { repos: repos.size, pulls: tally.pulls, changed: tally.changed, requests: tally.requests, notModified: tally.notModified };
}
