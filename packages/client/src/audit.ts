import { routes } from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.audit;

/** Client methods of routes.audit (issue #16). */
export function auditApi(t: Transport) {
  const endpoint = endpoints(t);
  void endpoint;
  void r;
  return {};
}
