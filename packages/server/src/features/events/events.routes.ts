import { mayReceiveEvent, routes, scopeAllows, type AppEvent } from '@autopilot/contracts';
import type { EventBus } from '../../platform/events/bus';
import type { ApiApp } from '../../platform/http/types';
import { apiRoute, workspaceOf } from '../../platform/http/route';
import { respondWithSse } from './sse-sink';

/** Most events a slow SSE client may have pending before it is disconnected (it resumes with Last-Event-ID). */
const MAX_PENDING = 1000;

/**
 * Each event is serialized and encoded into its SSE frame once, however many clients receive it (fan-out to 1,000
 * streams is the hot path). JSON.stringify never emits a raw newline, so `data` is always one line.
 */
const frames = new WeakMap<AppEvent, Buffer>();
const frameOf = (e: AppEvent) => {
  let f = frames.get(e);
  if (f === undefined) frames.set(e, (f = Buffer.from(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`)));
  return f;
};
const control = (event: string, data: unknown) => Buffer.from(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
const HEARTBEAT = Buffer.from(': heartbeat\n\n');

/**
 * `GET /api/events`: the workspace's events as Server-Sent Events. Resumes after Last-Event-ID from the bus's
 * replay buffer; when that id is older than the buffer the stream starts with a `reset` event so the client
 * refetches. Heartbeat comments keep proxies from closing idle streams.
 *
 * Each subscriber receives only the event types its role and scopes may read (`eventAccess` in the contracts
 * catalog: a least role and a resource per type prefix), live and in the replay alike; the role and scopes are
 * those of the connection's key or session when it connected; a person's role change or removal (and the workspace's
 * deletion) ends the stream, so the client reconnects under the new role at once. Ids are
 * global across workspaces, so the gaps a filtered stream shows were already there and tell nothing.
 */
export function registerEventsRoutes(app: ApiApp, deps: { bus: EventBus; heartbeatMs?: number; onClient?: (delta: 1 | -1) => void; shutdown?: AbortSignal }) {
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  app.openapi(apiRoute(routes.events.stream), (c) => {
    const workspaceId = workspaceOf(c);
    const lastId = c.req.header('last-event-id') ?? c.req.query('lastEventId');
    return respondWithSse(c, async (sink) => {
      deps.onClient?.(1);
      const auth = c.get('auth');
      const who = { role: auth.role, scopes: auth.scopes };
      // One decision per type per connection: the stream's hot path stays a map lookup.
      const allowed = new Map<string, boolean>();
      const mayRead = (type: string) => {
        let ok = allowed.get(type);
        if (ok === undefined) allowed.set(type, (ok = mayReceiveEvent(type, who, scopeAllows)));
        return ok;
      };
      const visible = (e: AppEvent) => (e.workspaceId === null || e.workspaceId === workspaceId) && mayRead(e.type);
      // The access this stream was opened with stops being true: the person's role here changed or they were removed,
      // or the workspace was deleted. The stream ends (after that event, when it may see it) and the client
      // reconnects under what is true now: its new role's filter, or a 401/403 that stops it.
      const endsAccess = (e: AppEvent) =>
        e.workspaceId === workspaceId &&
        (e.type === 'workspace.deleted' || (auth.userId !== null && (e.type === 'member.updated' || e.type === 'member.removed') && e.data.userId === auth.userId));
      const pending: AppEvent[] = [];
      let started = false; // the hello (and any replay) went first
      let draining = false; // the socket buffer is full: hold writes until it drains
      let wroteSinceBeat = false;
      let closed = false;
      let ending = false; // end the stream once what is pending has been written (see endsAccess)
      let finish!: () => void;
      const finished = new Promise<void>((r) => (finish = r));
      const close = () => {
        closed = true;
        finish();
      };
      // Writes synchronously from the publisher's call when the socket can take it: no promise, timer or wake-up per
      // event per client. A burst that piled up while draining goes out in one write.
      const flush = () => {
        while (started && pending.length && !draining && !closed) {
          const chunk = pending.length === 1 ? frameOf(pending.shift()!) : Buffer.concat(pending.splice(0).map(frameOf));
          wroteSinceBeat = true;
          const wait = sink.write(chunk);
          if (wait) {
            draining = true;
            void wait.then(() => {
              draining = false;
              flush();
            });
          }
        }
        if (ending && started && !pending.length && !draining) close();
      };
      const unsubscribe = deps.bus.subscribe((e) => {
        if (closed || ending) return; // nothing after the change that ends this stream
        const ends = endsAccess(e);
        if (visible(e)) {
          if (pending.length >= MAX_PENDING) return close(); // too slow: drop it (it resumes with Last-Event-ID)
          pending.push(e);
          flush();
        }
        if (ends) {
          ending = true;
          flush();
        }
      });
      sink.onClose(close);
      // The graceful stop ends every stream: it must not wait for clients that never hang up (they resume elsewhere).
      if (deps.shutdown?.aborted) close();
      deps.shutdown?.addEventListener('abort', close, { once: true });
      const beat = setInterval(() => {
        if (!wroteSinceBeat && !draining && !closed) void sink.write(HEARTBEAT);
        wroteSinceBeat = false;
      }, heartbeatMs);
      try {
        if (lastId) {
          const missed = await deps.bus.replaySince(lastId);
          if (missed === null) await sink.write(control('reset', { reason: 'Last-Event-ID is older than the replay buffer' }));
          else pending.unshift(...missed.filter(visible).filter((e) => !pending.some((p) => p.id === e.id)));
        }
        await sink.write(control('hello', { workspaceId, at: new Date().toISOString() }));
        started = true;
        flush();
        await finished;
      } finally {
        clearInterval(beat);
        deps.shutdown?.removeEventListener('abort', close);
        unsubscribe();
        deps.onClient?.(-1);
      }
    });
  });
}
