import { AppEvent, routes } from '@autopilot/contracts';
import { ApiError, errorFromResponse } from './errors';
import { createSseParser } from './sse';
import type { Transport } from './http';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface SubscribeOptions {
  /**
   * Every event of the workspace, parsed with the contract's event catalog (`AppEvent`, a union discriminated on
   * `type`): switch on `e.type` and `e.data` is that type's payload. An event this client does not know (a newer
   * type or version, a payload that does not match) is skipped and the stream goes on.
   */
  onEvent: (event: AppEvent) => void;
  /** connecting -> connected -> reconnecting -> connected ... -> closed. */
  onState?: (state: ConnectionState, info: { attempt: number; error?: ApiError }) => void;
  /**
   * The server could not replay everything missed (Last-Event-ID older than its buffer) or this is a reconnect
   * after a gap: anything cached from before may be stale, so refetch.
   */
  onReset?: () => void;
  /** Resume after this event id (e.g. one persisted from an earlier page load). */
  lastEventId?: string;
  /** Reconnect delays: min * 2^attempt, capped at max, with jitter. */
  backoff?: { minMs?: number; maxMs?: number };
  /** Reconnect when nothing (not even a heartbeat) arrives for this long; the server beats every 15 s. */
  idleTimeoutMs?: number;
  /** Injected for tests; defaults to setTimeout with jitter. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface Subscription {
  close(): void;
  readonly lastEventId: string | undefined;
}

const defaultSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * Follows `GET /api/events` until closed: reads the stream with fetch (a bearer key in a header, or the dashboard's
 * session cookie with `credentials: 'same-origin'`), parses
 * SSE, and reconnects with exponential backoff sending Last-Event-ID so no event is lost across drops. A 401/403
 * stops it for good (the key is wrong; retrying would not help).
 */
export function subscribeEvents(t: Transport, opts: SubscribeOptions): Subscription {
  const stop = new AbortController();
  const minMs = opts.backoff?.minMs ?? 500;
  const maxMs = opts.backoff?.maxMs ?? 15_000;
  const idleMs = opts.idleTimeoutMs ?? 45_000;
  const sleep = opts.sleep ?? defaultSleep;
  let lastEventId = opts.lastEventId;
  let state: ConnectionState | undefined;
  const setState = (s: ConnectionState, attempt: number, error?: ApiError) => {
    if (s === state && !error) return;
    state = s;
    opts.onState?.(s, { attempt, ...(error ? { error } : {}) });
  };

  async function connectOnce(attempt: number): Promise<'retry' | 'fatal'> {
    const conn = new AbortController();
    const abortConn = () => conn.abort();
    stop.signal.addEventListener('abort', abortConn, { once: true });
    let idle: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => conn.abort(), idleMs);
    };
    try {
      const res = await t.send(routes.events.stream.path, {
        method: 'GET',
        headers: t.headers({ accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }),
        signal: conn.signal,
      });
      if (!res.ok) {
        const err = await errorFromResponse(res);
        setState(stop.signal.aborted ? 'closed' : 'reconnecting', attempt, err);
        return res.status === 401 || res.status === 403 ? 'fatal' : 'retry';
      }
      if (!res.body) throw new ApiError(res.status, 'invalid_response', 'The event stream has no body');
      touch();
      const parser = createSseParser((m) => {
        if (m.event === 'hello') return setState('connected', attempt);
        if (m.event === 'reset') return opts.onReset?.();
        let parsed: ReturnType<typeof AppEvent.safeParse>;
        try {
          parsed = AppEvent.safeParse(JSON.parse(m.data));
        } catch {
          return;
        }
        if (!parsed.success) return; // an event this client version does not know: skip it, keep the stream
        if (m.id) lastEventId = m.id;
        opts.onEvent(parsed.data);
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        touch();
        parser.push(value);
      }
      return 'retry';
    } catch (err) {
      if (!stop.signal.aborted) setState('reconnecting', attempt, err instanceof ApiError ? err : new ApiError(0, 'network_error', String((err as Error)?.message ?? err)));
      return 'retry';
    } finally {
      clearTimeout(idle);
      stop.signal.removeEventListener('abort', abortConn);
      conn.abort();
    }
  }

  void (async () => {
    let attempt = 0;
    setState('connecting', 0);
    while (!stop.signal.aborted) {
      const outcome = await connectOnce(attempt);
      if (stop.signal.aborted || outcome === 'fatal') break;
      if (state === 'connected') attempt = 0; // it worked for a while: start the backoff over
      setState('reconnecting', attempt);
      const delay = Math.min(maxMs, minMs * 2 ** attempt);
      await sleep(delay / 2 + Math.random() * (delay / 2), stop.signal);
      attempt++;
    }
    setState('closed', attempt);
  })();

  return {
    close: () => stop.abort(),
    get lastEventId() {
      return lastEventId;
    },
  };
}
