import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from '@hono/zod-openapi';
import type { RouteDeclaration } from '@autopilot/contracts';

/*
 * A stand-in API for client tests: serves the routes of the given declarations on 127.0.0.1, checks each request
 * body and query with the route's own schemas (a bad one is a 400 with `issues`, like the server's), records what
 * was asked, and answers with what the test's handler returns, checked against the route's response schema, so a
 * test cannot hand the client something the contract does not allow.
 */

export interface StandinCall {
  route: string;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
}

type Handler = (call: StandinCall) => unknown;

export interface Standin {
  url: string;
  calls: StandinCall[];
  close(): Promise<void>;
}

function matcher(path: string): RegExp {
  return new RegExp(`^${path.replace(/\{([^}]+)\}/g, '(?<$1>[^/]+)')}$`);
}

const schemaOf = (content: unknown): z.ZodType | undefined => (content as { content?: { 'application/json'?: { schema?: z.ZodType } } } | undefined)?.content?.['application/json']?.schema;

/** Starts the stand-in for `routes` (name -> declaration); `handlers` answer by route name (status from the contract). */
export async function startStandin(routes: Record<string, RouteDeclaration>, handlers: Record<string, Handler>): Promise<Standin> {
  const calls: StandinCall[] = [];
  const table = Object.entries(routes).map(([name, r]) => ({ name, r, re: matcher(r.path) }));
  const send = (res: http.ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' }).end(body === undefined ? undefined : JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const hit = table.map((t) => ({ ...t, m: t.re.exec(url.pathname) })).find((t) => t.m && t.r.method.toUpperCase() === req.method);
      if (!hit?.m) return send(res, 404, { error: { code: 'not_found', message: `No route ${req.method} ${url.pathname}` } });
      const params = { ...(hit.m.groups ?? {}) };
      const query = Object.fromEntries(url.searchParams);
      const issues: Array<{ path: string; message: string }> = [];
      const check = (schema: z.ZodType | undefined, value: unknown, prefix: string) => {
        const r = schema?.safeParse(value);
        if (r && !r.success) for (const i of r.error.issues) issues.push({ path: [prefix, ...i.path.map(String)].join('.'), message: i.message });
      };
      let body: unknown;
      try {
        body = raw ? (JSON.parse(raw) as unknown) : undefined;
      } catch {
        return send(res, 400, { error: { code: 'bad_request', message: 'Not JSON' } });
      }
      const request = hit.r.request as { query?: z.ZodType; body?: unknown } | undefined;
      check(request?.query, query, 'query');
      check(schemaOf(request?.body), body, 'body');
      if (issues.length) return send(res, 400, { error: { code: 'validation_failed', message: 'The request is not valid', details: { issues } } });
      const call = { route: hit.name, params, query, body };
      calls.push(call);
      const handler = handlers[hit.name];
      if (!handler) return send(res, 501, { error: { code: 'internal', message: `The stand-in does not answer ${hit.name}` } });
      let answer: unknown;
      try {
        answer = handler(call);
      } catch (err) {
        const e = err as { status?: number; body?: unknown };
        return send(res, e.status ?? 500, e.body ?? { error: { code: 'internal', message: String(err) } });
      }
      const [status, response] = Object.entries(hit.r.responses).find(([code]) => Number(code) >= 200 && Number(code) < 300) ?? ['200', undefined];
      const schema = schemaOf(response);
      if (!schema) return send(res, Number(status));
      const parsed = schema.safeParse(answer);
      if (!parsed.success) return send(res, 500, { error: { code: 'internal', message: `stand-in answer breaks the contract: ${parsed.error.message}` } });
      send(res, Number(status), answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Throw from a handler to answer an API error. */
export function apiError(status: number, code: string, message: string, issues?: Array<{ path: string; message: string }>): Error {
  return Object.assign(new Error(message), { status, body: { error: { code, message, ...(issues ? { details: { issues } } : {}) } } });
}
