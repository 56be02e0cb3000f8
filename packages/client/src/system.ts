import { routes } from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

/** The system feature: every component and loop with status and latency. */
export function systemApi(t: Transport) {
  const endpoint = endpoints(t);
  return {
    health: endpoint(routes.system.health, (call) => (signal?: AbortSignal) => call({ signal })),
  };
}
