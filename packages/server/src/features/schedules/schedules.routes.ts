import { routes } from '@autopilot/contracts';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { SchedulesService } from './schedules.service';

const r = routes.schedules;

/** /api/schedules: CRUD, pause/resume, next runs and run history. Writes: members and up (apiRoute checks). */
export function registerSchedulesRoutes(app: ApiApp, deps: { service: SchedulesService }) {
  const { service } = deps;
  const id = (c: { req: { valid(t: 'param'): { id: string } } }) => c.req.valid('param').id;
  app.openapi(apiRoute(r.list), async (c) => c.json(await service.list(workspaceOf(c)), 200));
  app.openapi(apiRoute(r.create), async (c) => c.json(await service.create(workspaceOf(c), c.req.valid('json')), 201));
  app.openapi(apiRoute(r.get), async (c) => c.json(await service.get(workspaceOf(c), id(c)), 200));
  app.openapi(apiRoute(r.update), async (c) => c.json(await service.update(workspaceOf(c), id(c), c.req.valid('json')), 200));
  app.openapi(apiRoute(r.remove), async (c) => c.json(await service.remove(workspaceOf(c), id(c)), 200));
  app.openapi(apiRoute(r.pause), async (c) => c.json(await service.pause(workspaceOf(c), id(c)), 200));
  app.openapi(apiRoute(r.resume), async (c) => c.json(await service.resume(workspaceOf(c), id(c)), 200));
  app.openapi(apiRoute(r.next), async (c) => c.json(await service.next(workspaceOf(c), id(c), c.req.valid('query').count), 200));
  app.openapi(apiRoute(r.runs), async (c) => c.json(await service.runs(workspaceOf(c), id(c), c.req.valid('query')), 200));
}
