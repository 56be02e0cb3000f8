import type { Clock } from '../../platform/clock';
import type { SecretBox } from '../../platform/crypto';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Feature } from '../../platform/feature';
import type { Logger } from '../../platform/logger';
import type { Metrics } from '../../platform/metrics';
import type { GitHubService } from '../github';
import type { SessionsFeatureService } from '../sessions';
import { createPullsStore } from './pulls.store';
import { createPullsService, type PullsServiceImpl } from './pulls.service';
import { createWebhooks } from './pulls.webhook';
import { createPollLoop } from './pulls.loop';
import { registerPullsRoutes } from './pulls.routes';

export type { PullsService, PullChange, PullListener } from './pulls.types';
export type { PullsServiceImpl } from './pulls.service';

export interface PullsFeatureDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  metrics?: Metrics;
  instanceId: string;
  secrets: SecretBox;
  github: GitHubService;
  sessions: Pick<SessionsFeatureService, 'githubLinks'>;
  /** AUTOPILOT_PUBLIC_URL: the webhook payload URL shown to admins is `${publicUrl}/hooks/github/<workspace>`. */
  publicUrl?: string;
  /** GITHUB_POLL_INTERVAL_MS. */
  pollIntervalMs: number;
  /** How long a poll pass waits for a spent rate limit before skipping the workspace (tests). */
  rateWaitMs?: number;
}

/** PRs linked to sessions, their CI runs, per-repository automation settings, webhook ingest and the ETag poller. */
export function createPullsFeature(deps: PullsFeatureDeps): Feature<PullsServiceImpl> & { poll: ReturnType<typeof createPollLoop> } {
  const log = deps.log.child({ feature: 'pulls' });
  const store = createPullsStore(deps.db);
  const service = createPullsService({
    store, bus: deps.bus, clock: deps.clock, log, pollIntervalMs: deps.pollIntervalMs, sessions: deps.sessions, github: deps.github,
    connectedWorkspaces: () => deps.github.workspaces(),
  });
  const webhooks = createWebhooks({ store, secrets: deps.secrets, clock: deps.clock, log, service, publicUrl: deps.publicUrl });
  const poll = createPollLoop({ db: deps.db, clock: deps.clock, log, instanceId: deps.instanceId, intervalMs: deps.pollIntervalMs, service, webhooks, github: deps.github, rateWaitMs: deps.rateWaitMs });
  return { service, routes: (app) => registerPullsRoutes(app, { service, webhooks }), loops: [poll], poll };
}
