import type { Feature } from '../../platform/feature';
import { intervalLoop } from '../../platform/loops';
import { registerChannelsRoutes } from './channels.routes';
import { createChannelsService, type ChannelsServiceImpl } from './channels.service';
import type { ChannelsFeatureDeps } from './channels.types';

export type { ChannelsFeatureDeps } from './channels.types';

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
