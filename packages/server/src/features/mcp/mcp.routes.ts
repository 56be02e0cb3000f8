import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { createClient, type FetchLike } from '@autopilot/client';
import type { Context } from 'hono';
import { errorResponse } from '../../platform/http/errors';
import type { ApiApp, AppEnv } from '../../platform/http/types';
import { createAutopilotMcpServer } from './mcp.tools';

/** The largest JSON-RPC body /mcp reads (a batch's task list may be up to 1,000,000 characters). */
export const MCP_BODY_LIMIT_BYTES = 2 * 1024 * 1024;

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Streamable HTTP at /mcp, stateless: every POST gets a fresh MCP server and transport (no session id), so any
 * instance behind a load balancer can answer any request. GET (a standalone event stream) and DELETE (ending a
 * session) have no meaning without sessions and answer 405, as the specification allows.
 *
 * Authentication comes first: the caller's `Authorization: Bearer <key>` is checked by the API itself
 * (GET /api/me, in process, with the same throttle and errors), so no key or a wrong one is the API's 401 before any
 * MCP processing. The tools then reach the API in process (`app.request`) with that same header, so the key's role,
 * scopes and workspace apply to every call exactly as over REST.
 */
export function registerMcpRoutes(app: ApiApp, opts: { pollMs?: number } = {}): void {
  app.on(['POST', 'GET', 'DELETE'], '/mcp', async (c) => {
    const header = c.req.header('authorization');
    const key = header && BEARER.exec(header)?.[1];
    if (!key) return errorResponse(c, 'unauthorized', 'Missing API key: send Authorization: Bearer <key>', undefined, { 'WWW-Authenticate': 'Bearer' });
    const inProcess = forwarding(app, c);
    const me = await inProcess('/api/me', { headers: { authorization: `Bearer ${key}`, accept: 'application/json' } });
    if (me.status !== 200) return new Response(me.body, { status: me.status, headers: me.headers });
    await me.body?.cancel();

    if (c.req.method !== 'POST') {
      return errorResponse(c, 'method_not_allowed', `/mcp is stateless here: it takes POST only (no ${c.req.method})`, { allowed: ['POST'] }, { Allow: 'POST' });
    }
    const length = Number(c.req.header('content-length') ?? '0');
    if (length > MCP_BODY_LIMIT_BYTES) return errorResponse(c, 'payload_too_large', `Request body exceeds ${MCP_BODY_LIMIT_BYTES} bytes`);

    const server = createAutopilotMcpServer(createClient({ baseUrl: '', apiKey: key, fetch: inProcess }), opts);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, maxRequestBodySize: MCP_BODY_LIMIT_BYTES });
    await server.connect(transport);
    const close = () => void server.close().catch(() => undefined);
    let res: Response;
    try {
      res = await transport.handleRequest(c.req.raw);
    } catch (err) {
      close();
      throw err;
    }
    if (!res.body) {
      close();
      return res;
    }
    // Closed once the answer (an event stream while a tool runs) is over, or when the caller goes away: closing
    // aborts a tool still running (its signal), so a long tool stops polling the API.
    const body = res.body.pipeThrough(new TransformStream({ flush: close }));
    c.req.raw.signal.addEventListener('abort', close, { once: true });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  });
}

/** The app's own fetch for API calls made on behalf of this request (the caller's connection info goes along). */
function forwarding(app: ApiApp, c: Context<AppEnv>): FetchLike {
  return async (input, init) => app.request(input, init, c.env);
}
