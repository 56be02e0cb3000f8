import { routes } from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.people;

/** Client methods of routes.people (issue #16). */
export function peopleApi(t: Transport) {
  const endpoint = endpoints(t);
  void endpoint;
  void r;
  return {};
}
