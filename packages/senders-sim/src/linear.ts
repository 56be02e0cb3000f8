import { createHash, createHmac, randomUUID } from 'node:crypto';
import { listenLocal } from './serve';
import { Hono } from 'hono';

/** One comment the stand-in created through commentCreate. */
export interface LinearComment {
  id: string;
  issueId: string;
  body: string;
  createdAt: string;
}

export interface LinearStandIn {
  /** http://127.0.0.1:PORT */
  url: string;
  /** `${url}/graphql` */
  graphqlUrl: string;
  /** The API key it accepts (default `lin_api_test`). */
  apiKey: string;
  /** Comments created, in order. */
  comments: LinearComment[];
  /** The next `n` requests answer HTTP 500. */
  failNext(n: number): void;
  close(): Promise<void>;
}

type GraphQLError = { message: string; path?: string[]; extensions?: Record<string, unknown> };
const errors = (...e: GraphQLError[]) => ({ errors: e });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const AUTH_ERROR = errors({
  message: 'Authentication required, not authenticated',
  extensions: { code: 'AUTHENTICATION_ERROR', type: 'authentication error', userError: true, userPresentableMessage: 'You need to authenticate to access this operation.' },
});

/**
 * Which variable holds commentCreate's input, or null when the document is not a mutation calling commentCreate.
 * A matcher rather than a GraphQL parser: the `graphql` package is not installed and this one mutation, with its
 * input in a variable (as @linear/sdk and hand-written clients send it), is all the orchestrator uses.
 */
function commentCreateInputVar(query: string): string | null {
  const doc = query.replace(/#[^\n]*/g, '');
  if (!/^\s*mutation\b/.test(doc)) return null;
  return /\bcommentCreate\s*\(\s*input\s*:\s*\$(\w+)\s*\)/.exec(doc)?.[1] ?? null;
}

/**
 * A Linear stand-in on 127.0.0.1: `POST /graphql` with the API key in `authorization` (bare, as Linear's personal
 * keys are sent, or `Bearer`, as OAuth tokens are) and the `commentCreate` mutation (with an optional client `id`,
 * refused as `already exists` when used twice). Errors come back like Linear's:
 * HTTP 400 for authentication and unknown operations, HTTP 200 with `data: null` for invalid input.
 */
export async function startLinear(o: { apiKey?: string } = {}): Promise<LinearStandIn> {
  const apiKey = o.apiKey ?? 'lin_api_test';
  const comments: LinearComment[] = [];
  let failing = 0;
  let lastSyncId = 1000;

  const app = new Hono();
  app.post('/graphql', async (c) => {
    if (failing > 0) {
      failing--;
      return c.json(errors({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }), 500);
    }
    const sent = (c.req.header('authorization') ?? '').replace(/^Bearer\s+/i, '').trim();
    if (sent !== apiKey) return c.json(AUTH_ERROR, 400);
    let req: { query?: unknown; variables?: unknown };
    try {
      req = JSON.parse(await c.req.text()) as typeof req;
    } catch {
      return c.json(errors({ message: 'The body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }), 400);
    }
    const inputVar = typeof req?.query === 'string' ? commentCreateInputVar(req.query) : null;
    if (!inputVar) return c.json(errors({ message: 'Unknown operation', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }), 400);
    const vars = typeof req.variables === 'object' && req.variables !== null ? (req.variables as Record<string, unknown>) : {};
    const input = (typeof vars[inputVar] === 'object' && vars[inputVar] !== null ? vars[inputVar] : {}) as { id?: unknown; issueId?: unknown; body?: unknown };
    const invalid = (message: string, userPresentableMessage: string) =>
      c.json({ data: null, ...errors({ message, path: ['commentCreate'], extensions: { code: 'INVALID_INPUT', type: 'invalid input', userError: true, userPresentableMessage } }) });
    if (typeof input.issueId !== 'string' || !input.issueId.trim() || typeof input.body !== 'string' || !input.body.trim()) {
      return invalid('Argument Validation Error', 'issueId and body must not be empty.');
    }
    if (input.id !== undefined && (typeof input.id !== 'string' || !UUID.test(input.id))) return invalid('Argument Validation Error', 'id must be a UUID.');
    // A client-chosen id makes a retried commentCreate idempotent: the second attempt is refused, nothing is added.
    if (typeof input.id === 'string' && comments.some((x) => x.id === input.id)) return invalid('Entity already exists', 'A comment with this id already exists.');
    const comment: LinearComment = { id: typeof input.id === 'string' ? input.id : randomUUID(), issueId: input.issueId, body: input.body, createdAt: new Date().toISOString() };
    comments.push(comment);
    // The whole comment is answered whatever the selection set asks for: extra fields are harmless to clients.
    return c.json({
      data: {
        commentCreate: {
          success: true,
          lastSyncId: ++lastSyncId,
          comment: { ...comment, url: `https://linear.app/test/issue/${comment.issueId}#comment-${comment.id.slice(0, 8)}`, issue: { id: comment.issueId } },
        },
      },
    });
  });

  const { url, close } = await listenLocal(app);
  return {
    url,
    graphqlUrl: `${url}/graphql`,
    apiKey,
    comments,
    failNext(n: number) {
      failing = n;
    },
    close,
  };
}

/** An issue as a webhook describes it; everything else in the payload gets fixed test values. */
export interface LinearIssue {
  /** Linear's issue id (a UUID in Linear; any string here). */
  id: string;
  /** e.g. `ENG-12`: the team key and the issue number. */
  identifier: string;
  title: string;
  description?: string | null;
  /** Label names; their ids and colours are derived from the names, so they are stable. */
  labels: string[];
  url?: string;
  /** Default: the identifier's prefix. */
  teamKey?: string;
}

/** A stable UUID-shaped id from a name, so labels, teams and states keep their ids across events. */
function stableId(kind: string, name: string): string {
  const h = createHash('sha256').update(`${kind}:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The JSON body of Linear's Issue webhook: { action, type: 'Issue', createdAt, data: { id, identifier, title,
 * description, url, labels: [{ id, name, color }], labelIds, team: { id, key }, state: {...}, ... }, url,
 * webhookTimestamp: nowMs, webhookId, organizationId, updatedFrom? (update only) }
 */
export function issueWebhook(o: { action: 'create' | 'update' | 'remove'; issue: LinearIssue; nowMs?: number; webhookId?: string; updatedFrom?: Record<string, unknown> }): string {
  const now = o.nowMs ?? Date.now();
  const at = new Date(now).toISOString();
  const { issue } = o;
  const teamKey = issue.teamKey ?? issue.identifier.split('-')[0]!;
  const number = Number(/-(\d+)$/.exec(issue.identifier)?.[1] ?? 0);
  const url = issue.url ?? `https://linear.app/test/issue/${issue.identifier}`;
  const labels = issue.labels.map((name) => {
    const id = stableId('label', name);
    return { id, name, color: `#${id.slice(0, 6)}` };
  });
  const team = { id: stableId('team', teamKey), key: teamKey, name: teamKey };
  const state = { id: stableId('state', 'Todo'), name: 'Todo', color: '#e2e2e2', type: 'unstarted' };
  return JSON.stringify({
    action: o.action,
    actor: { id: stableId('user', 'alice'), name: 'Alice', type: 'user' },
    createdAt: at,
    data: {
      id: issue.id,
      createdAt: at,
      updatedAt: at,
      number,
      title: issue.title,
      description: issue.description ?? null,
      priority: 0,
      priorityLabel: 'No priority',
      identifier: issue.identifier,
      url,
      teamId: team.id,
      team,
      stateId: state.id,
      state,
      labelIds: labels.map((l) => l.id),
      labels,
      subscriberIds: [],
    },
    url,
    type: 'Issue',
    organizationId: stableId('organization', 'test'),
    webhookTimestamp: now,
    webhookId: o.webhookId ?? randomUUID(),
    ...(o.action === 'update' ? { updatedFrom: o.updatedFrom ?? { updatedAt: new Date(now - 60_000).toISOString() } } : {}),
  });
}

/**
 * Linear's headers: content-type application/json, linear-signature (hex HMAC-SHA256 of the body), linear-delivery
 * (uuid unless given), linear-event (the body's `type`, `Issue` when it has none), user-agent 'Linear-Webhook'.
 */
export function signLinear(secret: string, body: string, deliveryId?: string): Record<string, string> {
  let event = 'Issue';
  try {
    const t = (JSON.parse(body) as { type?: unknown }).type;
    if (typeof t === 'string' && t) event = t;
  } catch {
    // An unparsable body (a test of the orchestrator's refusal) is still signed as given.
  }
  return {
    'content-type': 'application/json',
    'linear-signature': createHmac('sha256', secret).update(body).digest('hex'),
    'linear-delivery': deliveryId ?? randomUUID(),
    'linear-event': event,
    'user-agent': 'Linear-Webhook',
  };
}

/** POSTs a signed Linear webhook `body` to `url` (an orchestrator /hooks/{id}); returns the fetch Response. */
export function sendLinearWebhook(url: string, secret: string, body: string, deliveryId?: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: signLinear(secret, body, deliveryId), body });
}
