import { successOf, type RouteBody, type RouteDeclaration, type RouteParams, type RouteQuery, type RouteResult } from '@autopilot/contracts';
import type { Query, Transport } from './http';

/** What one call of a declared route takes: its path params and JSON body when it has them, a query, a signal. */
export type CallInput<R> = ([RouteParams<R>] extends [never] ? { params?: never } : { params: RouteParams<R> }) &
  ([RouteBody<R>] extends [never] ? { body?: never } : { body: RouteBody<R> }) & {
    /** Only the parameters the route declares; values as they go on the URL. */
    query?: [RouteQuery<R>] extends [never] ? never : { [K in keyof RouteQuery<R>]?: Query[string] };
    signal?: AbortSignal;
  };

/** Calls one declared route: fills its `{param}`s, sends query and body, parses the answer with its success schema. */
export type Call<R> = (input: CallInput<R>) => Promise<RouteResult<R>>;

/** A client method, carrying the declaration it calls (tests check every declared route has one). */
export type Endpoint<R, F> = F & { readonly route: R };

/** `/api/sessions/{id}/keeper` with `{ id: 'a/b' }` -> `/api/sessions/a%2Fb/keeper`. */
export function fillPath(path: string, params: Record<string, string> | undefined): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = params?.[name];
    if (v === undefined) throw new TypeError(`${path}: missing path parameter ${name}`);
    return encodeURIComponent(v);
  });
}

/** The generic typed caller: every client method is `endpoint(routes.<feature>.<name>, (call) => method)`. */
export function endpoints(t: Transport) {
  function call<R extends RouteDeclaration>(route: R, input: CallInput<R>): Promise<RouteResult<R>> {
    const { schema } = successOf(route);
    const { params, body, query, signal } = input as { params?: Record<string, string>; body?: unknown; query?: Query; signal?: AbortSignal };
    return t.request({
      method: route.method.toUpperCase() as 'GET',
      path: fillPath(route.path, params),
      query,
      body,
      // An empty (204) answer parses as undefined.
      schema: schema ?? { safeParse: (v: unknown) => ({ success: true as const, data: v }) },
      signal,
    }) as Promise<RouteResult<R>>;
  }
  return function endpoint<R extends RouteDeclaration, F>(route: R, make: (call: Call<R>) => F): Endpoint<R, F> {
    return Object.assign(make((input) => call(route, input)) as object, { route }) as Endpoint<R, F>;
  };
}
