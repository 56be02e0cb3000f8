import { routes, type SessionDetail } from '@autopilot/contracts';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { SessionsService } from './sessions.service';
import type { AccountsService } from './accounts.service';
import type { BoardService } from './sessions.board';
import type { SourcesService } from './sources.service';

const r = routes.sessions;

/** /api/sessions (the mirror, and actions that go through Jules) and /api/jules/accounts. */
export function registerSessionsRoutes(app: ApiApp, deps: { sessions: SessionsService; accounts: AccountsService; board: BoardService; sources: SourcesService }) {
  const { sessions, accounts, board, sources } = deps;

  app.openapi(apiRoute(r.list), async (c) => {
    const q = c.req.valid('query');
    // A board column page goes through the board's index; without a column, the plain list.
    return c.json(q.column ? await board.list(workspaceOf(c), { ...q, column: q.column }) : await sessions.list(workspaceOf(c), q), 200);
  });
  // Before /api/sessions/{id}, which would otherwise take "counts" for an id.
  app.openapi(apiRoute(r.counts), async (c) => c.json(await board.counts(workspaceOf(c), c.req.valid('query')), 200));
  app.openapi(apiRoute(r.get), async (c) => c.json(await sessions.get(workspaceOf(c), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.activities), async (c) => c.json(await sessions.activities(workspaceOf(c), c.req.valid('param').id, c.req.valid('query')), 200));
  // POST /api/sessions (r.create) is registered by the dispatcher, which owns every create (features/dispatch).

  const action = (route: typeof r.approvePlan | typeof r.archive | typeof r.unarchive, fn: (w: string, id: string) => Promise<unknown>) =>
    app.openapi(apiRoute(route), async (c) => c.json((await fn(workspaceOf(c), c.req.valid('param').id)) as SessionDetail, 200));
  action(r.approvePlan, (w, id) => sessions.approvePlan(w, id));
  action(r.archive, (w, id) => sessions.archive(w, id));
  action(r.unarchive, (w, id) => sessions.unarchive(w, id));

  app.openapi(apiRoute(r.sendMessage), async (c) => c.json(await sessions.sendMessage(workspaceOf(c), c.req.valid('param').id, c.req.valid('json').message), 200));
  app.openapi(apiRoute(r.remove), async (c) => c.json(await sessions.remove(workspaceOf(c), c.req.valid('param').id), 200));

  app.openapi(apiRoute(r.listAccounts), async (c) => c.json({ items: await accounts.list(workspaceOf(c)) }, 200));
  app.openapi(apiRoute(r.addAccount), async (c) => c.json(await accounts.add(workspaceOf(c), c.req.valid('json')), 201));
  app.openapi(apiRoute(r.updateAccount), async (c) => c.json(await accounts.update(workspaceOf(c), c.req.valid('param').id, c.req.valid('json')), 200));
  app.openapi(apiRoute(r.removeAccount), async (c) => {
    const removed = await accounts.remove(workspaceOf(c), c.req.valid('param').id);
    sources.forget(removed.id);
    return c.json(removed, 200);
  });
  app.openapi(apiRoute(r.listSources), async (c) => c.json(await sources.list(workspaceOf(c), c.req.valid('query')), 200));
  app.openapi(apiRoute(r.accountSources), async (c) => c.json(await sources.list(workspaceOf(c), { ...c.req.valid('query'), accountId: c.req.valid('param').id }), 200));
}
