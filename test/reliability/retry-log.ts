import type { LogEntry } from '@autopilot/jules-sim';

/** One answer that told the client to come back later, and the next request of the same kind that followed it. */
export interface RetryGap {
  refusal: LogEntry;
  retry: LogEntry;
  /** Milliseconds between the two arrivals, both stamped by the simulator's own clock. */
  gapMs: number;
}

const sameRequest = (a: LogEntry, b: LogEntry) => a.method === b.method && a.route === b.route && a.sessionId === b.sessionId;
const ms = (e: LogEntry) => Date.parse(e.at);

/**
 * Pairs every refusal (`statuses`, default 429 and 503) in the simulator's request log with the next request of the
 * same method, operation and session: the retry. The log is ordered by arrival first, because the simulator records
 * an entry when it answers and a slow answer is recorded after later arrivals.
 */
export function retriesAfterRefusals(log: readonly LogEntry[], statuses: readonly number[] = [429, 503]): RetryGap[] {
  const byArrival = [...log].sort((a, b) => ms(a) - ms(b));
  const out: RetryGap[] = [];
  byArrival.forEach((refusal, i) => {
    if (!statuses.includes(refusal.status)) return;
    for (let j = i + 1; j < byArrival.length; j++) {
      const retry = byArrival[j]!;
      if (!sameRequest(retry, refusal)) continue;
      out.push({ refusal, retry, gapMs: ms(retry) - ms(refusal) });
      break;
    }
  });
  return out;
}

/** The retries that came back before `minMs` had passed, described for an assertion message. */
export function earlyRetries(gaps: readonly RetryGap[], minMs: (g: RetryGap) => number): string[] {
  return gaps
    .filter((g) => g.gapMs < minMs(g))
    .map((g) => `${g.refusal.method} ${g.refusal.route} ${g.refusal.sessionId ?? ''}: ${g.refusal.status} at ${g.refusal.at}, again at ${g.retry.at} (${g.gapMs} ms, needed ${minMs(g)} ms)`);
}

/** `host:port` of a URL: the exact AUTOPILOT_OUTBOUND_ALLOW entry for a local simulator or fake. */
export const allowEntry = (url: string): string => new URL(url).host;
