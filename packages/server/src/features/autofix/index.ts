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

export interface AutofixFeatureDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  instanceId: string;
  pulls: PullsService;
  github: GitHubService;
  /** The keeper's ledger: every attempt is one of its rows (exactly once across crashes). */
  ledger: ExternalActions;
  sessions: SessionsFeatureService;
  dispatcher: DispatcherService;
  sweepEveryMs?: number;
}

export interface AutofixService {
  /** Looks at one PR now (what the change listener and the sweep call). */
  evaluate(workspaceId: string, pullId: string): Promise<unknown>;
}

/** CI fixing and review routing (per repository opt-in), through the keeper's ledger with monotonic caps. */
export function createAutofixFeature(deps: AutofixFeatureDeps): Feature<AutofixService> {
  // Placeholder until the feature is built (issue #14): every call fails loudly, nothing runs.
  void deps;
  const service = new Proxy({}, { get: (_t, p) => (p === 'then' ? undefined : () => { throw new Error(`autofix: ${String(p)} is not built yet`); }) }) as AutofixService;
  return { service, routes: () => {}, loops: [] };
}
