/**
 * The one error of the outbound module. Its message is the same whatever happened (refused by the guard,
 * connection refused, DNS failure, timeout, reset), so that a user who controls a URL cannot tell an open port
 * from a closed one or a private address from a missing name. `reason` says what really happened, for debug logs
 * only: never put it into an API response or a stored `lastError`.
 */
export class OutboundUnreachable extends Error {
  static readonly MESSAGE = 'upstream unreachable';
  constructor(
    /** What happened, for logs: `refused:loopback`, `dns`, `connect`, `redirect` ... */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(OutboundUnreachable.MESSAGE, options);
    this.name = 'OutboundUnreachable';
  }
  /** True when the address guard (not the network) stopped the request. */
  get refused(): boolean {
    return this.reason.startsWith('refused:');
  }
}

/** Thrown by `check(url)` at creation time: the URL is already known bad (private, local, unresolvable, not http). */
export class OutboundUrlRejected extends Error {
  constructor(readonly reason: string) {
    super('URL is not reachable from this server or points to a private, loopback or link-local address');
    this.name = 'OutboundUrlRejected';
  }
}

/** Finds an OutboundUnreachable in an error or its `cause` chain (fetch wraps connector errors in TypeError). */
export function findOutboundError(err: unknown): OutboundUnreachable | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof OutboundUnreachable) return e;
  }
  return undefined;
}
