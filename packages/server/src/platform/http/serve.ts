import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { ApiApp } from './types';

/** Listens on host:port (0 = any free port) and resolves with the bound address and a close function. */
export function listen(app: ApiApp, host: string, port: number): Promise<{ server: ServerType; url: string; port: number; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      const h = info.address.includes(':') ? `[${info.address}]` : info.address;
      resolve({
        server,
        url: `http://${h}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((res) => {
            // Stop accepting, then cut idle keep-alive and long-lived (SSE) connections so close() returns.
            server.close(() => res());
            (server as any).closeIdleConnections?.();
            setTimeout(() => (server as any).closeAllConnections?.(), 1000).unref();
          }),
      });
    });
    server.once('error', reject);
  });
}
