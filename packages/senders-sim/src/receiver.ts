import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver heard: method, path, lower-cased headers, the raw body. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** What it answered (0 = the connection was dropped). */
  status: number;
}

export interface WebhookReceiverOptions {
  /** 0 (default) = any free port. */
  port?: number;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /**
   * Fail the next `count` requests (Infinity = until `up()`): `503` answers Service Unavailable, `drop` destroys the
   * connection without an answer.
   */
  down(count?: number, how?: '503' | 'drop'): void;
  up(): void;
  close(): Promise<void>;
}

/**
 * A webhook receiver on 127.0.0.1 for tests: records every request, answers 200 `{"ok":true}` (or fails on demand),
 * and on `/services/...` paths answers like a Slack incoming webhook: `ok` as text, 400 `invalid_payload` when the
 * body is not JSON with a `text` or `blocks`.
 */
export async function startWebhookReceiver(opts: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  let failing = 0;
  let mode: '503' | 'drop' = '503';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const rec: ReceivedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers, body: Buffer.concat(chunks).toString('utf8'), status: 0 };
      requests.push(rec);
      if (failing > 0) {
        failing--;
        if (mode === 'drop') return void req.socket.destroy();
        rec.status = 503;
        res.writeHead(503, { 'content-type': 'text/plain' }).end('service unavailable');
        return;
      }
      if (rec.path.startsWith('/services/')) {
        let ok = false;
        try {
          const v = JSON.parse(rec.body) as { text?: unknown; blocks?: unknown };
          ok = typeof v === 'object' && v !== null && (typeof v.text === 'string' || Array.isArray(v.blocks));
        } catch {
          ok = false;
        }
        rec.status = ok ? 200 : 400;
        res.writeHead(rec.status, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'invalid_payload');
        return;
      }
      rec.status = 200;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    down(count = Infinity, how = '503') {
      failing = count;
      mode = how;
    },
    up() {
      failing = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
