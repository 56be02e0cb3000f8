import { routes } from '@autopilot/contracts';
import type { PutGitHubConnectionBody } from '@autopilot/contracts/github';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.github;

/** The workspace's GitHub connection: the token is write-only (checked live by the server before it is stored). */
export function githubApi(t: Transport) {
  const endpoint = endpoints(t);
  return {
    connection: endpoint(r.connection, (call) => (signal?: AbortSignal) => call({ signal })),
    connect: endpoint(r.connect, (call) => (body: PutGitHubConnectionBody) => call({ body })),
    disconnect: endpoint(r.disconnect, (call) => () => call({})),
  };
}
