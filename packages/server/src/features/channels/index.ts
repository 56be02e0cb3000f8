import type { Clock } from '../../platform/clock';
import type { SecretBox } from '../../platform/crypto';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Feature } from '../../platform/feature';
import type { Logger } from '../../platform/logger';
import type { Outbound } from '../../platform/outbound';
import { intervalLoop } from '../../platform/loops';
import type { InboxService } from '../inbox';
import { registerChannelsRoutes } from './channels.routes';
import { createChannelsService, type ChannelsServiceImpl } from './channels.service';

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

/**
 * Also `runDue()`: deliveries due now are attempted (tests with a manual clock call it instead of waiting for the
 * loop); `idle()`: resolves once the fan-out of the events seen so far is done.
 */
export type ChannelsService = ChannelsServiceImpl & { idle(): Promise<void> };

/**
 * Outbound channels (issue #15): Slack incoming webhooks, signed Standard Webhooks deliveries (outbound module,
 * Svix-like retry schedule, disabled after repeated failure), e-mail over SMTP; filters per channel.
 */
export function createChannelsFeature(deps: ChannelsFeatureDeps): Feature<ChannelsService> {
  const inFlight = new Set<Promise<unknown>>();
  const service: ChannelsService = Object.assign(createChannelsService(deps), { idle: async () => void (await Promise.all([...inFlight])) });
  deps.bus.subscribe((event) => {
    const p = service.fanOut(event).catch((err: unknown) => deps.log.warn({ err, eventId: event.id }, 'channel fan-out failed'));
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  });
  const loop = intervalLoop('channels.deliver', deps.pollMs ?? 1_000, async () => void (await service.runDue()), deps.log, { clock: deps.clock });
  return { service, routes: (app) => registerChannelsRoutes(app, service), loops: [loop] };
}
