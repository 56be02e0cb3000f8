import { routes } from '@autopilot/contracts';
import { bodyLimit } from 'hono/body-limit';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import type { PullsServiceImpl } from './pulls.service';
import type { Webhooks } from './pulls.webhook';

const r = routes.pulls;
/** GitHub caps a webhook payload at 25 MB; the events read here are far smaller, so 1 MiB is plenty. */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/**
 * Thin handlers: every route of `routes.pulls` except `archiveFinished` (features/merges registers it); roles come
 * from the declarations. `POST /hooks/github/:workspaceId` is outside /api: its signature is its authentication.
 */
export function registerPullsRoutes(app: ApiApp, deps: { service: PullsServiceImpl; webhooks: Webhooks }) {
  const { service, webhooks } = deps;
  app.openapi(apiRoute(r.list), async (c) => c.json(await service.list(workspaceOf(c), c.req.valid('query')), 200));
  app.openapi(apiRoute(r.get), async (c) => c.json(await service.get(workspaceOf(c), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.sync), async (c) => c.json(await service.sync(workspaceOf(c)), 200));
  app.openapi(apiRoute(r.runs), async (c) => c.json(await service.runs(workspaceOf(c), c.req.valid('query')), 200));
  app.openapi(apiRoute(r.stats), async (c) => c.json(await service.stats(workspaceOf(c), c.req.valid('query')), 200));
  app.openapi(apiRoute(r.automation), async (c) => c.json({ items: await service.listAutomation(workspaceOf(c)) }, 200));
  app.openapi(apiRoute(r.setAutomation), async (c) => c.json(await service.setAutomation(workspaceOf(c), c.req.valid('json')), 200));
  app.openapi(apiRoute(r.webhook), async (c) => c.json(await webhooks.get(workspaceOf(c)), 200));
  app.openapi(apiRoute(r.setWebhook), async (c) => c.json(await webhooks.put(workspaceOf(c), c.req.valid('json')), 200));
  app.openapi(apiRoute(r.deleteWebhook), async (c) => c.json(await webhooks.remove(workspaceOf(c)), 200));

  app.post(
    '/hooks/github/:workspaceId',
    bodyLimit({ maxSize: WEBHOOK_BODY_LIMIT, onError: (c) => c.json({ error: { code: 'payload_too_large', message: `Webhook bodies are limited to ${WEBHOOK_BODY_LIMIT} bytes` } }, 413) }),
    async (c) => {
      const body = Buffer.from(await c.req.arrayBuffer());
      const answer = await webhooks.receive(
        c.req.param('workspaceId').slice(0, 200),
        { signature: c.req.header('x-hub-signature-256'), event: c.req.header('x-github-event'), delivery: c.req.header('x-github-delivery') },
        body,
      );
      return c.json(answer.body, answer.status);
    },
  );
}
