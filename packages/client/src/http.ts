import { ApiError, errorFromResponse } from './errors';

/**
 * What the client needs from a schema: zod's safeParse. Typed structurally so the client depends on the contracts
 * package only, not on a zod version of its own.
 */
export interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** Origin of the orchestrator, e.g. `http://127.0.0.1:8080`; '' for the same origin (the dashboard). */
  baseUrl: string;
  /**
   * A workspace API key (sent as a bearer header); a function lets a UI swap keys without rebuilding the client.
   * Omitted in the dashboard, which relies on its HttpOnly session cookie instead.
   */
  apiKey?: string | (() => string | null | undefined);
  /**
   * Cookie sessions: the CSRF token echoed in X-CSRF-Token on every write (the dashboard reads it from the
   * `autopilot_csrf` cookie). Requests then go with `credentials: 'same-origin'`.
   */
  csrfToken?: () => string | null | undefined;
  /** A custom fetch (tests pass `app.request` adapters; defaults to the global fetch). */
  fetch?: FetchLike;
}

export type Query = Record<string, string | number | boolean | undefined | null | readonly string[]>;

export interface RequestSpec<T> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
  /** The contract schema the response body is parsed with: the same zod source the server validates against. */
  schema: Schema<T>;
  signal?: AbortSignal;
}

/** Appends query parameters, skipping empty values and repeating array values (`state=a&state=b`). */
export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, item);
    else params.append(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** The transport shared by every typed method: auth header, JSON in and out, errors as ApiError. */
export function createTransport(opts: ClientOptions) {
  const doFetch: FetchLike = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const base = opts.baseUrl.replace(/\/+$/, '');
  const key = () => (typeof opts.apiKey === 'function' ? opts.apiKey() : opts.apiKey);

  function headers(extra?: Record<string, string>): Record<string, string> {
    const k = key();
    return { accept: 'application/json', ...(k ? { authorization: `Bearer ${k}` } : {}), ...extra };
  }

  async function send(path: string, init: RequestInit): Promise<Response> {
    const method = (init.method ?? 'GET').toUpperCase();
    const csrf = opts.csrfToken && method !== 'GET' && method !== 'HEAD' ? opts.csrfToken() : undefined;
    if (csrf) init = { ...init, headers: { ...(init.headers as Record<string, string>), 'x-csrf-token': csrf } };
    if (opts.csrfToken) init = { ...init, credentials: 'same-origin' };
    try {
      return await doFetch(base + path, init);
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw err;
      throw new ApiError(0, 'network_error', `Cannot reach the orchestrator: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  async function request<T>(spec: RequestSpec<T>): Promise<T> {
    const hasBody = spec.body !== undefined;
    const res = await send(withQuery(spec.path, spec.query), {
      method: spec.method,
      headers: headers(hasBody ? { 'content-type': 'application/json' } : undefined),
      body: hasBody ? JSON.stringify(spec.body) : undefined,
      signal: spec.signal,
    });
    if (!res.ok) throw await errorFromResponse(res);
    const json: unknown = res.status === 204 ? undefined : await res.json().catch(() => undefined);
    const parsed = spec.schema.safeParse(json);
    if (!parsed.success) {
      // The server and this client disagree about the contract: say where, so the mismatch is found quickly.
      const issues = parsed.error.issues.slice(0, 5).map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
      throw new ApiError(res.status, 'invalid_response', `Unexpected response from ${spec.method} ${spec.path}`, { issues });
    }
    return parsed.data;
  }

  return { request, send, headers, base };
}

export type Transport = ReturnType<typeof createTransport>;
