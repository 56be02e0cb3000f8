import type { EventBus } from '../../platform/events/bus';
import type { Feature } from '../../platform/feature';
import type { Metrics } from '../../platform/metrics';
import { registerEventsRoutes } from './events.routes';

export interface EventsFeature extends Feature<{ /** Open event streams. */ clients(): number }> {
  /** Ends every open event stream (first step of a graceful stop, so streams do not hold it). */
  endStreams(): void;
}

/** The live event stream (/api/events, SSE) over the bus. */
export function createEventsFeature(deps: { bus: EventBus; metrics: Metrics }): EventsFeature {
  let clients = 0;
  deps.metrics.gauge('autopilot_sse_clients', 'Open event streams', [], (g) => g.set(clients));
  const stopping = new AbortController();
  return {
    service: { clients: () => clients },
    loops: [],
    routes: (app) => registerEventsRoutes(app, { bus: deps.bus, onClient: (d) => (clients += d), shutdown: stopping.signal }),
    endStreams: () => stopping.abort(new Error('shutting down')),
  };
}
