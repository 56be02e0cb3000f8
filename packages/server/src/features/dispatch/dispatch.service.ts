import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_IN_FLIGHT, normalizeSource, type DispatchAccount, type DispatchIntent, type DispatchIntentQuery, type DispatchOriginKind, type UpdateDispatchLimitsBody } from '@autopilot/contracts';
import { iso, type Clock } from '../../platform/clock';
import { cursorCodec } from '../../platform/cursor';
import { isUniqueViolation } from '../../platform/db';
import { AppError, conflict, notFound } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { actorRef, currentActor } from '../../platform/actor';
import type { SessionsDispatchPort } from '../sessions';
import { capacity, forecast, forecastNote, limitsOf, typicalRunMs } from './dispatch.plan';
import type { DispatchStore, IntentRow } from './dispatch.store';
import type { DispatcherService, IntentListener, SubmitInput } from './dispatch.types';

export interface DispatchServiceDeps {
  store: DispatchStore;
  port: SessionsDispatchPort;
  clock: Clock;
  log: Logger;
  /** Wakes the account's pump (a queue job, deduplicated per account). */
  wake(accountId: string, workspaceId: string): Promise<void>;
}

const cursor = cursorCodec(z.object({ s: z.number(), i: z.string() }));
const ORIGIN_PRIORITY: Record<DispatchOriginKind, number> = { api: 0, keeper: 5, github: 5, webhook: 5, template: 10, batch: 10, schedule: 10 };

/** The stored error (JSON of a SendError) as the API shows it: its message. */
export function errorOf(r: IntentRow): { code: string; message: string; issues?: Array<{ path: string; message: string }>; retryAfterMs?: number } | null {
  if (!r.error) return null;
  try {
    return JSON.parse(r.error);
  } catch {
    return { code: 'internal', message: r.error };
  }
}

export function createDispatchService(deps: DispatchServiceDeps): DispatcherService & { rowsChanged(row: IntentRow): Promise<void> } {
  const { store, port, clock } = deps;
  const listeners = new Set<IntentListener>();
  /** waitFor() callers on this instance, by intent id. */
  const waiters = new Map<string, Set<() => void>>();
  let seqLast = 0;
  const nextSeq = () => (seqLast = Math.max(seqLast + 1, clock.now() * 1000));

  /** Position and eta of every queued row of these accounts (one forecast per account). */
  async function estimates(accountIds: Iterable<string>): Promise<Map<string, { position: number; eta: number }>> {
    const out = new Map<string, { position: number; eta: number }>();
    const now = clock.now();
    for (const accountId of new Set(accountIds)) {
      const line = await store.line(accountId);
      const queued = line.filter((r) => r.state === 'queued');
      if (!queued.length) continue;
      const limits = limitsOf(await store.limits(accountId));
      const load = await port.load(accountId, now);
      const f = forecast(limits, { ...load, dispatching: line.length - queued.length }, queued.map((r) => ({ id: r.id, notBefore: r.next_attempt_at })), now, typicalRunMs(load.recentRunsMs));
      for (const e of f.estimates) out.set(e.id, { position: e.position, eta: e.eta });
    }
    return out;
  }

  function toIntent(r: IntentRow, est?: { position: number; eta: number }): DispatchIntent {
    const q = JSON.parse(r.request) as DispatchIntent['request'];
    const queued = r.state === 'queued';
    return {
      kind: 'dispatch',
      id: r.id,
      accountId: r.account_id,
      state: r.state as DispatchIntent['state'],
      origin: { kind: r.origin_kind as DispatchOriginKind, id: r.origin_id },
      request: q,
      sessionId: r.session_id,
      julesId: r.jules_id,
      attempts: r.attempts,
      error: errorOf(r)?.message ?? null,
      waitingFor: queued ? ((r.waiting_for as DispatchIntent['waitingFor']) ?? null) : null,
      position: queued && est ? est.position : null,
      eta: queued && est ? iso(est.eta) : null,
      nextAttemptAt: queued && r.next_attempt_at !== null ? iso(r.next_attempt_at) : null,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      dispatchedAt: r.dispatched_at !== null ? iso(r.dispatched_at) : null,
    };
  }

  const annotate = async (rows: IntentRow[]) => {
    const est = await estimates(rows.filter((r) => r.state === 'queued').map((r) => r.account_id));
    return rows.map((r) => toIntent(r, est.get(r.id)));
  };

  async function rowOf(workspaceId: string, id: string): Promise<IntentRow> {
    const r = await store.get(workspaceId, id);
    if (!r) throw notFound('Dispatch intent', id);
    return r;
  }

  async function resolveAccount(workspaceId: string, accountId: string | undefined, path = 'body.accountId', known?: Array<{ id: string }>): Promise<string> {
    const accs = known ?? (await port.creatableAccounts(workspaceId));
    if (accountId) {
      if (!accs.some((a) => a.id === accountId)) throw new AppError('not_found', `Jules account ${accountId} not found (or it has no key on this server)`, [{ path, message: 'not a Jules account of this workspace with a key (GET /api/jules/accounts)' }]);
      return accountId;
    }
    if (accs.length === 0) throw new AppError('bad_request', 'No Jules account is configured for this workspace', [{ path, message: 'add one with POST /api/jules/accounts' }]);
    if (accs.length > 1) throw new AppError('bad_request', 'This workspace has several Jules accounts: say which', [{ path, message: 'required when the workspace has several accounts' }]);
    return accs[0].id;
  }

  async function build(workspaceId: string, input: SubmitInput, i: number, prefix: string, accounts: Array<{ id: string }>): Promise<IntentRow> {
    const accountId = await resolveAccount(workspaceId, input.accountId, `${prefix}accountId`, accounts);
    const q = input.request;
    const at = iso(clock);
    const actor = currentActor();
    return {
      id: randomUUID(),
      workspace_id: workspaceId,
      account_id: accountId,
      seq: nextSeq() + i,
      priority: input.priority ?? ORIGIN_PRIORITY[input.origin.kind],
      state: 'queued',
      origin_kind: input.origin.kind,
      origin_id: input.origin.id ?? null,
      idempotency_key: input.idempotencyKey ?? null,
      request: JSON.stringify({
        prompt: q.prompt,
        title: q.title ?? null,
        source: q.source ? normalizeSource(q.source) : null,
        startingBranch: q.startingBranch ?? null,
        requirePlanApproval: !!q.requirePlanApproval,
        autoCreatePr: !!q.autoCreatePr,
      }),
      keeper: input.keeper ? JSON.stringify(input.keeper) : null,
      session_id: null,
      jules_id: null,
      attempts: 0,
      error: null,
      waiting_for: null,
      claim: null,
      next_attempt_at: null,
      dispatched_at: null,
      created_at: at,
      updated_at: at,
      // Who asked for the session (issue #16): the request's person or key, the schedule, the keeper, ...
      actor: actorRef(actor),
      actor_name: actor.name,
    };
  }

  async function notify(row: IntentRow): Promise<void> {
    for (const w of waiters.get(row.id) ?? []) w();
    for (const l of listeners) {
      try {
        await l(toIntent(row), row.workspace_id);
      } catch (err) {
        deps.log.warn({ err: (err as Error).message, intent: row.id }, 'a dispatch listener failed');
      }
    }
  }

  async function submitMany(workspaceId: string, inputs: SubmitInput[]): Promise<DispatchIntent[]> {
    if (!inputs.length) return [];
    // An idempotency key already used answers what it made: nothing new.
    const keys = inputs.map((x) => x.idempotencyKey).filter((k): k is string => !!k);
    const existing = new Map((await store.byKeys(workspaceId, keys)).map((r) => [r.idempotency_key as string, r]));
    const rows: IntentRow[] = [];
    const fresh: IntentRow[] = [];
    // Read once for the whole submit (a 500-item batch would otherwise read the accounts 500 times).
    const accounts = await port.creatableAccounts(workspaceId);
    for (let i = 0; i < inputs.length; i++) {
      const old = inputs[i].idempotencyKey ? existing.get(inputs[i].idempotencyKey as string) : undefined;
      if (old) rows.push(old);
      else {
        const r = await build(workspaceId, inputs[i], i, inputs.length > 1 ? `items[${i}].` : 'body.', accounts);
        rows.push(r);
        fresh.push(r);
      }
    }
    try {
      await store.insertMany(fresh);
    } catch (err) {
      // Two submits with one key at the same moment: the other one won, answer what it made.
      if (isUniqueViolation(err) && keys.length) return submitMany(workspaceId, inputs);
      throw err;
    }
    for (const r of fresh) await notify(r);
    for (const [accountId, ws] of new Map(fresh.map((r) => [r.account_id, r.workspace_id]))) await deps.wake(accountId, ws);
    return annotate(rows);
  }

  async function account(workspaceId: string, accountId: string): Promise<DispatchAccount> {
    const name = await port.accountName(workspaceId, accountId);
    if (name === null) throw notFound('Jules account', accountId);
    const now = clock.now();
    const limits = limitsOf(await store.limits(accountId));
    const line = await store.line(accountId);
    const queued = line.filter((r) => r.state === 'queued');
    const load = await port.load(accountId, now);
    const dispatching = line.length - queued.length;
    const runMs = typicalRunMs(load.recentRunsMs);
    const f = forecast(limits, { ...load, dispatching }, queued.map((r) => ({ id: r.id, notBefore: r.next_attempt_at })), now, runMs);
    const { rateLimitedUntil, ...shown } = limits;
    return {
      accountId,
      accountName: name,
      limits: shown,
      active: load.active + dispatching,
      createdToday: load.createdInDay.filter((t) => t > now - 86_400_000).length,
      queued: queued.length,
      dispatching,
      rateLimitedUntil: rateLimitedUntil && rateLimitedUntil > now ? iso(rateLimitedUntil) : null,
      dailyFreesAt: f.dailyFreesAt !== null ? iso(f.dailyFreesAt) : null,
      forecast: {
        exhaustsAt: f.exhaustsAt !== null && f.exhaustsAt < now + 86_400_000 ? iso(f.exhaustsAt) : null,
        queueDrainsAt: f.drainsAt !== null ? iso(f.drainsAt) : null,
        typicalSessionMinutes: Math.round(runMs / 6000) / 10,
        note: forecastNote(limits, f, queued.length, now),
      },
    };
  }

  const service: DispatcherService & { rowsChanged(row: IntentRow): Promise<void> } = {
    rowsChanged: notify,
    resolveAccount,
    submit: async (workspaceId, input) => (await submitMany(workspaceId, [input]))[0],
    async heldBy(workspaceId, id) {
      const r = await rowOf(workspaceId, id);
      if (r.state !== 'queued') return null;
      const now = clock.now();
      const line = await store.line(r.account_id);
      const queued = line.filter((x) => x.state === 'queued');
      // Claimed by the sender since it was read: it is on its way, not held.
      if (!queued.some((x) => x.id === id)) return null;
      const limits = limitsOf(await store.limits(r.account_id));
      const c = capacity(limits, { ...(await port.load(r.account_id, now)), dispatching: line.length - queued.length }, now);
      const why = c.waitingFor === 'slot' || c.waitingFor === 'daily_quota' || c.waitingFor === 'paused' || c.waitingFor === 'rate_limit' ? c.waitingFor : null;
      // Room for the ones ahead of it only: it waits for the same reason they would.
      const ahead = queued.findIndex((x) => x.id === id);
      const held = why ?? (ahead >= c.now && limits.concurrent !== null ? 'slot' : null);
      if (held && r.waiting_for !== held) await store.transition(id, ['queued'], { waiting_for: held });
      return held;
    },
    submitMany,
    async waitFor(workspaceId, id, timeoutMs) {
      const done = (r: IntentRow) => r.state !== 'queued' && r.state !== 'dispatching';
      const deadline = clock.now() + timeoutMs;
      let r = await rowOf(workspaceId, id);
      while (!done(r) && clock.now() < deadline) {
        // Woken by a change on this instance, or after a second (the sender may be another instance).
        await new Promise<void>((resolve) => {
          const set = waiters.get(id) ?? new Set();
          const wake = () => {
            clearTimeout(timer);
            set.delete(wake);
            resolve();
          };
          const timer = setTimeout(wake, Math.min(1000, Math.max(1, deadline - clock.now())));
          set.add(wake);
          waiters.set(id, set);
        });
        if (!waiters.get(id)?.size) waiters.delete(id);
        r = await rowOf(workspaceId, id);
      }
      return (await annotate([r]))[0];
    },
    get: async (workspaceId, id) => (await annotate([await rowOf(workspaceId, id)]))[0],
    byOrigin: async (workspaceId, kind, originId) => annotate(await store.byOrigin(workspaceId, kind, originId)),
    async list(workspaceId, q: DispatchIntentQuery) {
      const after = cursor.decode(q.cursor);
      const rows = await store.page(workspaceId, { state: q.state, accountId: q.accountId, origin: q.origin, limit: q.limit, after: after ? { seq: after.s, id: after.i } : undefined });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return { items: await annotate(page), nextCursor: rows.length > q.limit && last ? cursor.encode({ s: Number(last.seq), i: last.id }) : null };
    },
    async cancel(workspaceId, id) {
      const r = await rowOf(workspaceId, id);
      if (!(await store.transition(id, ['queued'], { state: 'cancelled', waiting_for: null, next_attempt_at: null, updated_at: iso(clock) }))) {
        const now = await rowOf(workspaceId, id);
        throw conflict(`Only a queued create can be cancelled (this one is ${now.state})`, { state: now.state });
      }
      await notify(await rowOf(workspaceId, r.id));
      return service.get(workspaceId, id);
    },
    async cancelByOrigin(workspaceId, kind, originId) {
      const ids = await store.transitionOrigin(workspaceId, kind, originId, ['queued'], { state: 'cancelled', waiting_for: null, next_attempt_at: null, updated_at: iso(clock) });
      for (const id of ids) await notify(await rowOf(workspaceId, id));
      return ids.length;
    },
    async retry(workspaceId, id) {
      const r = await rowOf(workspaceId, id);
      if (!(await store.transition(id, ['failed'], { state: 'queued', attempts: 0, error: null, waiting_for: null, next_attempt_at: null, updated_at: iso(clock) }))) {
        const now = await rowOf(workspaceId, id);
        throw conflict(`Only a failed create can be retried (this one is ${now.state})`, { state: now.state });
      }
      await notify(await rowOf(workspaceId, id));
      await deps.wake(r.account_id, workspaceId);
      return service.get(workspaceId, id);
    },
    async retryByOrigin(workspaceId, kind, originId) {
      const ids = await store.transitionOrigin(workspaceId, kind, originId, ['failed'], { state: 'queued', attempts: 0, error: null, waiting_for: null, next_attempt_at: null, updated_at: iso(clock) });
      const accounts = new Set<string>();
      for (const id of ids) {
        const r = await rowOf(workspaceId, id);
        accounts.add(r.account_id);
        await notify(r);
      }
      for (const a of accounts) await deps.wake(a, workspaceId);
      return ids.length;
    },
    async accounts(workspaceId) {
      const accs = await port.creatableAccounts(workspaceId);
      return Promise.all(accs.map((a) => account(workspaceId, a.id)));
    },
    account,
    async updateLimits(workspaceId, accountId, body: UpdateDispatchLimitsBody) {
      if ((await port.accountName(workspaceId, accountId)) === null) throw notFound('Jules account', accountId);
      const old = await store.limits(accountId);
      const plan = body.plan ?? old?.plan ?? 'unknown';
      await store.saveLimits({
        account_id: accountId,
        workspace_id: workspaceId,
        plan,
        // The custom limits are kept whatever the plan: they apply whenever the plan is custom.
        concurrent: body.concurrent ?? old?.concurrent ?? null,
        daily: body.daily ?? old?.daily ?? null,
        in_flight: body.inFlight ?? old?.in_flight ?? DEFAULT_IN_FLIGHT,
        paused: body.paused === undefined ? (old?.paused ?? 0) : body.paused ? 1 : 0,
        rate_limited_until: old?.rate_limited_until ?? null,
        updated_at: iso(clock),
      });
      await deps.wake(accountId, workspaceId);
      return account(workspaceId, accountId);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return service;
}
export type DispatchService = ReturnType<typeof createDispatchService>;
