import { serve, type ServerType } from '@hono/node-server';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiApp } from './types';

/** A listening server. `close` is the graceful stop: see {@link listen}. */
export interface Listening {
  server: ServerType;
  url: string;
  port: number;
  /**
   * Stops accepting at once, lets requests in flight finish until `deadlineMs` (epoch ms; default: now, i.e. cut
   * everything), then cuts what is left. Resolves when every connection is gone, with how many requests were cut.
   */
  close(deadlineMs?: number): Promise<{ cut: number }>;
}

/**
 * Listens on host:port (0 = any free port). Requests in flight are tracked so a stop can wait for them: once
 * stopping, the listener is closed (new connections are refused), idle keep-alive connections are closed, and
 * every response still to be sent says `Connection: close`, so each connection ends with its last response.
 * Long-lived streams (SSE) must be ended by their routes (main.ts aborts their shutdown signal first), or they
 * hold the stop until the deadline.
 */
export function listen(app: ApiApp, host: string, port: number): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const active = new Set<ServerResponse>();
    let stopping = false;
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      const h = info.address.includes(':') ? `[${info.address}]` : info.address;
      resolve({ server, url: `http://${h}:${info.port}`, port: info.port, close: (deadlineMs) => stop(deadlineMs ?? Date.now()) });
    }) as Server;
    server.once('error', reject);
    server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
      active.add(res);
      if (stopping) res.shouldKeepAlive = false;
      res.once('close', () => {
        active.delete(res);
        // The connection this response used may now be idle: close it rather than wait for its keep-alive timeout.
        if (stopping) setImmediate(() => server.closeIdleConnections());
      });
    });

    let closed: Promise<{ cut: number }> | undefined;
    function stop(deadlineMs: number): Promise<{ cut: number }> {
      return (closed ??= new Promise((res) => {
        stopping = true;
        for (const r of active) if (!r.headersSent) r.shouldKeepAlive = false;
        let cut = 0;
        const timer = setTimeout(() => {
          cut = active.size;
          server.closeAllConnections();
        }, Math.max(0, deadlineMs - Date.now()));
        server.close(() => {
          clearTimeout(timer);
          res({ cut });
        });
        server.closeIdleConnections();
      }));
    }
  });
}
