import { streamSSE } from 'hono/streaming';
import type { AppEvent } from '@autopilot/contracts';
import type { EventBus } from '../../platform/events/bus';
import type { ApiApp } from '../../platform/http/types';
import { apiRoute } from '../../platform/http/route';

/** Most events a slow SSE client may have pending before it is disconnected (it resumes with Last-Event-ID). */
const MAX_PENDING = 1000;

/** Each event is serialized once, however many clients receive it (fan-out to 1,000 streams is the hot path). */
const serialized = new WeakMap<AppEvent, string>();
const toData = (e: AppEvent) => {
  let s = serialized.get(e);
  if (s === undefined) serialized.set(e, (s = JSON.stringify(e)));
  return s;
};

/**
 * `GET /api/events`: the workspace's events as Server-Sent Events. Resumes after Last-Event-ID from the bus's
 * replay buffer; when that id is older than the buffer the stream starts with a `reset` event so the client
 * refetches. Heartbeat comments keep proxies from closing idle streams.
 */
export function registerEventsRoutes(app: ApiApp, deps: { bus: EventBus; heartbeatMs?: number; onClient?: (delta: 1 | -1) => void }) {
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const route = apiRoute({
    method: 'get',
    path: '/api/events',
    tags: ['events'],
    summary: 'Live events (text/event-stream); send Last-Event-ID to resume',
    responses: { 200: { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } as any } } } },
  });
  app.openapi(route, (c) => {
    const workspaceId = c.get('auth').workspaceId;
    const lastId = c.req.header('last-event-id') ?? c.req.query('lastEventId');
    return streamSSE(c, async (stream) => {
      deps.onClient?.(1);
      const visible = (e: AppEvent) => e.workspaceId === null || e.workspaceId === workspaceId;
      const pending: AppEvent[] = [];
      let wake: (() => void) | null = null;
      let closed = false;
      const unsubscribe = deps.bus.subscribe((e) => {
        if (!visible(e)) return;
        if (pending.length >= MAX_PENDING) {
          closed = true; // too slow: drop it rather than grow memory without bound
        } else pending.push(e);
        wake?.();
      });
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      try {
        if (lastId) {
          const missed = await deps.bus.replaySince(lastId);
          if (missed === null) await stream.writeSSE({ event: 'reset', data: JSON.stringify({ reason: 'Last-Event-ID is older than the replay buffer' }) });
          else pending.unshift(...missed.filter(visible).filter((e) => !pending.some((p) => p.id === e.id)));
        }
        await stream.writeSSE({ event: 'hello', data: JSON.stringify({ workspaceId, at: new Date().toISOString() }) });
        while (!closed) {
          while (pending.length && !closed) {
            const e = pending.shift()!;
            await stream.writeSSE({ id: e.id, event: e.type, data: toData(e) });
          }
          if (closed) break;
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, heartbeatMs);
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
          wake = null;
          if (!pending.length && !closed) await stream.write(': heartbeat\n\n');
        }
      } finally {
        unsubscribe();
        deps.onClient?.(-1);
      }
    });
  });
}
