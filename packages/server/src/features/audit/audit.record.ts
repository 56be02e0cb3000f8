import { routes, type AuditActor, type AuditTarget } from '@autopilot/contracts';
import type { MiddlewareHandler } from 'hono';
import { currentActor, type Actor } from '../../platform/actor';
import type { EventBus } from '../../platform/events/bus';
import type { AuditDraft } from './audit.store';

/** Any key named like these is replaced by "[redacted]" in a recorded body (at any depth). */
const SECRET_KEY = /key|secret|token|password|passphrase|authorization|cookie|credential|^link$|loginUrl/i;
/** Secrets inside values: API keys, and the token-like query parameters of a URL (a login or reset link). */
const redactValue = (s: string) =>
  s.replace(/\bap_[A-Za-z0-9_-]{12,}/g, 'ap_[redacted]').replace(/([?&#](?:token|key|secret|code|sig|signature|access_token|state)=)[^&#\s]+/gi, '$1[redacted]').replace(/(\/(?:invite|reset|login)\/)[A-Za-z0-9_-]{16,}/g, '$1[redacted]');
/** The most characters of a summarised body; beyond, the summary says it was cut. */
export const SUMMARY_MAX = 2048;

/** A request body as it is recorded: secrets redacted, at most SUMMARY_MAX characters of JSON. */
export function summarize(v: unknown): unknown {
  const walk = (x: unknown, depth: number): unknown => {
    if (typeof x === 'string') return redactValue(x.length > 500 ? `${x.slice(0, 500)}…` : x);
    if (x === null || typeof x !== 'object') return x;
    if (depth > 6) return '[…]';
    if (Array.isArray(x)) return x.slice(0, 50).map((i) => walk(i, depth + 1));
    return Object.fromEntries(Object.entries(x).map(([k, val]) => [k, SECRET_KEY.test(k) ? '[redacted]' : walk(val, depth + 1)]));
  };
  const out = walk(v, 0);
  const text = JSON.stringify(out);
  if (text === undefined) return null;
  return text.length <= SUMMARY_MAX ? out : { truncated: true, bytes: text.length, preview: text.slice(0, SUMMARY_MAX - 100) };
}

interface RouteMatch {
  re: RegExp;
  method: string;
  operationId: string;
  feature: string;
  params: string[];
}

/** Every declared route as a matcher: `/api/templates/{id}` -> its operationId, feature and path params. */
function routeTable(): RouteMatch[] {
  const out: RouteMatch[] = [];
  for (const [feature, decls] of Object.entries(routes as Record<string, Record<string, { method: string; path: string; operationId?: string }>>)) {
    for (const [key, d] of Object.entries(decls)) {
      const params: string[] = [];
      const re = new RegExp(`^${d.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, p: string) => (params.push(p), '([^/]+)'))}$`);
      // What the target is: the literal segment before the last param (`/api/workspaces/{id}/members/{userId}` ->
      // members), or the last literal one (`/api/keys` -> keys, for an id in the answer).
      const segments = d.path.split('/').filter(Boolean);
      const lastParam = segments.map((x) => x.startsWith('{')).lastIndexOf(true);
      const kind = (lastParam > 0 ? segments[lastParam - 1] : segments.filter((x) => !x.startsWith('{')).at(-1)) ?? feature;
      out.push({ re, method: d.method.toUpperCase(), operationId: d.operationId ?? `${feature}.${key}`, feature: kind, params });
    }
  }
  // Literal paths before patterns: `/api/audit/checkpoints` must not be read as `/api/audit/{id}`.
  return out.sort((a, b) => a.params.length - b.params.length);
}

const toAuditActor = (a: Actor): AuditActor => ({ kind: a.kind, id: a.id, name: a.name });

export interface RecordDeps {
  append(workspaceId: string, draft: AuditDraft, source: 'http' | 'event'): Promise<boolean>;
  /** Where unauthenticated writes that name no workspace (a password-reset request) are recorded. */
  defaultWorkspaceId?: () => string | undefined;
}

/**
 * The HTTP recorder (after authentication): one entry for every 2xx non-GET /api/* request, action = the route's
 * operationId, target = the last path param (or the created `id` in the answer), after = the body summarised. An
 * append failure is logged and counted, and the request's answer stands: its change is already committed.
 */
export function auditMiddleware(deps: RecordDeps): MiddlewareHandler {
  const table = routeTable();
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return next();
    let body: unknown = null;
    const type = c.req.header('content-type') ?? '';
    if (type.includes('json')) {
      try {
        // Hono's cached text: the NUL scan in platform/http/app.ts has read the stream already, the route reads the cache.
        body = JSON.parse(await c.req.text()) as unknown;
      } catch {
        body = null;
      }
    } else if (c.req.header('content-length') && c.req.header('content-length') !== '0') body = { contentType: type || null, bytes: Number(c.req.header('content-length')) };
    await next();
    if (c.res.status < 200 || c.res.status >= 300) return;
    const path = c.req.path;
    let m: RegExpExecArray | null = null;
    const route = table.find((r) => r.method === method && (m = r.re.exec(path)) !== null);
    const action = route?.operationId ?? `${method} ${path}`;
    const auth = (c.get as (k: string) => unknown)('auth') as { workspaceId: string; actor?: Actor } | undefined;
    let answer: Record<string, unknown> | null = null;
    if ((c.res.headers.get('content-type') ?? '').includes('application/json')) {
      try {
        answer = (await c.res.clone().json()) as Record<string, unknown>;
      } catch {
        answer = null;
      }
    }
    let target: AuditTarget | null = null;
    const matched = m as RegExpExecArray | null;
    if (route && matched && route.params.length) {
      // A path that carries a secret (`/api/invites/{token}`) never puts it in the trail.
      const secret = SECRET_KEY.test(route.params[route.params.length - 1]);
      target = { kind: route.feature, id: secret ? '[redacted]' : decodeURIComponent(matched[route.params.length]) };
    }
    else if (route && typeof answer?.id === 'string') target = { kind: route.feature, id: answer.id };
    let workspaceId = auth?.workspaceId;
    let actor: AuditActor = auth?.actor ? toAuditActor(auth.actor) : toAuditActor(currentActor());
    if (!auth) {
      // Sign-up, sign-in, password reset: the answer names the workspace and person when there is one.
      const ws = answer?.workspace as { id?: string } | undefined;
      const person = answer?.person as { id?: string; name?: string; email?: string } | undefined;
      // A public request whose answer names no person (a password-reset request answers {ok} for any address) is
      // not recorded: otherwise anyone could write into the default workspace's trail without an account.
      if (!person?.id) return;
      workspaceId = ws?.id ?? deps.defaultWorkspaceId?.();
      actor = { kind: 'person', id: person.id, name: person.name || person.email || person.id };
      if (person?.id && !target) target = { kind: 'people', id: person.id };
    }
    // A deleted workspace's chain goes with it (members.store deleteWorkspace): its deletion is recorded in the
    // default workspace's chain, which outlives every other.
    if (action === 'workspacesDelete' && target) workspaceId = deps.defaultWorkspaceId?.();
    if (!workspaceId) return;
    const requestId = ((c.get as (k: string) => unknown)('requestId') as string | undefined) ?? null;
    // After: the state the answer shows (the created or updated resource), else what was sent. Before, for a change
    // to an existing resource: what the trail last recorded of it (audit.store, under the head lock).
    const after = summarize(answer && typeof answer === 'object' && !Array.isArray(answer) ? answer : body);
    const beforeFromTrail = !!target && (method === 'PUT' || method === 'PATCH' || method === 'DELETE');
    await deps.append(workspaceId, { actor, action, target, before: null, after, requestId, beforeFromTrail }, 'http');
  };
}

/** The payload fields that name what an automated change was about, most specific first. */
const TARGET_KEYS: ReadonlyArray<[string, string]> = [['sessionId', 'sessions'], ['scheduleId', 'schedules'], ['batchId', 'batches'], ['templateId', 'templates'], ['endpointId', 'hooks'], ['pullId', 'pulls']];

const AUTOMATED: ReadonlySet<Actor['kind']> = new Set(['keeper', 'schedule', 'webhook', 'automation']);

/**
 * The bus as the features see it: an event published while the keeper, a schedule, a webhook or an automation acts
 * appends an entry (action = the event type, target from the payload's sessionId or id). Recorded where it is
 * published (never in a subscriber: with the Redis bus every instance receives every event); events published
 * inside a request are covered by the request's own entry.
 */
export function auditedBus(bus: EventBus, deps: Pick<RecordDeps, 'append'>): EventBus {
  // A pass-through: the types are the callers' own (event-catalog.test.ts checks them at each publish call site).
  const forward = bus.publish.bind(bus);
  const publish: EventBus['publish'] = async (type, workspaceId, data) => {
    const ev = await forward(type, workspaceId, data);
    const actor = currentActor();
    if (workspaceId && AUTOMATED.has(actor.kind)) {
      const d = (data ?? {}) as Record<string, unknown>;
      const named = TARGET_KEYS.find(([k]) => typeof d[k] === 'string');
      const target = named ? { kind: named[1], id: d[named[0]] as string } : typeof d.id === 'string' ? { kind: type.split('.')[0], id: d.id } : null;
      await deps.append(workspaceId, { actor: toAuditActor(actor), action: type, target, before: null, after: summarize(data), requestId: null }, 'event');
    }
    return ev;
  };
  return { kind: bus.kind, publish, subscribe: (h) => bus.subscribe(h), replaySince: (id) => bus.replaySince(id), close: () => bus.close() };
}
