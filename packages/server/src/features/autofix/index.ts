import type { Clock } from '../../platform/clock';
import type { Db } from '../../platform/db';
import { createLease, createLeases } from '../../platform/db/leases';
import type { EventBus } from '../../platform/events/bus';
import type { Feature } from '../../platform/feature';
import type { Logger } from '../../platform/logger';
import type { DispatcherService } from '../dispatch';
import type { GitHubService } from '../github';
import type { ExternalActions } from '../keeper';
import type { PullsService } from '../pulls';
import type { SessionsFeatureService } from '../sessions';
import { createAutofixRunner } from './autofix.loop';
import { createAutofixService, type AutofixStatus, type Evaluation, type ReviewSeen } from './autofix.service';

export type { AutofixStatus, Evaluation, Step } from './autofix.service';

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
  /** How often the sweep over every open linked PR runs on the lease holder (default 10 s). */
  sweepEveryMs?: number;
}

export interface AutofixService {
  /** Looks at one PR now (what the change listener and the sweep call); serialised per PR in this process. */
  evaluate(workspaceId: string, pullId: string, o?: { review?: ReviewSeen }): Promise<Evaluation>;
  /** One sweep over every open linked PR of every connected workspace, now (answers how many were looked at). */
  sweep(): Promise<number>;
  /** Attempts used against the caps, escalations and the last action of one PR (for the dashboard). */
  status(workspaceId: string, pullId: string): Promise<AutofixStatus>;
  /** Resolves once no evaluation is queued or running in this process. */
  idle(): Promise<void>;
}

/** CI fixing and review routing (per repository opt-in), through the keeper's ledger with monotonic caps. */
export function createAutofixFeature(deps: AutofixFeatureDeps): Feature<AutofixService> {
  const log = deps.log.child({ feature: 'autofix' });
  const sweepEveryMs = deps.sweepEveryMs ?? 10_000;
  const core = createAutofixService({ pulls: deps.pulls, github: deps.github, ledger: deps.ledger, sessions: deps.sessions, dispatcher: deps.dispatcher, clock: deps.clock, log });
  const lease = createLease(createLeases(deps.db), { name: 'github-autofix', holder: deps.instanceId, clock: deps.clock, ttlMs: () => Math.max(30_000, sweepEveryMs * 3) });
  const runner = createAutofixRunner({ core, pulls: deps.pulls, lease, clock: deps.clock, log, sweepEveryMs });
  const service: AutofixService = {
    evaluate: (ws, pullId, o) => runner.evaluate(ws, pullId, o),
    sweep: () => runner.sweep(),
    status: (ws, pullId) => core.status(ws, pullId),
    idle: () => runner.idle(),
  };
  return { service, routes: () => {}, loops: [runner.loop] };
}
