import type { Clock } from '../../platform/clock';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Feature } from '../../platform/feature';
import type { Logger } from '../../platform/logger';
import { intervalLoop, type Loop } from '../../platform/loops';
import type { PullsService } from '../pulls';
import type { SessionsFeatureService } from '../sessions';
import { createInboxService, type InboxServiceImpl } from './inbox.service';
import { createInboxSources, type InboxSources } from './inbox.sources';
import { createInboxStore } from './inbox.store';
import { registerInboxRoutes } from './inbox.routes';
import type { KeeperNotificationPort } from './inbox.types';

export type { InboxService, NoticeDraft, KeeperNotificationPort } from './inbox.types';
export type { InboxServiceImpl } from './inbox.service';

export interface InboxFeatureDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  instanceId: string;
  keeper: KeeperNotificationPort;
  /** Session titles, repositories and outputs (a completed session's PR). */
  sessions: Pick<SessionsFeatureService, 'get'>;
  pulls: Pick<PullsService, 'forSession'>;
  /** How often due snoozes are woken (default 15 s). */
  snoozeEveryMs?: number;
}

export interface InboxFeature extends Feature<InboxServiceImpl> {
  /** The bus subscriptions (subscribed at creation; `idle()` waits for the events seen so far). */
  sources: InboxSources;
}

/**
 * The notification center (issue #15): turns every event a person should know of into a notification (bus
 * subscriptions, deduplicated across instances by event id), groups repeats, read / dismiss / snooze, counts.
 * The snooze loop runs on every instance: each due snooze is woken by a conditional update, so once.
 */
export function createInboxFeature(deps: InboxFeatureDeps): InboxFeature {
  const store = createInboxStore(deps.db);
  const service = createInboxService({ store, clock: deps.clock, log: deps.log, bus: deps.bus, keeper: deps.keeper });
  const sources = createInboxSources({ bus: deps.bus, store, service, log: deps.log, clock: deps.clock, sessions: deps.sessions, pulls: deps.pulls });
  sources.start();
  const wake = intervalLoop('inbox.snoozes', deps.snoozeEveryMs ?? 15_000, async () => void (await service.wakeSnoozes()), deps.log, { clock: deps.clock });
  const loop: Loop = {
    name: wake.name,
    start: () => wake.start(),
    status: () => wake.status(),
    async stop() {
      await wake.stop();
      sources.stop();
      await sources.idle();
    },
  };
  return { service, sources, loops: [loop], routes: (app) => registerInboxRoutes(app, { service }) };
}
