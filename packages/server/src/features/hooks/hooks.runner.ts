import type { Clock } from '../../platform/clock';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Logger } from '../../platform/logger';
import type { Outbound } from '../../platform/outbound';
import type { BatchesService } from '../batches';
import type { InboxService } from '../inbox';
import type { ExternalActions } from '../keeper';
import type { PullsService } from '../pulls';
import type { SessionsFeatureService } from '../sessions';
import type { RuleRunner } from './hooks.types';

export interface RunnerDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  instanceId: string;
  outbound: Outbound;
  batches: BatchesService;
  sessions: SessionsFeatureService;
  ledger: ExternalActions;
  inbox: Pick<InboxService, 'raise'>;
  pulls: PullsService;
}

/** Placeholder (issue #15 in progress): matches nothing. */
export function createRuleRunner(deps: RunnerDeps): RuleRunner {
  void deps;
  return {
    run: async () => ({ status: 'no_match', matched: [], results: [] }),
    test: () => ({ rules: [], matched: 0 }),
    starterRules: () => [],
    validate: () => [],
    loops: [],
  };
}
