import * as core from '@actions/core';
import type { WaitMode } from './inputs';
import { RemoteError, type Backend, type SessionView } from './session';

/** The wait ended without reaching its goal: the session failed, finished without a PR, or time ran out. */
export class WaitError extends Error {
  override readonly name = 'WaitError';
  constructor(message: string, readonly last?: SessionView) {
    super(message);
  }
}

const BEFORE_PLAN = new Set(['STATE_UNSPECIFIED', 'QUEUED', 'PLANNING']);

/** Whether `s` satisfies the wait: true, false (keep polling), or the reason it never will. */
export function reached(wait: WaitMode, s: SessionView): boolean | string {
  if (wait === 'none') return true;
  if (s.state === 'FAILED') return `the session failed (state FAILED)${s.sessionUrl ? `: ${s.sessionUrl}` : ''}`;
  if (wait === 'for-plan') return !BEFORE_PLAN.has(s.state);
  if (wait === 'for-pr') {
    if (s.prUrl) return true;
    return s.state === 'COMPLETED' ? 'the session completed without opening a pull request' : false;
  }
  return s.state === 'COMPLETED';
}

export interface WaitOptions {
  wait: WaitMode;
  timeoutMs: number;
  pollMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls with backoff: the interval starts at pollMs, grows 1.5x while nothing changes (to 8x pollMs, at most a
 * minute) and drops back when the state moves. Network trouble, 429 and 5xx are retried (honouring Retry-After)
 * until the deadline; any other error ends the wait at once.
 */
export function poller(o: WaitOptions) {
  const sleep = o.sleep ?? defaultSleep;
  const now = o.now ?? Date.now;
  const deadline = now() + o.timeoutMs;
  const max = Math.max(o.pollMs, Math.min(60_000, o.pollMs * 8));
  let interval = o.pollMs;
  let failures = 0;

  async function next<T>(what: string, read: () => Promise<T>, changed: (v: T) => boolean): Promise<T | undefined> {
    const left = deadline - now();
    if (left <= 0) return undefined;
    await sleep(Math.min(interval, left));
    try {
      const v = await read();
      failures = 0;
      interval = changed(v) ? o.pollMs : Math.min(max, Math.round(interval * 1.5));
      return v;
    } catch (err) {
      if (!(err instanceof RemoteError) || !err.transient) throw err;
      failures += 1;
      core.warning(`${err.message}; trying again (${failures} failed reads of ${what} in a row)`);
      // Double (to twice the cap), but never sooner than the server asked: the deadline still bounds the sleep.
      interval = Math.max(Math.min(max * 2, interval * 2), err.retryAfterMs ?? 0);
      return next(what, read, changed);
    }
  }
  return { next, deadline, timedOut: () => now() >= deadline };
}

const minutes = (ms: number) => `${Math.round(ms / 6000) / 10} minutes`;

/** Follows a create waiting in the orchestrator's dispatcher until it is a session. */
export async function waitForDispatch(b: Backend, dispatchId: string, o: WaitOptions): Promise<string> {
  const p = poller(o);
  let last = '';
  for (;;) {
    const q = await p.next(`dispatch ${dispatchId}`, () => b.queued!(dispatchId), (v) => v.text !== last);
    if (!q) throw new WaitError(`timed out after ${minutes(o.timeoutMs)}: the create is still waiting in the orchestrator's dispatcher (${last})`);
    if (q.sessionId) return q.sessionId;
    if (q.failed) throw new WaitError(`the orchestrator's dispatcher did not create the session: ${q.failed}`);
    if (q.text !== last) core.info(`Dispatch ${dispatchId}: ${q.text}`);
    last = q.text;
  }
}

/** Polls the session until the wait is satisfied; throws WaitError (carrying the last view) when it never will be. */
export async function waitForSession(b: Backend, first: SessionView, o: WaitOptions): Promise<SessionView> {
  let s = first;
  const warned = new Set<string>();
  const p = poller(o);
  for (;;) {
    const r = reached(o.wait, s);
    if (r === true) return s;
    if (typeof r === 'string') throw new WaitError(r, s);
    if (!warned.has(s.state) && (s.state === 'AWAITING_PLAN_APPROVAL' || s.state === 'AWAITING_USER_FEEDBACK')) {
      warned.add(s.state);
      const what = s.state === 'AWAITING_PLAN_APPROVAL' ? 'its plan to be approved' : 'an answer to its question';
      core.warning(`Session ${s.id} is waiting for ${what}${s.dashboardUrl ? ` (${s.dashboardUrl})` : s.sessionUrl ? ` (${s.sessionUrl})` : ''}; the action keeps waiting until timeout-minutes.`);
    }
    const prev = s;
    const got = await p.next(`session ${s.id}`, () => b.get(first.id), (v) => v.state !== prev.state || v.prUrl !== prev.prUrl);
    if (!got) throw new WaitError(`timed out after ${minutes(o.timeoutMs)} waiting ${o.wait === 'done' ? 'for the session to finish' : o.wait === 'for-pr' ? 'for a pull request' : 'for a plan'}; the session is ${s.state}`, s);
    if (got.state !== s.state) core.info(`Session ${got.id}: ${s.state} -> ${got.state}`);
    s = got;
  }
}
