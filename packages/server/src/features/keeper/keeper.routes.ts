import { routes } from '@autopilot/contracts';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { KeeperService } from './keeper.service';

const r = routes.keeper;

/** /api/keeper/* (settings, logs, notifications) and /api/sessions/{id}/keeper (per-session state, pause). */
export function registerKeeperRoutes(app: ApiApp, deps: { service: KeeperService }) {
  const { service } = deps;
  app.openapi(apiRoute(r.settings), async (c) => c.json(await service.getSettings(workspaceOf(c)), 200));
  app.openapi(apiRoute(r.updateSettings), async (c) => c.json(await service.updateSettings(workspaceOf(c), c.req.valid('json')), 200));
  app.openapi(apiRoute(r.logs), async (c) => c.json(await service.logs(workspaceOf(c), c.req.valid('query')), 200));
  app.openapi(apiRoute(r.notifications), async (c) => c.json(await service.notifications(workspaceOf(c), c.req.valid('query')), 200));
  app.openapi(apiRoute(r.updateNotification), async (c) => c.json(await service.updateNotification(workspaceOf(c), c.req.valid('param').id, c.req.valid('json')), 200));
  app.openapi(apiRoute(r.updateNotifications), async (c) => c.json(await service.updateNotifications(workspaceOf(c), c.req.valid('json')), 200));
  app.openapi(apiRoute(r.session), async (c) => c.json(await service.sessionState(workspaceOf(c), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.setSessionPaused), async (c) => c.json(await service.setPaused(workspaceOf(c), c.req.valid('param').id, c.req.valid('json').paused), 200));
}
