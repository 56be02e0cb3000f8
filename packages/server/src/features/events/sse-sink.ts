import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { stream as honoStream } from 'hono/streaming';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';

/**
 * Where an SSE stream's bytes go. Fan-out to 1,000 streams is the hot path: every event is encoded once into one
 * Buffer that every sink writes as it is. On the Node server the sink writes straight to the socket's
 * ServerResponse (one `write` per event per client, backpressure from its return value); going through Hono's
 * web-stream helper cost an encode, a TransformStream hop and two reader promises per client per event, which the
 * bench/sse profile showed as most of the delivery lag. Without a Node response (in-process `app.request()`), the
 * same loop runs over Hono's stream helper.
 */
export interface SseSink {
  /** Writes bytes; resolves once the sink can take more (immediately unless the socket buffer is full). */
  write(chunk: Uint8Array): Promise<void> | void;
  /** Calls `fn` once when the client goes away. */
  onClose(fn: () => void): void;
  end(): void;
}

const HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // Proxies such as nginx buffer responses unless told not to; a buffered event stream is not live.
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
};

function nodeSink(res: ServerResponse): SseSink {
  res.writeHead(200, HEADERS);
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  return {
    write(chunk) {
      if (res.destroyed || res.writableEnded) return;
      if (!res.write(chunk)) return new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    },
    onClose(fn) {
      res.once('close', fn);
    },
    end() {
      if (!res.writableEnded) res.end();
    },
  };
}

/**
 * Runs `body` with a sink for this request and returns the Response Hono should answer with: the Node server's
 * "already sent" marker when the sink writes to the socket itself, else a streamed Response.
 */
export function respondWithSse(c: Context, body: (sink: SseSink) => Promise<void>): Response {
  const res = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (res && typeof res.writeHead === 'function') {
    const sink = nodeSink(res);
    void body(sink).finally(() => sink.end());
    return RESPONSE_ALREADY_SENT;
  }
  for (const [k, v] of Object.entries(HEADERS)) c.header(k, v);
  return honoStream(c, async (s) => {
    await body({
      write: async (chunk) => void (await s.write(chunk)),
      onClose: (fn) => s.onAbort(fn),
      end: () => void s.close(),
    });
  });
}
