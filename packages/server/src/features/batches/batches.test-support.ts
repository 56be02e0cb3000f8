import { randomUUID } from 'node:crypto';
import type { DispatchIntent, DispatchOriginKind } from '@autopilot/contracts';
import { badRequest, conflict, notFound } from '../../platform/errors';
import type { DispatcherService, IntentListener, SubmitInput } from '../dispatch';

/**
 * An in-memory DispatcherService for the batches unit tests only: intents are stored and answered as the real one
 * does (all-or-nothing submitMany in order, idempotency keys, position while queued, listeners after each stored
 * change); the test moves them by hand (`move`) where the real one would call Jules.
 */
export function fakeDispatcher(accounts: Record<string, string[]>) {
  const intents: Array<DispatchIntent & { workspaceId: string; key: string | null; keeper: SubmitInput['keeper'] | null }> = [];
  const listeners = new Set<IntentListener>();
  let now = Date.parse('2026-12-02T09:00:00.000Z');
  let failNext: Error | null = null;
  const tick = () => new Date((now += 1000)).toISOString();
  const strip = ({ workspaceId: _w, key: _k, keeper: _p, ...i }: (typeof intents)[number]): DispatchIntent => {
    if (i.state !== 'queued') return { ...i, position: null, eta: null };
    const line = intents.filter((x) => x.accountId === i.accountId && x.state === 'queued');
    const position = line.findIndex((x) => x.id === i.id) + 1;
    return { ...i, position, eta: new Date(Date.parse('2026-12-02T10:00:00.000Z') + position * 60_000).toISOString() };
  };
  const emit = async (i: (typeof intents)[number]) => {
    for (const l of listeners) await l(strip(i), i.workspaceId);
  };
  const find = (workspaceId: string, id: string) => {
    const i = intents.find((x) => x.workspaceId === workspaceId && x.id === id);
    if (!i) throw notFound('Dispatch intent', id);
    return i;
  };
  const ofOrigin = (workspaceId: string, kind: DispatchOriginKind, originId: string) =>
    intents.filter((x) => x.workspaceId === workspaceId && x.origin.kind === kind && x.origin.id === originId);

  async function resolveAccount(workspaceId: string, accountId: string | undefined, path = 'body.accountId') {
    const mine = accounts[workspaceId] ?? [];
    if (accountId !== undefined) {
      if (!mine.includes(accountId)) throw badRequest(`Jules account ${accountId} not found`, [{ path, message: 'no Jules account with this id in this workspace' }]);
      return accountId;
    }
    if (mine.length !== 1) throw badRequest(mine.length ? 'Choose a Jules account' : 'Add a Jules account first', [{ path, message: mine.length ? `the workspace has ${mine.length} Jules accounts: name one` : 'the workspace has no Jules account' }]);
    return mine[0];
  }

  const service: DispatcherService = {
    resolveAccount,
    submit: async (workspaceId, input) => (await service.submitMany(workspaceId, [input]))[0],
    async submitMany(workspaceId, inputs) {
      if (failNext) {
        const err = failNext;
        failNext = null;
        throw err;
      }
      const made: typeof intents = [];
      const out: typeof intents = [];
      for (const input of inputs) {
        const old = input.idempotencyKey ? intents.find((x) => x.workspaceId === workspaceId && x.key === input.idempotencyKey) : undefined;
        if (old) {
          out.push(old);
          continue;
        }
        const at = tick();
        const r = input.request;
        const intent = {
          kind: 'dispatch' as const, id: randomUUID(), accountId: await resolveAccount(workspaceId, input.accountId), state: 'queued' as const,
          origin: { kind: input.origin.kind, id: input.origin.id ?? null },
          request: { prompt: r.prompt, title: r.title ?? null, source: r.source ?? null, startingBranch: r.startingBranch ?? null, requirePlanApproval: r.requirePlanApproval ?? false, autoCreatePr: r.autoCreatePr ?? false },
          sessionId: null, julesId: null, attempts: 0, error: null, waitingFor: 'slot' as const, position: null, eta: null, nextAttemptAt: null,
          createdAt: at, updatedAt: at, dispatchedAt: null, workspaceId, key: input.idempotencyKey ?? null, keeper: input.keeper ?? null,
        };
        made.push(intent);
        out.push(intent);
      }
      intents.push(...made);
      for (const i of made) await emit(i);
      return out.map(strip);
    },
    async heldBy(workspaceId, id) {
      const i = find(workspaceId, id);
      return i.state === 'queued' && i.waitingFor && i.waitingFor !== 'retry' && i.waitingFor !== 'in_flight' ? i.waitingFor : null;
    },
    async waitFor(workspaceId, id) {
      return strip(find(workspaceId, id));
    },
    get: async (workspaceId, id) => strip(find(workspaceId, id)),
    byOrigin: async (workspaceId, kind, originId) => ofOrigin(workspaceId, kind, originId).map(strip),
    async list(workspaceId, q) {
      const mine = intents.filter((x) => x.workspaceId === workspaceId && (!q.state || x.state === q.state) && (!q.origin || x.origin.kind === q.origin));
      return { items: mine.slice(0, q.limit).map(strip), nextCursor: null };
    },
    async cancel(workspaceId, id) {
      const i = find(workspaceId, id);
      if (i.state !== 'queued') throw conflict(`The intent is ${i.state}`, { state: i.state });
      await move(i.id, { state: 'cancelled' });
      return strip(i);
    },
    async cancelByOrigin(workspaceId, kind, originId) {
      const queued = ofOrigin(workspaceId, kind, originId).filter((x) => x.state === 'queued');
      for (const i of queued) await move(i.id, { state: 'cancelled' });
      return queued.length;
    },
    async retry(workspaceId, id) {
      const i = find(workspaceId, id);
      if (i.state !== 'failed') throw conflict(`The intent is ${i.state}`, { state: i.state });
      await move(i.id, { state: 'queued', error: null });
      return strip(i);
    },
    async retryByOrigin(workspaceId, kind, originId) {
      const failed = ofOrigin(workspaceId, kind, originId).filter((x) => x.state === 'failed');
      for (const i of failed) await move(i.id, { state: 'queued', error: null });
      return failed.length;
    },
    accounts: async () => [],
    account: async (_w, accountId) => {
      throw notFound('Jules account', accountId);
    },
    updateLimits: async (_w, accountId) => {
      throw notFound('Jules account', accountId);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  /** Moves an intent as the real dispatcher would after calling Jules, and tells the listeners. */
  async function move(id: string, patch: Partial<Pick<DispatchIntent, 'state' | 'sessionId' | 'error'>>) {
    const i = intents.find((x) => x.id === id);
    if (!i) throw new Error(`no intent ${id}`);
    Object.assign(i, patch, { updatedAt: tick() });
    await emit(i);
  }

  return {
    service,
    intents,
    move,
    /** The next submitMany throws this (and stores nothing). */
    failNextSubmit: (err: Error) => void (failNext = err),
    listeners: () => listeners.size,
  };
}
