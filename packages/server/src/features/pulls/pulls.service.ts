import type { CiStats, PullRequest, RepoAutomation } from '@autopilot/contracts';
import { z } from 'zod';
import { iso } from '../../platform/clock';
import { cursorCodec } from '../../platform/cursor';
import { AppError, notFound } from '../../platform/errors';
import { GitHubAuthError, GitHubError, GitHubRateLimited } from '../../integrations/github';
import type { GitHubService } from '../github';
import { toAutomation, toPull, toRun } from './pulls.mapping';
import { loadLinks, refreshPull, syncWorkspace, type SyncDeps } from './pulls.sync';
import type { PullChange, PullListener, PullsService } from './pulls.types';

export interface PullsServiceDeps extends Omit<SyncDeps, 'notify' | 'automationRepos'> {
  github: Pick<GitHubService, 'clientFor' | 'recordError'>;
  /** Workspaces with a GitHub connection. */
  connectedWorkspaces(): Promise<string[]>;
}

const pullCursor = cursorCodec(z.object({ u: z.string(), i: z.string() }));
const runCursor = cursorCodec(z.object({ s: z.string(), i: z.string() }));
const FAILED = new Set(['failure', 'timed_out', 'cancelled', 'action_required']);
/** How long a person's sync waits for a spent rate limit before being told when to come back. */
const SYNC_MAX_WAIT_MS = 10_000;

/** A GitHub failure of a sync a person started, in their terms (never GitHub's body). */
function syncError(err: unknown, now: number): unknown {
  if (err instanceof GitHubRateLimited) return new AppError('rate_limited', `GitHub is limiting this workspace's token until ${new Date(err.resetAt).toISOString()}; PRs are read again after the reset`, { retryAfterMs: Math.max(0, err.resetAt - now) });
  if (err instanceof GitHubAuthError) return new AppError('upstream_error', 'GitHub refused the workspace\'s token: reconnect GitHub in the settings');
  if (err instanceof GitHubError) return new AppError('upstream_unavailable', 'GitHub could not be read right now; try again in a moment');
  return err;
}

export type PullsServiceImpl = PullsService & {
  /** The same as `sync`, bounded: a rate-limit wait longer than `maxWaitMs` is a GitHubRateLimited. */
  syncWith(workspaceId: string, o: { force?: boolean; maxWaitMs?: number }): ReturnType<PullsService['sync']>;
  /** `refresh` as a webhook calls it: with how GitHub told us and the review it carried. */
  refreshWith(workspaceId: string, repo: string, number: number, o: { via: PullChange['via']; review?: PullChange['review']; maxWaitMs?: number }): Promise<PullRequest | null>;
};

/** The PR mirror's rules: reads and filters, automation settings, listeners, and the entry points of a poll. */
export function createPullsService(deps: PullsServiceDeps): PullsServiceImpl {
  const { store, clock, log } = deps;
  const listeners = new Set<PullListener>();

  async function notify(workspaceId: string, pull: PullRequest, change: PullChange) {
    for (const l of [...listeners]) {
      try {
        await l(workspaceId, pull, change);
      } catch (err) {
        // A consumer's failure never breaks the poll or the webhook; consumers also sweep openLinked.
        log.warn({ err, workspaceId, pull: pull.id }, 'pull listener failed');
      }
    }
  }
  const automationRepos = async (workspaceId: string) => (await store.automations(workspaceId)).map((r) => r.repo);
  const syncDeps: SyncDeps = { ...deps, notify, automationRepos };

  async function client(workspaceId: string) {
    return deps.github.clientFor(workspaceId);
  }

  const service: PullsServiceImpl = {
    async list(workspaceId, q) {
      const rows = await store.listPulls(workspaceId, q, pullCursor.decode(q.cursor));
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return { items: page.map(toPull), nextCursor: rows.length > q.limit && last ? pullCursor.encode({ u: last.updated_at, i: last.id }) : null };
    },
    async get(workspaceId, id) {
      const row = await store.pull(workspaceId, id);
      if (!row) throw notFound('Pull request', id);
      return { ...toPull(row), runs: (await store.runsOf(workspaceId, row.repo, row.head_sha)).map(toRun) };
    },
    async byNumber(workspaceId, repo, number) {
      const row = await store.byNumber(workspaceId, repo, number);
      return row ? toPull(row) : null;
    },
    forSession: async (workspaceId, sessionId) => (await store.forSession(workspaceId, sessionId)).map(toPull),
    openLinked: async (workspaceId) => (await store.linked(workspaceId, ['open'])).map(toPull),
    finishedLinked: async (workspaceId, repo) => (await store.linked(workspaceId, ['merged', 'closed'], repo)).map(toPull),
    runsOf: async (workspaceId, repo, headSha) => (await store.runsOf(workspaceId, repo, headSha)).map(toRun),
    async runs(workspaceId, q) {
      const { limit, cursor, ...filter } = q;
      const rows = await store.listRuns(workspaceId, filter, limit, runCursor.decode(cursor));
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return { items: page.map(toRun), nextCursor: rows.length > limit && last ? runCursor.encode({ s: last.started_at ?? '', i: last.id }) : null };
    },
    async stats(workspaceId, q) {
      const rows = await store.statRows(workspaceId, q);
      let passed = 0;
      let failed = 0;
      let running = 0;
      const durations: number[] = [];
      const days = new Map<string, { passed: number; failed: number }>();
      for (const r of rows) {
        if (r.status !== 'completed') {
          running++;
          continue;
        }
        const ok = r.conclusion === 'success';
        const bad = FAILED.has(r.conclusion ?? '');
        passed += ok ? 1 : 0;
        failed += bad ? 1 : 0;
        if (r.duration_ms !== null) durations.push(Number(r.duration_ms));
        if ((ok || bad) && r.completed_at) {
          const day = r.completed_at.slice(0, 10);
          const d = days.get(day) ?? { passed: 0, failed: 0 };
          d[ok ? 'passed' : 'failed']++;
          days.set(day, d);
        }
      }
      durations.sort((a, b) => a - b);
      const mid = durations.length >> 1;
      const median = durations.length === 0 ? null : durations.length % 2 ? durations[mid] : Math.round((durations[mid - 1] + durations[mid]) / 2);
      const stats: CiStats = {
        total: rows.length,
        passed,
        failed,
        running,
        successRate: passed + failed === 0 ? null : passed / (passed + failed),
        medianDurationMs: median,
        byDay: [...days.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, d]) => ({ day, ...d })),
      };
      return stats;
    },
    automation: async (workspaceId, repo) => toAutomation(repo, await store.automation(workspaceId, repo)),
    async listAutomation(workspaceId) {
      const saved = await store.automations(workspaceId);
      const savedRepos = new Set(saved.map((r) => r.repo));
      const seen = new Set([...(await loadLinks(syncDeps, workspaceId)).repos, ...(await store.allRepos(workspaceId))]);
      const rest = [...seen].filter((r) => !savedRepos.has(r)).sort();
      return [...saved.map((r) => toAutomation(r.repo, r)), ...rest.map((r) => toAutomation(r, undefined))];
    },
    async setAutomation(workspaceId, body) {
      const current = toAutomation(body.repo, await store.automation(workspaceId, body.repo));
      const next: Omit<RepoAutomation, 'repo' | 'updatedAt'> = {
        ciFix: { ...current.ciFix, ...body.ciFix },
        reviewFix: { ...current.reviewFix, ...body.reviewFix },
        merge: { ...current.merge, ...body.merge },
        archive: { ...current.archive, ...body.archive },
        optOutLabel: body.optOutLabel ?? current.optOutLabel,
      };
      const updated_at = iso(clock);
      await store.putAutomation({ workspace_id: workspaceId, repo: body.repo, settings: JSON.stringify(next), updated_at });
      log.info({ workspaceId, repo: body.repo }, 'repository automation saved');
      return { repo: body.repo, ...next, updatedAt: updated_at };
    },
    refresh: (workspaceId, repo, number) => service.refreshWith(workspaceId, repo, number, { via: { kind: 'poll' } }),
    async refreshWith(workspaceId, repo, number, o) {
      const c = await client(workspaceId);
      if (!c) return null;
      return refreshPull(syncDeps, c, workspaceId, repo, number, o);
    },
    async sync(workspaceId) {
      try {
        return await service.syncWith(workspaceId, { force: true, maxWaitMs: SYNC_MAX_WAIT_MS });
      } catch (err) {
        throw syncError(err, clock.now());
      }
    },
    async syncWith(workspaceId, o) {
      const c = await client(workspaceId);
      if (!c) return { repos: 0, pulls: 0, changed: 0, requests: 0, notModified: 0 };
      return syncWorkspace(syncDeps, c, workspaceId, o);
    },
    workspaces: () => deps.connectedWorkspaces(),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return service;
}
