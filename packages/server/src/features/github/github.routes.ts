import { routes } from '@autopilot/contracts';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { GitHubService } from './github.service';

const r = routes.github;

/** /api/github/connection: read by every role; connect and disconnect by admins (apiRoute enforces minRole). */
export function registerGitHubRoutes(app: ApiApp, deps: { service: GitHubService }) {
  const { service } = deps;
  app.openapi(apiRoute(r.connection), async (c) => c.json(await service.connection(workspaceOf(c)), 200));
  app.openapi(apiRoute(r.connect), async (c) => c.json(await service.connect(workspaceOf(c), c.req.valid('json')), 200));
  app.openapi(apiRoute(r.disconnect), async (c) => c.json(await service.disconnect(workspaceOf(c)), 200));
}
