import { createLease, createLeases } from '../../platform/db/leases';
import { runAs, type Actor } from '../../platform/actor';
import type { Feature } from '../../platform/feature';
import { leasedLoop, type LeasedLoop } from '../../platform/loops';
import { createMergesService, type MergeStep } from './merges.service';
import { registerMergesRoutes } from './merges.routes';
import type { MergesFeatureDeps } from './merges.types';

export type { MergeStep } from './merges.service';
export type { MergesFeatureDeps } from './merges.types';
export { DEFAULT_CONFLICT_GRACE_MS } from './merges.service';

export interface MergesService {
  /** Looks at one PR now (archive when finished, conflicts, merge); what it did, or why nothing. */
  evaluate(workspaceId: string, pullId: string): Promise<MergeStep>;
  /** One pass over a workspace (what the leased sweep runs). */
  sweep(workspaceId: string): Promise<MergeStep[]>;
}

const LEASE = 'github-merges';
const MERGES_ACTOR: Actor = Object.freeze({ kind: 'automation', id: 'merges', name: 'merges' });

/** Merging (auto-merge or the merge API), conflict handling (rebase ask, re-dispatch, escalate), archiving. */
export function createMergesFeature(deps: MergesFeatureDeps): Feature<MergesService> {
  const log = deps.log.child({ feature: 'merges' });
  const impl = createMergesService({ ...deps, log });
  const every = deps.sweepEveryMs ?? 60_000;
  const lease = createLease(createLeases(deps.db), { name: LEASE, holder: deps.instanceId, clock: deps.clock, ttlMs: Math.max(every * 3, 30_000) });
  const sweep = leasedLoop({
    name: LEASE,
    intervalMs: every,
    lease,
    log,
    clock: deps.clock,
    // The sweep and the change listener act as the merges automation (issue #16); the merge API keeps its caller.
    tick: (signal) =>
      runAs(MERGES_ACTOR, async () => {
        for (const ws of await deps.pulls.workspaces()) {
          if (signal.aborted) return;
          await impl.sweep(ws, () => lease.hold());
        }
      }),
  });
  // The change listener: every instance that sees a change evaluates it (the ledger makes each action happen once).
  let unsubscribe: (() => void) | null = null;
  const loop: LeasedLoop = {
    ...sweep,
    name: sweep.name,
    lease: sweep.lease,
    start() {
      if (!unsubscribe) {
        try {
          unsubscribe = deps.pulls.onChange(async (ws, pull) => void (await runAs(MERGES_ACTOR, () => impl.onPull(ws, pull))));
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'merges: PR changes are not available; the sweep alone catches up');
        }
      }
      return sweep.start();
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = null;
      await sweep.stop();
    },
    status: () => sweep.status(),
  };
  const service: MergesService = { evaluate: impl.evaluate, sweep: (ws) => impl.sweep(ws) };
  return { service, routes: (app) => registerMergesRoutes(app, { archiveFinished: impl.archiveFinished }), loops: [loop] };
}
