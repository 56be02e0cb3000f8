import { Agent, buildConnector, type Dispatcher } from 'undici';
import type { Logger } from '../logger';
import { parseIpLiteral } from './address';
import { parseAllowList, type AllowEntry } from './allow';
import { OutboundUnreachable, OutboundUrlRejected, findOutboundError } from './errors';
import { pickTarget, portOf, type GuardOptions, type Resolver } from './guard';

export interface OutboundOptions {
  /** Destinations that may be reached although private (AUTOPILOT_OUTBOUND_ALLOW), parsed or as text. */
  allow?: readonly AllowEntry[] | readonly string[] | string;
  log?: Logger;
  /** Name resolution (default: the system resolver); tests inject one that answers loopback for a public name. */
  resolve?: Resolver;
  /** TCP/TLS connect timeout (default 10 s). */
  connectTimeoutMs?: number;
}

/** A guarded way out: a WHATWG fetch bound to the dispatcher, the dispatcher itself, and a creation-time check. */
export interface OutboundClient {
  fetch: typeof globalThis.fetch;
  dispatcher: Dispatcher;
  /** Throws OutboundUrlRejected when the URL is already known bad: not http(s), credentials in it, a private or local address, no DNS answer. */
  check(url: string | URL): Promise<void>;
}

export interface Outbound extends OutboundClient {
  /** For URLs the operator set in the environment (JULES_API_BASE_URL, OPENAI_BASE_URL, the demo simulator): no address check, still no redirects. */
  trusted: OutboundClient;
  close(): Promise<void>;
}

function connector(guard: GuardOptions, timeoutMs: number): buildConnector.connector {
  const base = buildConnector({ timeout: timeoutMs });
  return (opts, callback) => {
    const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
    // Resolved and checked here, at connect time, for every new connection: a name that changes its answer
    // after the creation-time check (DNS rebinding) meets the same check again. We then dial the checked address
    // ourselves; TLS still verifies the certificate against the name (undici derives SNI from `host`).
    pickTarget(opts.hostname, port, guard).then(
      (t) => base({ ...opts, hostname: t.address }, callback),
      (err: unknown) => callback(err as Error, null),
    );
  };
}

function boundFetch(dispatcher: Dispatcher, log: Logger | undefined): typeof globalThis.fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    let res: Response;
    try {
      // Redirects are never followed: a 3xx could send the credential headers to a place nobody checked.
      res = await fetch(input, { ...init, redirect: 'manual', dispatcher } as RequestInit);
    } catch (err) {
      if (init?.signal?.aborted || (input instanceof Request && input.signal.aborted)) throw err;
      const found = findOutboundError(err);
      // fetch wraps the socket error (TypeError 'fetch failed' -> cause); its code or message is what happened.
      const deep = (err as { cause?: { code?: string; message?: string; cause?: { code?: string; message?: string } } })?.cause;
      const what = deep?.code ?? deep?.cause?.code ?? deep?.cause?.message ?? deep?.message ?? 'error';
      log?.debug({ url: safeUrl(url), reason: found?.reason ?? what }, 'outbound request failed');
      throw found ?? new OutboundUnreachable(`connect:${what}`, { cause: err });
    }
    if (res.status >= 300 && res.status < 400 && res.status !== 304) {
      await res.body?.cancel().catch(() => {});
      log?.debug({ url: safeUrl(url), status: res.status }, 'outbound request answered a redirect; not followed');
      throw new OutboundUnreachable(`redirect:${res.status}`);
    }
    return res;
  };
}

/** The URL without query and credentials, for logs. */
const safeUrl = (raw: string) => {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(unparseable)';
  }
};

/**
 * Builds the one way out for requests to URLs users supplied (Jules accounts, LLM providers, later webhooks,
 * plugins, MCP). Every connection is checked at connect time (see guard.ts); redirects are reported as
 * OutboundUnreachable, never followed; every network failure is the same OutboundUnreachable.
 */
export function createOutbound(opts: OutboundOptions = {}): Outbound {
  const allow = typeof opts.allow === 'string' || (Array.isArray(opts.allow) && typeof opts.allow[0] === 'string') ? parseAllowList(opts.allow as string | string[]) : ((opts.allow ?? []) as AllowEntry[]);
  const timeout = opts.connectTimeoutMs ?? 10_000;
  const guarded: GuardOptions = { allow, resolve: opts.resolve };
  const trustedGuard: GuardOptions = { allow, resolve: opts.resolve, trusted: true };
  const agent = new Agent({ connect: connector(guarded, timeout) });
  const trustedAgent = new Agent({ connect: connector(trustedGuard, timeout) });

  const checker = (guard: GuardOptions) => async (raw: string | URL) => {
    let url: URL;
    try {
      url = new URL(String(raw));
    } catch {
      throw new OutboundUrlRejected('unparseable');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundUrlRejected('scheme');
    if (url.username || url.password) throw new OutboundUrlRejected('credentials-in-url');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    try {
      await pickTarget(parseIpLiteral(host) ? host : url.hostname, portOf(url), guard);
    } catch (err) {
      throw new OutboundUrlRejected(err instanceof OutboundUnreachable ? err.reason : 'error');
    }
  };

  return {
    fetch: boundFetch(agent, opts.log),
    dispatcher: agent,
    check: checker(guarded),
    trusted: { fetch: boundFetch(trustedAgent, opts.log), dispatcher: trustedAgent, check: checker(trustedGuard) },
    async close() {
      await Promise.all([agent.close(), trustedAgent.close()]);
    },
  };
}
