import { randomUUID } from 'node:crypto';
import type { CreateSessionBody } from '@autopilot/contracts';
import { iso, type Clock } from '../../platform/clock';
import { createLease } from '../../platform/db/leases';
import { runAs, SYSTEM_ACTOR, type Actor, type ActorKind } from '../../platform/actor';
import type { Logger } from '../../platform/logger';
import type { SendError, SendOutcome, SessionsDispatchPort } from '../sessions';
import { capacity, forecast, limitsOf, typicalRunMs } from './dispatch.plan';
import type { DispatchStore, IntentRow, IntentUpdate } from './dispatch.store';

/** Sends of one intent before it is failed (retryable failures: "Could not get source", 503, lost answers). */
export const MAX_ATTEMPTS = 8;
/** A 429 is waited out, not counted as a failure, up to this many sends in all. */
const MAX_SENDS = 30;
/** The actor an intent was created by (its `actor` ref and name); the system actor for rows from before attribution. */
export function actorOfIntent(r: Pick<IntentRow, 'actor' | 'actor_name'>): Actor {
  const ref = r.actor ?? null;
  const at = ref ? ref.indexOf(':') : -1;
  if (!ref || at <= 0) return SYSTEM_ACTOR;
  return { kind: ref.slice(0, at) as ActorKind, id: ref.slice(at + 1), name: r.actor_name ?? ref.slice(at + 1) };
}

/** Sessions Jules created up to this long before we recorded the send still match it (clock skew). */
const SKEW_MS = 60_000;

export interface PumpDeps {
  store: DispatchStore;
  port: SessionsDispatchPort;
  clock: Clock;
  log: Logger;
  instanceId: string;
  /** The per-account lease: one sender per account across instances. A dead sender's lease runs out after this. */
  leaseMs: number;
  /** A send is aborted after this (less than the lease, so a takeover never meets a send still running). */
  sendTimeoutMs: number;
  /** A send whose sender vanished is looked for on Jules only after this long (Jules may still be creating it). */
  reconcileAfterMs: number;
  /** Called after every stored change of an intent. */
  changed(row: IntentRow): Promise<void>;
  /** Wakes the account's pump again at `atMs` (a retry time, a rate limit's end, a daily slot). */
  wakeAt(accountId: string, workspaceId: string, atMs: number): Promise<void>;
  random?: () => number;
}

/** Exponential backoff with jitter: ~1 s, 2 s, 4 s ... up to a minute. */
export const backoffMs = (attempt: number, random: () => number) => Math.round(Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1)) * (0.5 + random() / 2));

const errorText = (e: SendError) => JSON.stringify(e);
/** A person is waiting on POST /api/sessions for these: what cannot be sent now is answered, not retried for long. */
const interactive = (r: IntentRow) => r.origin_kind === 'api';

export function requestOf(r: IntentRow): Omit<CreateSessionBody, 'accountId'> & { source?: string } {
  const q = JSON.parse(r.request) as { prompt: string; title: string | null; source: string | null; startingBranch: string | null; requirePlanApproval: boolean; autoCreatePr: boolean };
  return {
    prompt: q.prompt,
    ...(q.title ? { title: q.title } : {}),
    ...(q.source ? { source: q.source } : {}),
    ...(q.startingBranch ? { startingBranch: q.startingBranch } : {}),
    ...(q.requirePlanApproval ? { requirePlanApproval: true } : {}),
    ...(q.autoCreatePr ? { autoCreatePr: true } : {}),
  };
}

/**
 * The sender of each account: holds the account's lease, settles sends a vanished sender left behind (looked for in
 * the account's sessions before anything is sent again), then sends what the limits allow, in line order, at most
 * `inFlight` at once, until nothing more can go; then it says when to wake it again.
 */
export function createPump(deps: PumpDeps) {
  const { store, port, clock, log } = deps;
  const random = deps.random ?? Math.random;
  /** Accounts being pumped on this instance, and whether something happened meanwhile (loop once more). */
  const running = new Map<string, { dirty: boolean; workspaceId: string }>();
  /** The in-flight cap after "Could not get source": halved on each, one more after each success (AIMD). */
  const cap = new Map<string, number>();

  async function move(r: IntentRow, from: readonly string[], fields: IntentUpdate, claim?: string): Promise<boolean> {
    const ok = await store.transition(r.id, from, { ...fields, updated_at: iso(clock) }, claim);
    if (ok) {
      const now = await store.getAny(r.id);
      if (now) await deps.changed(now);
    }
    return ok;
  }

  const isLinked = (accountId: string) => (ids: string[]) => store.linkedJulesIds(accountId, ids);

  async function lookFor(r: IntentRow): Promise<{ sessionId: string; julesId: string } | null> {
    const q = requestOf(r);
    try {
      const s = await port.findCreated(r.workspace_id, r.account_id, { prompt: q.prompt, source: q.source ?? null, sinceMs: (r.dispatched_at ?? 0) - SKEW_MS, requirePlanApproval: q.requirePlanApproval, autoCreatePr: q.autoCreatePr }, isLinked(r.account_id));
      return s ? { sessionId: s.id, julesId: s.julesId } : null;
    } catch (err) {
      log.warn({ intent: r.id, err: (err as Error).message }, 'could not read the account\'s sessions to settle a create');
      throw err;
    }
  }

  /** A send whose sender is gone: created after all (linked), or sent again (queued with backoff). */
  async function settleStale(r: IntentRow): Promise<void> {
    const now = clock.now();
    if ((r.dispatched_at ?? 0) + deps.reconcileAfterMs > now) return;
    let found: { sessionId: string; julesId: string } | null;
    try {
      found = await lookFor(r);
    } catch {
      return; // Jules cannot be read: keep it dispatching (it holds its slot) and try at the next pump.
    }
    if (found) {
      await move(r, ['dispatching'], { state: 'created', session_id: found.sessionId, jules_id: found.julesId, claim: null, error: null, waiting_for: null }, r.claim ?? undefined);
      log.info({ intent: r.id, session: found.sessionId }, 'a create interrupted earlier had reached Jules: linked, not sent again');
      return;
    }
    const error: SendError = { code: 'upstream_unavailable', message: 'The create was interrupted before Jules answered and Jules has no such session: it is sent again' };
    if (interactive(r) || r.attempts >= MAX_ATTEMPTS) {
      await move(r, ['dispatching'], { state: 'failed', claim: null, error: errorText(error), waiting_for: null }, r.claim ?? undefined);
      return;
    }
    await move(r, ['dispatching'], { state: 'queued', claim: null, error: errorText(error), waiting_for: 'retry', next_attempt_at: now + backoffMs(r.attempts, random) }, r.claim ?? undefined);
  }

  async function record(r: IntentRow, token: string, out: SendOutcome): Promise<void> {
    const now = clock.now();
    const limit = limitsOf(await store.limits(r.account_id)).inFlight;
    if (out.kind === 'created') {
      cap.set(r.account_id, Math.min(limit, (cap.get(r.account_id) ?? limit) + 1));
      // From dispatching (ours) or queued (a reconcile requeued it meanwhile): the session exists, so it is created.
      await move(r, ['dispatching', 'queued'], { state: 'created', session_id: out.session.id, jules_id: out.session.julesId, claim: null, error: null, waiting_for: null, next_attempt_at: null });
      return;
    }
    const fail = () => move(r, ['dispatching'], { state: 'failed', claim: null, error: errorText(out.error), waiting_for: null, next_attempt_at: null }, token);
    const again = (afterMs: number, waitingFor: string) =>
      move(r, ['dispatching'], { state: 'queued', claim: null, error: errorText(out.error), waiting_for: waitingFor, next_attempt_at: Math.round(now + afterMs) }, token);
    if (out.kind === 'refused') return void (await fail());
    if (out.kind === 'retry') {
      if (out.reason === 'could_not_get_source') {
        cap.set(r.account_id, Math.max(1, Math.floor((cap.get(r.account_id) ?? limit) / 2)));
        return void (r.attempts >= MAX_ATTEMPTS ? await fail() : await again(backoffMs(r.attempts, random), 'retry'));
      }
      if (out.reason === 'rate_limited') {
        await store.setRateLimited(r.account_id, r.workspace_id, Math.round(now + (out.afterMs ?? 1000)), iso(clock));
        return void (interactive(r) || r.attempts >= MAX_SENDS ? await fail() : await again(out.afterMs ?? 1000, 'rate_limit'));
      }
      return void (interactive(r) || r.attempts >= MAX_ATTEMPTS ? await fail() : await again(backoffMs(r.attempts, random), 'retry'));
    }
    // unknown: Jules may have created it. Look before anything is sent again.
    let found: { sessionId: string; julesId: string } | null = null;
    try {
      found = await lookFor(r);
    } catch {
      found = null;
    }
    if (found) {
      await move(r, ['dispatching', 'queued'], { state: 'created', session_id: found.sessionId, jules_id: found.julesId, claim: null, error: null, waiting_for: null });
      log.info({ intent: r.id }, 'a create whose answer was lost had reached Jules: linked, not sent again');
      return;
    }
    if (interactive(r)) return void (await fail());
    // Not listed yet is not proof it was not created: it stays dispatching, unclaimed, and is looked for again later.
    await move(r, ['dispatching'], { claim: null, error: errorText(out.error) }, token);
  }

  /** One round: settle what vanished senders left, then send what fits. True when something was sent or settled. */
  async function round(accountId: string, token: string, signal: AbortSignal): Promise<{ progressed: boolean; nextAt: number | null }> {
    let line = await store.line(accountId);
    const stale = line.filter((r) => r.state === 'dispatching' && r.claim !== token);
    for (const r of stale) await settleStale(r);
    if (stale.length) line = await store.line(accountId);
    const now = clock.now();
    const limits = limitsOf(await store.limits(accountId));
    const load = await port.load(accountId, now);
    const dispatching = line.filter((r) => r.state === 'dispatching').length;
    const c = capacity(limits, { ...load, dispatching }, now, Math.min(limits.inFlight, cap.get(accountId) ?? limits.inFlight));
    const queued = line.filter((r) => r.state === 'queued');
    const due = queued.filter((r) => r.next_attempt_at === null || r.next_attempt_at <= now);
    const take = due.slice(0, c.now);
    // Why the rest wait, stored so the API and the dashboard can say it.
    for (const r of queued) {
      if (take.includes(r)) continue;
      const why = r.next_attempt_at !== null && r.next_attempt_at > now ? (limits.rateLimitedUntil && limits.rateLimitedUntil > now ? 'rate_limit' : 'retry') : (c.waitingFor ?? 'in_flight');
      if (r.waiting_for !== why) await move(r, ['queued'], { waiting_for: why });
    }
    const f = forecast(limits, { ...load, dispatching }, [], now, typicalRunMs(load.recentRunsMs));
    const later = [
      ...queued.map((r) => r.next_attempt_at).filter((t): t is number => t !== null && t > now),
      ...(limits.rateLimitedUntil && limits.rateLimitedUntil > now ? [limits.rateLimitedUntil] : []),
      ...(c.waitingFor === 'daily_quota' && f.dailyFreesAt ? [f.dailyFreesAt] : []),
      ...line.filter((r) => r.state === 'dispatching' && r.claim !== token).map((r) => (r.dispatched_at ?? now) + deps.reconcileAfterMs),
    ];
    const nextAt = later.length ? Math.min(...later) : null;
    if (!take.length || signal.aborted) return { progressed: stale.length > 0, nextAt };

    const claimed: IntentRow[] = [];
    for (const r of take) {
      if (await move(r, ['queued'], { state: 'dispatching', claim: token, dispatched_at: clock.now(), attempts: r.attempts + 1, waiting_for: null, next_attempt_at: null })) {
        claimed.push({ ...r, claim: token, attempts: r.attempts + 1, dispatched_at: clock.now() });
      }
    }
    await Promise.all(
      // Each send runs as whoever asked for the session (the intent's actor), not as the pump.
      claimed.map((r) => runAs(actorOfIntent(r), async () => {
        const body = requestOf(r);
        if (body.source && !body.startingBranch) {
          const branch = await port.defaultBranch(r.workspace_id, r.account_id, body.source);
          if (!branch) {
            await record(r, token, { kind: 'refused', error: { code: 'bad_request', message: `The default branch of ${body.source.replace(/^sources\/github\//, '')} is not known to this Jules account: give the branch`, issues: [{ path: 'body.startingBranch', message: 'required: the repository\'s default branch is not known' }] } });
            return;
          }
          body.startingBranch = branch;
        }
        const out = await port.send(r.workspace_id, r.account_id, body, AbortSignal.any([signal, AbortSignal.timeout(deps.sendTimeoutMs)]));
        await record(r, token, out);
      })),
    );
    return { progressed: true, nextAt };
  }

  return {
    running,
    /** Pumps one account until nothing more can be sent (bounded to a few lease periods; then it wakes itself). */
    async run(accountId: string, workspaceId: string, signal: AbortSignal): Promise<void> {
      const token = `${deps.instanceId}:${randomUUID().slice(0, 8)}`;
      const lease = createLease(store, { name: `dispatch:${accountId}`, holder: token, clock, ttlMs: deps.leaseMs });
      if (running.has(accountId)) {
        running.get(accountId)!.dirty = true;
        return;
      }
      if (!(await lease.hold())) return; // another instance pumps it; it loops until idle, the safety net re-checks.
      const state = { dirty: false, workspaceId };
      running.set(accountId, state);
      const until = clock.now() + deps.leaseMs * 3;
      let nextAt: number | null = null;
      try {
        for (;;) {
          state.dirty = false;
          const r = await round(accountId, token, signal);
          nextAt = r.nextAt;
          if (signal.aborted || !(r.progressed || state.dirty)) break;
          if (clock.now() > until) {
            nextAt = clock.now();
            break;
          }
          if (!(await lease.hold())) return;
        }
      } finally {
        running.delete(accountId);
        await lease.release();
      }
      if (nextAt !== null) await deps.wakeAt(accountId, workspaceId, nextAt);
    },
    /** Something changed for these accounts (a session ended): a pump running here loops once more. */
    touch(accountIds: Iterable<string>) {
      for (const id of accountIds) {
        const st = running.get(id);
        if (st) st.dirty = true;
      }
    },
  };
}
export type Pump = ReturnType<typeof createPump>;
