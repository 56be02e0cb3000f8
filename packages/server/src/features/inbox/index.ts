import type { Clock } from '../../platform/clock';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Feature } from '../../platform/feature';
import type { Logger } from '../../platform/logger';
import type { PullsService } from '../pulls';
import type { SessionsFeatureService } from '../sessions';
import type { InboxService, KeeperNotificationPort } from './inbox.types';

export type { InboxService, NoticeDraft, KeeperNotificationPort } from './inbox.types';

export interface InboxFeatureDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  instanceId: string;
  keeper: KeeperNotificationPort;
  /** Session titles, repositories and outputs (a completed session's PR). */
  sessions: SessionsFeatureService;
  pulls: PullsService;
}

/**
 * The notification center (issue #15): turns every event a person should know of into a notification (bus
 * subscriptions, deduplicated across instances by event id), groups repeats, read / dismiss / snooze, counts.
 */
export function createInboxFeature(deps: InboxFeatureDeps): Feature<InboxService> {
  void deps;
  const missing = (): never => {
    throw new Error('inbox: not built yet');
  };
  const service: InboxService = { raise: missing, list: missing, counts: missing, get: missing, update: missing, bulk: missing };
  return { service, routes: () => {}, loops: [] };
}
