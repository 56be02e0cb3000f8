import { routes } from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.transfer;

/** Client methods of routes.transfer (issue #16). */
export function transferApi(t: Transport) {
  const endpoint = endpoints(t);
  void endpoint;
  void r;
  return {};
}
