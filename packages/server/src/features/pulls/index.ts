import type { Clock } from '../../platform/clock';
import type { SecretBox } from '../../platform/crypto';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Feature } from '../../platform/feature';
import type { Logger } from '../../platform/logger';
import type { Metrics } from '../../platform/metrics';
import type { GitHubService } from '../github';
import type { SessionsFeatureService } from '../sessions';
import type { PullsService } from './pulls.types';

export type { PullsService, PullChange, PullListener } from './pulls.types';

export interface PullsFeatureDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  metrics?: Metrics;
  instanceId: string;
  secrets: SecretBox;
  github: GitHubService;
  sessions: SessionsFeatureService;
  /** AUTOPILOT_PUBLIC_URL: the webhook payload URL shown to admins is `${publicUrl}/hooks/github/<workspace>`. */
  publicUrl?: string;
  /** GITHUB_POLL_INTERVAL_MS. */
  pollIntervalMs: number;
}

/** PRs linked to sessions, their CI runs, per-repository automation settings, webhook ingest and the ETag poller. */
export function createPullsFeature(deps: PullsFeatureDeps): Feature<PullsService> {
  // Placeholder until the feature is built (issue #14): every call fails loudly, nothing runs.
  void deps;
  const service = new Proxy({}, { get: (_t, p) => (p === 'then' ? undefined : () => { throw new Error(`pulls: ${String(p)} is not built yet`); }) }) as PullsService;
  return { service, routes: () => {}, loops: [] };
}
