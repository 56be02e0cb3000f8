import type { Clock } from '../../platform/clock';
import type { SecretBox } from '../../platform/crypto';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
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
  /** Jitter source in [0, 1) for the retry schedule (tests pin it). */
  random?: () => number;
  /** How often the delivery loop looks for due deliveries (default 1 s). */
  pollMs?: number;
}
