import type { Clock } from '../../platform/clock';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Feature } from '../../platform/feature';
import type { Logger } from '../../platform/logger';
import type { DispatcherService } from '../dispatch';
import type { GitHubService } from '../github';
import type { ExternalActions } from '../keeper';
import type { PullsService } from '../pulls';
import type { SessionsFeatureService } from '../sessions';

export interface MergesFeatureDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  instanceId: string;
  pulls: PullsService;
  github: GitHubService;
  ledger: ExternalActions;
  sessions: SessionsFeatureService;
  dispatcher: DispatcherService;
  sweepEveryMs?: number;
}

export interface MergesService {
  evaluate(workspaceId: string, pullId: string): Promise<unknown>;
}

/** Merging (auto-merge or the merge API), conflict handling (rebase ask, re-dispatch, escalate), archiving. */
export function createMergesFeature(deps: MergesFeatureDeps): Feature<MergesService> {
  // Placeholder until the feature is built (issue #14): every call fails loudly, nothing runs.
  void deps;
  const service = new Proxy({}, { get: (_t, p) => (p === 'then' ? undefined : () => { throw new Error(`merges: ${String(p)} is not built yet`); }) }) as MergesService;
  return { service, routes: () => {}, loops: [] };
}
