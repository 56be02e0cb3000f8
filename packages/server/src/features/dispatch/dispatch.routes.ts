import { routes } from '@autopilot/contracts';
import { AppError } from '../../platform/errors';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { SessionsFeatureService } from '../sessions';
import { errorOf } from './dispatch.service';
import type { DispatchStore } from './dispatch.store';
import type { DispatcherService } from './dispatch.types';

const r = routes.dispatch;

/**
 * /api/dispatch, and POST /api/sessions: a single create is an intent like any other, sent at once when the account
 * has room (201 with the session), answered 202 with its place in line when the account's limits hold it, and
 * answered with Jules' refusal when it failed (the same errors a direct create gave).
 */
export function registerDispatchRoutes(app: ApiApp, deps: { service: DispatcherService; sessions: SessionsFeatureService; store: DispatchStore; apiWaitMs: number }) {
  const { service } = deps;
  app.openapi(apiRoute(routes.sessions.create), async (c) => {
    const ws = workspaceOf(c);
    const { accountId, ...body } = c.req.valid('json');
    const submitted = await service.submit(ws, {
      accountId,
      origin: { kind: 'api' },
      request: { prompt: body.prompt, title: body.title, source: body.source, startingBranch: body.startingBranch, requirePlanApproval: body.requirePlanApproval, autoCreatePr: body.autoCreatePr },
    });
    // Held by the plan's limits (a slot, the daily quota, a pause): say so now rather than after the wait.
    const held = await service.heldBy(ws, submitted.id);
    const i = held ? await service.get(ws, submitted.id) : await service.waitFor(ws, submitted.id, deps.apiWaitMs);
    if (i.state === 'created' && i.sessionId) return c.json(await deps.sessions.get(ws, i.sessionId), 201);
    if (i.state === 'failed') {
      const row = await deps.store.get(ws, i.id);
      const e = row ? errorOf(row) : null;
      throw new AppError((e?.code as never) ?? 'upstream_error', e?.message ?? 'Jules did not create the session', { ...(e?.issues ? { issues: e.issues } : {}), ...(e?.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}) });
    }
    return c.json(i, 202);
  });
  app.openapi(apiRoute(r.accounts), async (c) => c.json({ items: await service.accounts(workspaceOf(c)) }, 200));
  app.openapi(apiRoute(r.account), async (c) => c.json(await service.account(workspaceOf(c), c.req.valid('param').accountId), 200));
  app.openapi(apiRoute(r.updateLimits), async (c) => c.json(await service.updateLimits(workspaceOf(c), c.req.valid('param').accountId, c.req.valid('json')), 200));
  app.openapi(apiRoute(r.intents), async (c) => c.json(await service.list(workspaceOf(c), c.req.valid('query')), 200));
  app.openapi(apiRoute(r.intent), async (c) => c.json(await service.get(workspaceOf(c), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.cancel), async (c) => c.json(await service.cancel(workspaceOf(c), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.retry), async (c) => c.json(await service.retry(workspaceOf(c), c.req.valid('param').id), 200));
}
