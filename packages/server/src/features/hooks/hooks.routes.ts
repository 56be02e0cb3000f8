import { routes } from '@autopilot/contracts';
import { bodyLimit } from 'hono/body-limit';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import type { ApiApp } from '../../platform/http/types';
import { HOOK_BODY_LIMIT } from './hooks.intake';
import type { HooksServiceImpl } from './hooks.service';

const r = routes.hooks;

/**
 * Thin handlers for `routes.hooks`, plus the public receiver `POST /hooks/{id}` (outside /api: the signature is the
 * authentication). Endpoint ids start with `hk_`, so `/hooks/github/{workspace}` (features/pulls, two segments)
 * never reaches it.
 */
export function registerHooksRoutes(app: ApiApp, service: HooksServiceImpl) {
  app.openapi(apiRoute(r.list), async (c) => c.json(await service.list(workspaceOf(c), c.req.valid('query')), 200));
  app.openapi(apiRoute(r.create), async (c) => c.json(await service.create(workspaceOf(c), c.req.valid('json')), 201));
  app.openapi(apiRoute(r.get), async (c) => c.json(await service.get(workspaceOf(c), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.update), async (c) => c.json(await service.update(workspaceOf(c), c.req.valid('param').id, c.req.valid('json')), 200));
  app.openapi(apiRoute(r.remove), async (c) => {
    await service.remove(workspaceOf(c), c.req.valid('param').id);
    return c.body(null, 204);
  });
  app.openapi(apiRoute(r.rotateSecret), async (c) => c.json(await service.rotateSecret(workspaceOf(c), c.req.valid('param').id, c.req.valid('json')), 200));
  app.openapi(apiRoute(r.test), async (c) => c.json(await service.test(workspaceOf(c), c.req.valid('param').id, c.req.valid('json')), 200));
  app.openapi(apiRoute(r.deliveries), async (c) => c.json(await service.deliveries(workspaceOf(c), c.req.valid('param').id, c.req.valid('query')), 200));
  app.openapi(apiRoute(r.delivery), async (c) => c.json(await service.delivery(workspaceOf(c), c.req.valid('param').id), 200));
  app.openapi(apiRoute(r.replay), async (c) => c.json(await service.replay(workspaceOf(c), c.req.valid('param').id), 202));

  app.post(
    '/hooks/:id',
    bodyLimit({ maxSize: HOOK_BODY_LIMIT, onError: (c) => c.json({ error: { code: 'payload_too_large', message: `Webhook bodies are limited to ${HOOK_BODY_LIMIT} bytes` } }, 413) }),
    async (c) => {
      const raw = Buffer.from(await c.req.arrayBuffer());
      const headers: Record<string, string> = {};
      c.req.raw.headers.forEach((v, k) => void (headers[k] = v));
      const answer = await service.receive(c.req.param('id').slice(0, 100), headers, raw);
      return c.json(answer.body, answer.status, answer.headers);
    },
  );
}
