import type { Clock } from '../../platform/clock';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Logger } from '../../platform/logger';
import type { DispatcherService } from '../dispatch';
import type { GitHubService } from '../github';
import type { ExternalActions } from '../keeper';
import type { PullsService } from '../pulls';
import type { SessionsFeatureService } from '../sessions';

/** What the merges feature is built from (main.ts passes the same deps as to autofix). */
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
  /** The sweep's period (default 60 s). */
  sweepEveryMs?: number;
  /** With the rebase asks used up and no new push, how long a conflict may last before the re-dispatch (and again before the escalation). Default 30 min. */
  conflictGraceMs?: number;
}
