import { createLeases, createLease } from '../../platform/db/leases';
import type { Clock } from '../../platform/clock';
import type { Db } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import { leasedLoop, type LeasedLoop } from '../../platform/loops';
import { GitHubRateLimited } from '../../integrations/github';
import type { GitHubService } from '../github';
import type { PullsServiceImpl } from './pulls.service';
import type { Webhooks } from './pulls.webhook';

export const LEASE = 'github-pulls-poll';
/** Polling while webhooks deliver: this many times slower. */
export const FALLBACK_FACTOR = 10;
const PRUNE_EVERY_MS = 3_600_000;

export interface PollLoopDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  instanceId: string;
  intervalMs: number;
  service: PullsServiceImpl;
  webhooks: Webhooks;
  github: Pick<GitHubService, 'recordError'>;
  /** How long a pass waits for a spent rate limit before skipping the workspace (default: one interval, at least a minute). */
  rateWaitMs?: number;
}

/**
 * The ETag poller, on one instance at a time: every interval, each connected workspace (x10 slower while its
 * webhook delivers) is synced with conditional requests. A workspace whose rate limit is spent beyond the wait is
 * skipped and named in the loop's status (health) until a pass gets through; the others go on.
 */
export function createPollLoop(deps: PollLoopDeps): LeasedLoop & { pass(): Promise<void> } {
  const { clock, log } = deps;
  const lastPolled = new Map<string, number>();
  let lastPrune = 0;
  const rateWaitMs = deps.rateWaitMs ?? Math.max(deps.intervalMs, 60_000);

  async function pass() {
    const now = clock.now();
    const limited: string[] = [];
    for (const ws of await deps.service.workspaces()) {
      const every = (await deps.webhooks.fresh(ws)) ? deps.intervalMs * FALLBACK_FACTOR : deps.intervalMs;
      const last = lastPolled.get(ws);
      if (last !== undefined && now - last < every - deps.intervalMs / 2) continue;
      lastPolled.set(ws, now);
      try {
        await deps.service.syncWith(ws, { maxWaitMs: rateWaitMs });
        await deps.github.recordError(ws, null);
      } catch (err) {
        if (err instanceof GitHubRateLimited) {
          limited.push(new Date(err.resetAt).toISOString());
          await deps.github.recordError(ws, `GitHub rate limit spent until ${new Date(err.resetAt).toISOString()}; PRs are read again after the reset`);
          continue;
        }
        log.warn({ err, workspaceId: ws }, 'GitHub poll of a workspace failed');
        await deps.github.recordError(ws, err instanceof Error ? err.message : String(err));
      }
    }
    if (now - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = now;
      const pruned = await deps.webhooks.prune();
      if (pruned) log.debug({ pruned }, 'old webhook delivery ids pruned');
    }
    // The loop's lastError (global /api/health: no workspace is named), raised after every other workspace was served.
    if (limited.length) throw new Error(`GitHub rate limit spent: ${limited.length} workspace(s) skipped until ${limited.sort().at(-1)}`);
  }

  const loop = leasedLoop({
    name: 'github-pulls',
    intervalMs: deps.intervalMs,
    lease: createLease(createLeases(deps.db), { name: LEASE, holder: deps.instanceId, clock, ttlMs: Math.max(deps.intervalMs * 3, 30_000) }),
    log,
    clock,
    tick: pass,
  });
  return Object.assign(loop, { pass });
}
