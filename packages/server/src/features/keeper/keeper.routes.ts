import { z } from '@hono/zod-openapi';
import {
  KeeperLogPage, KeeperLogQuery, KeeperNotificationPage, KeeperSettings, PageQuery, SessionKeeperState, UpdateKeeperSettingsBody,
  UpdateSessionKeeperBody,
} from '@autopilot/contracts';
import { apiRoute, jsonBody, jsonOk } from '../../platform/http/route';
import { hasRole } from '../../platform/http/auth';
import { forbidden } from '../../platform/errors';
import type { ApiApp } from '../../platform/http/types';
import type { KeeperService } from './keeper.service';

const tags = ['keeper'];
const IdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' } }) });

/** /api/keeper/* (settings, logs, notifications) and /api/sessions/{id}/keeper (per-session state, pause). */
export function registerKeeperRoutes(app: ApiApp, deps: { service: KeeperService }) {
  const { service } = deps;
  const ws = (c: { get(k: 'auth'): { workspaceId: string } }) => c.get('auth').workspaceId;

  app.openapi(
    apiRoute({ method: 'get', path: '/api/keeper/settings', tags, summary: "The workspace's keeper settings", responses: { 200: jsonOk(KeeperSettings) } }),
    async (c) => c.json(await service.getSettings(ws(c)), 200),
  );

  app.openapi(
    apiRoute({
      method: 'put',
      path: '/api/keeper/settings',
      tags,
      summary: 'Change keeper settings (groups given are merged field by field; the result is validated as a whole)',
      request: { body: jsonBody(UpdateKeeperSettingsBody) },
      responses: { 200: jsonOk(KeeperSettings) },
    }),
    async (c) => {
      const auth = c.get('auth');
      if (!hasRole(auth, 'admin')) throw forbidden('Only admins and owners change keeper settings');
      return c.json(await service.updateSettings(auth.workspaceId, c.req.valid('json')), 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'get',
      path: '/api/keeper/logs',
      tags,
      summary: "The keeper's decisions and actions, newest first, with their reasons",
      request: { query: KeeperLogQuery },
      responses: { 200: jsonOk(KeeperLogPage) },
    }),
    async (c) => c.json(await service.logs(ws(c), c.req.valid('query')), 200),
  );

  app.openapi(
    apiRoute({
      method: 'get',
      path: '/api/keeper/notifications',
      tags,
      summary: 'Notifications the keeper raised (held plans, stuck sessions, escalations), newest first',
      request: { query: PageQuery },
      responses: { 200: jsonOk(KeeperNotificationPage) },
    }),
    async (c) => c.json(await service.notifications(ws(c), c.req.valid('query')), 200),
  );

  app.openapi(
    apiRoute({
      method: 'get',
      path: '/api/sessions/{id}/keeper',
      tags,
      summary: "The keeper's state for one session: paused, stuck, counters and its ledger entries",
      request: { params: IdParam },
      responses: { 200: jsonOk(SessionKeeperState) },
    }),
    async (c) => c.json(await service.sessionState(ws(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    apiRoute({
      method: 'put',
      path: '/api/sessions/{id}/keeper',
      tags,
      summary: 'Pause or resume the keeper for one session',
      request: { params: IdParam, body: jsonBody(UpdateSessionKeeperBody) },
      responses: { 200: jsonOk(SessionKeeperState) },
    }),
    async (c) => {
      const auth = c.get('auth');
      if (!hasRole(auth, 'member')) throw forbidden('Viewers cannot pause the keeper');
      return c.json(await service.setPaused(auth.workspaceId, c.req.valid('param').id, c.req.valid('json').paused), 200);
    },
  );
}
