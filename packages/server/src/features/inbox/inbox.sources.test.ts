import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EventData, EventType, Notice, SessionDetail } from '@autopilot/contracts';
import { requirePostgresInCi, testEngines } from '../../platform/db/testing';
import { CONSUMER } from './inbox.sources';
import { createInboxRig, query, type InboxRig } from './inbox.testing';

requirePostgresInCi();

/** Events as their publishers send them (the shapes of contracts/event-schemas.test.ts's samples). */
const sample = {
  held: (id: string, sessionId: string): EventData<'notification.raised'> => ({ id, sessionId, kind: 'plan_held', title: 'Plan held: Fix the login bug', body: 'The plan deletes a table.' }),
  llmOpen: { breaker: 'llm', providerId: 'p1', provider: 'primary', kind: 'openai', model: 'gpt-4.1-mini', state: 'open' } satisfies EventData<'breaker.opened'>,
  llmClosed: { breaker: 'llm', providerId: 'p1', provider: 'primary', kind: 'openai', model: 'gpt-4.1-mini', state: 'closed' } satisfies EventData<'breaker.closed'>,
  julesOpen: { breaker: 'jules', accountId: 'a1', accountName: 'work', state: 'open' } satisfies EventData<'breaker.opened'>,
  budget: (percent: 80 | 100): EventData<'budget.threshold'> => ({ budgetId: 'b1', name: 'Monthly', percent, spentUsd: percent === 80 ? 80.5 : 100.25, limitUsd: 100, period: '2026-12' }),
  schedule: (outcome: 'ok' | 'failed' | 'skipped', batchId: string | null = null): EventData<'schedule.run'> => ({ scheduleId: 'sc1', name: 'Nightly deps', runId: `r-${outcome}`, outcome, reason: outcome === 'failed' ? 'template not found' : null, batchId }),
  batch: (id: string, state: 'running' | 'done', failed = 0): EventData<'batch.progress'> => ({ id, state, total: 5, queued: 0, dispatching: 0, created: 5 - failed, failed, cancelled: 0 }),
  state: (id: string, to: string): EventData<'session.state_changed'> => ({ id, julesId: `j-${id}`, from: 'IN_PROGRESS', to }),
};

const session = (over: Partial<SessionDetail>): Partial<SessionDetail> => ({ title: 'Add paging to the orders list', prompt: 'Add paging', source: 'sources/github/acme/shop', prUrl: null, ...over });

describe.each(testEngines())('notification center sources: bus events become notifications (%s)', (engine) => {
  let rig: InboxRig;
  let svc: ReturnType<InboxRig['instance']>['service'];
  let ws: string;
  let seen = 0;

  beforeAll(async () => {
    rig = await createInboxRig(engine);
    svc = rig.instance().service;
  });
  afterAll(async () => rig?.close());
  beforeEach(async () => {
    ws = await rig.workspace();
    rig.keeperCalls.length = 0;
  });
  // Every inbox event a test published is what the contract says: its envelope schema parses it unchanged.
  afterEach(() => {
    const fresh = rig.inboxEvents().slice(seen);
    seen += fresh.length;
    for (const { published, parsed } of fresh) {
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      expect(parsed.data).toEqual(published);
    }
  });

  /** Publishes on the real bus and waits until the center handled it. */
  async function publish<T extends EventType>(type: T, data: EventData<T>, workspaceId = ws) {
    await rig.bus.publish(type, workspaceId, data);
    await rig.idle();
  }
  const all = async (): Promise<Notice[]> => (await svc.list(ws, query({ view: 'all' }))).items;

  it("notification.raised (a plan held) is a plan_held entry with the keeper's id and ref; a repeat of the event adds nothing", async () => {
    rig.sessions.set(`s-${ws}`, session({}));
    await publish('notification.raised', sample.held(`kn-${ws}`, `s-${ws}`));
    const [n, ...rest] = await all();
    expect(rest).toEqual([]);
    expect(n).toMatchObject({ id: `kn-${ws}`, source: 'keeper', kind: 'plan_held', severity: 'warning', status: 'unread', title: 'Plan held: Fix the login bug', body: 'The plan deletes a table.', sessionId: `s-${ws}`, repo: 'acme/shop', links: [{ label: 'Session', href: `/sessions/s-${ws}` }], count: 1 });
    const row = await rig.db.kysely.selectFrom('notices').select(['ref']).where('workspace_id', '=', ws).executeTakeFirstOrThrow();
    expect(row.ref).toBe(`kn-${ws}`);
    expect(rig.of('inbox.raised', ws).map((e) => e.data)).toEqual([{ id: `kn-${ws}`, source: 'keeper', kind: 'plan_held', severity: 'warning', title: 'Plan held: Fix the login bug', body: 'The plan deletes a table.', sessionId: `s-${ws}`, repo: 'acme/shop', count: 1, links: [{ label: 'Session', href: `/sessions/s-${ws}` }] }]);
    // The keeper publishing it again (a replay, another instance) is the same entry, unchanged.
    await publish('notification.raised', sample.held(`kn-${ws}`, `s-${ws}`));
    expect((await all()).map((x) => [x.id, x.count])).toEqual([[`kn-${ws}`, 1]]);
    // Severity by kind; a notification about no session has no links.
    await publish('notification.raised', { id: `ci-${ws}`, sessionId: null, kind: 'ci_escalated', title: 'CI fixes exhausted', body: 'Three attempts failed.' });
    expect(await svc.get(ws, `ci-${ws}`)).toMatchObject({ severity: 'critical', sessionId: null, repo: null, links: [] });
    // Read in the center: the keeper's row is told, by the keeper's id.
    await svc.update(ws, `kn-${ws}`, { read: true });
    expect(rig.keeperCalls).toEqual([{ workspaceId: ws, id: `kn-${ws}`, patch: { read: true } }]);
  });

  it('notification.updated mirrors the keeper: resolved (with its reason), read, dismissed for all, without calling the keeper back', async () => {
    for (const id of ['a', 'b', 'c']) await publish('notification.raised', sample.held(`${id}-${ws}`, `s-${id}`));
    await publish('notification.updated', { ids: [`a-${ws}`], all: false, change: 'resolved', reason: 'the plan was approved' });
    expect(await svc.get(ws, `a-${ws}`)).toMatchObject({ status: 'resolved', resolvedReason: 'the plan was approved' });
    expect(rig.of('inbox.updated', ws).at(-1)!.data).toEqual({ ids: [`a-${ws}`], all: false, change: 'resolved', unread: 2 });
    await publish('notification.updated', { ids: [`b-${ws}`], all: false, change: 'read', reason: null });
    expect((await svc.get(ws, `b-${ws}`)).status).toBe('read');
    await publish('notification.updated', { ids: [], all: true, change: 'dismissed', reason: null });
    expect((await all()).map((n) => [n.id, n.status]).sort()).toEqual([[`a-${ws}`, 'resolved'], [`b-${ws}`, 'dismissed'], [`c-${ws}`, 'dismissed']]);
    expect(rig.of('inbox.updated', ws).at(-1)!.data).toEqual({ ids: [], all: true, change: 'dismissed', unread: 0 });
    expect(rig.keeperCalls).toEqual([]);
    // Unknown ids (a notification raised before the center existed) change nothing and announce nothing.
    const before = rig.of('inbox.updated', ws).length;
    await publish('notification.updated', { ids: ['kn-unknown'], all: false, change: 'read', reason: null });
    expect(rig.of('inbox.updated', ws)).toHaveLength(before);
  });

  it('breaker.opened is one warning entry per breaker (repeats counted); breaker.closed resolves it; the next opening is a new entry', async () => {
    await publish('breaker.opened', sample.llmOpen);
    await publish('breaker.opened', sample.llmOpen);
    await publish('breaker.opened', sample.julesOpen);
    const entries = await all();
    expect(entries).toHaveLength(2);
    const [llm, jules] = ['breaker:llm:p1:gpt-4.1-mini', 'breaker:jules:a1'].map((k) => entries.find((n) => n.groupKey === k));
    expect(llm).toMatchObject({ source: 'breaker', kind: 'breaker_opened', severity: 'warning', title: 'Circuit breaker opened: primary gpt-4.1-mini', groupKey: 'breaker:llm:p1:gpt-4.1-mini', count: 2, status: 'unread', links: [{ label: 'Health', href: '/system' }] });
    expect(jules).toMatchObject({ title: 'Circuit breaker opened: Jules account work', groupKey: 'breaker:jules:a1', count: 1 });
    await publish('breaker.closed', sample.llmClosed);
    expect(await svc.get(ws, llm!.id)).toMatchObject({ status: 'resolved', resolvedReason: 'breaker closed' });
    expect((await svc.get(ws, jules!.id)).status).toBe('unread');
    await publish('breaker.opened', sample.llmOpen);
    const reopened = (await svc.list(ws, query({ kind: 'breaker_opened' }))).items.filter((n) => n.groupKey === llm!.groupKey);
    expect(reopened).toHaveLength(1);
    expect(reopened[0]).toMatchObject({ count: 1, status: 'unread' });
    expect(reopened[0]!.id).not.toBe(llm!.id);
  });

  it('budget.threshold 80 is a warning and 100 a critical entry', async () => {
    await publish('budget.threshold', sample.budget(80));
    await publish('budget.threshold', sample.budget(100));
    const by = Object.fromEntries((await all()).map((n) => [n.kind, n]));
    expect(by.budget_80).toMatchObject({ source: 'budget', severity: 'warning', title: 'Budget at 80%: Monthly', body: '$80.50 of $100.00 spent in 2026-12.', links: [{ label: 'Costs', href: '/costs' }] });
    expect(by.budget_100).toMatchObject({ source: 'budget', severity: 'critical', title: 'Budget exhausted: Monthly', body: '$100.25 of $100.00 spent in 2026-12; calls are refused until the next period.' });
    expect(await svc.counts(ws)).toEqual({ unread: 2, bySeverity: { info: 0, warning: 1, critical: 1 } });
  });

  it('schedule.run: failed is a warning entry with the reason and links, ok an info entry, skipped nothing', async () => {
    await publish('schedule.run', sample.schedule('skipped'));
    expect(await all()).toEqual([]);
    await publish('schedule.run', sample.schedule('failed'));
    await publish('schedule.run', sample.schedule('ok', 'b7'));
    const by = Object.fromEntries((await all()).map((n) => [n.kind, n]));
    expect(by.schedule_failed).toMatchObject({ source: 'schedule', severity: 'warning', title: 'Schedule failed: Nightly deps', body: 'template not found', links: [{ label: 'Schedule', href: '/schedules/sc1' }] });
    expect(by.schedule_finished).toMatchObject({ severity: 'info', title: 'Schedule ran: Nightly deps', links: [{ label: 'Schedule', href: '/schedules/sc1' }, { label: 'Batch', href: '/batches/b7' }] });
  });

  it('batch.progress: done is batch_finished (info) or batch_failed (warning), once per batch; running is nothing', async () => {
    await publish('batch.progress', sample.batch(`ok-${ws}`, 'running'));
    expect(await all()).toEqual([]);
    await publish('batch.progress', sample.batch(`ok-${ws}`, 'done'));
    await publish('batch.progress', sample.batch(`bad-${ws}`, 'done', 2));
    await publish('batch.progress', sample.batch(`bad-${ws}`, 'done', 2));
    const by = Object.fromEntries((await all()).map((n) => [n.kind, n]));
    expect(Object.keys(by).sort()).toEqual(['batch_failed', 'batch_finished']);
    expect(by.batch_finished).toMatchObject({ id: `ntc_batch_ok-${ws}`, source: 'batch', severity: 'info', title: 'Batch finished: 5 of 5 created', body: '5 created, 0 failed, 0 cancelled.', links: [{ label: 'Batch', href: `/batches/ok-${ws}` }], count: 1 });
    expect(by.batch_failed).toMatchObject({ id: `ntc_batch_bad-${ws}`, severity: 'warning', title: 'Batch finished with 2 failed of 5', count: 1 });
  });

  it('session.state_changed: completed with a PR (from pulls, or the session) / without one / failed, with links; other states nothing', async () => {
    const ids = { viaPulls: `pr-${ws}`, own: `own-${ws}`, none: `none-${ws}`, failed: `fail-${ws}`, gone: `gone-${ws}` };
    rig.sessions.set(ids.viaPulls, session({ title: 'Paging' }));
    rig.pulls.set(ids.viaPulls, [{ htmlUrl: 'https://github.com/acme/shop/pull/12' }]);
    rig.sessions.set(ids.own, session({ title: '', prompt: 'Bump the dependencies', prUrl: 'https://github.com/acme/shop/pull/13' }));
    rig.sessions.set(ids.none, session({ title: 'No changes', source: null }));
    rig.sessions.set(ids.failed, session({ title: 'Broken' }));
    await publish('session.state_changed', sample.state(ids.viaPulls, 'PLANNING'));
    expect(await all()).toEqual([]);
    for (const id of [ids.viaPulls, ids.own, ids.none, ids.gone]) await publish('session.state_changed', sample.state(id, 'COMPLETED'));
    await publish('session.state_changed', sample.state(ids.failed, 'FAILED'));
    const by = Object.fromEntries((await all()).map((n) => [n.sessionId, n]));
    const link = (id: string) => ({ label: 'Session', href: `/sessions/${id}` });
    expect(by[ids.viaPulls]).toMatchObject({ source: 'session', kind: 'session_completed', severity: 'info', title: 'Session completed: Paging', repo: 'acme/shop', links: [link(ids.viaPulls), { label: 'Pull request', href: 'https://github.com/acme/shop/pull/12' }] });
    expect(by[ids.own]).toMatchObject({ kind: 'session_completed', title: 'Session completed: Bump the dependencies', links: [link(ids.own), { label: 'Pull request', href: 'https://github.com/acme/shop/pull/13' }] });
    expect(by[ids.none]).toMatchObject({ kind: 'session_completed_no_pr', severity: 'warning', title: 'Session completed without a PR: No changes', repo: null, links: [link(ids.none)] });
    // A session the mirror no longer has: still told, by its Jules id.
    expect(by[ids.gone]).toMatchObject({ kind: 'session_completed_no_pr', title: `Session completed without a PR: j-${ids.gone}`, links: [link(ids.gone)] });
    expect(by[ids.failed]).toMatchObject({ kind: 'session_failed', severity: 'warning', title: 'Session failed: Broken', links: [link(ids.failed)] });
  });

  it('an event of one workspace is a notification of that workspace only', async () => {
    const theirs = await rig.workspace();
    await publish('budget.threshold', sample.budget(80), theirs);
    expect(await all()).toEqual([]);
    expect((await svc.list(theirs, query())).items.map((n) => n.kind)).toEqual(['budget_80']);
  });
});

describe.each(testEngines())('notification center sources on two instances (%s)', (engine) => {
  let rig: InboxRig;
  beforeAll(async () => {
    rig = await createInboxRig(engine);
  });
  afterAll(async () => rig?.close());

  it('two instances on one database and bus: each event is claimed once and is exactly one notification; snoozes wake once', async () => {
    const [a, b] = [rig.instance(), rig.instance()];
    const { ws } = rig;
    rig.sessions.set('s1', session({}));
    rig.pulls.set('s1', [{ htmlUrl: 'https://github.com/acme/shop/pull/1' }]);
    const published = [
      await rig.bus.publish('notification.raised', ws, sample.held('kn1', 's1')),
      await rig.bus.publish('breaker.opened', ws, sample.julesOpen),
      await rig.bus.publish('budget.threshold', ws, sample.budget(80)),
      await rig.bus.publish('budget.threshold', ws, sample.budget(100)),
      await rig.bus.publish('schedule.run', ws, sample.schedule('failed')),
      await rig.bus.publish('batch.progress', ws, sample.batch('b1', 'done')),
      await rig.bus.publish('batch.progress', ws, sample.batch('b2', 'done', 1)),
      await rig.bus.publish('session.state_changed', ws, sample.state('s1', 'COMPLETED')),
      await rig.bus.publish('session.state_changed', ws, sample.state('s2', 'COMPLETED')),
    ];
    await rig.idle();
    const items = (await a.service.list(ws, query({ view: 'all' }))).items;
    expect(items.map((n) => [n.kind, n.count]).sort()).toEqual([
      ['batch_failed', 1], ['batch_finished', 1], ['breaker_opened', 1], ['budget_100', 1], ['budget_80', 1],
      ['plan_held', 1], ['schedule_failed', 1], ['session_completed', 1], ['session_completed_no_pr', 1],
    ]);
    expect((await b.service.list(ws, query({ view: 'all' }))).items).toEqual(items);
    expect(rig.of('inbox.raised', ws)).toHaveLength(published.length);
    const receipts = await rig.db.kysely.selectFrom('event_receipts').select('event_id').where('consumer', '=', CONSUMER).execute();
    expect(receipts.map((r) => r.event_id).sort()).toEqual(published.map((e) => e.id).sort());

    // A change from the keeper reaches the entry once, whichever instance claims it.
    await rig.bus.publish('notification.updated', ws, { ids: ['kn1'], all: false, change: 'resolved', reason: 'the plan was approved' });
    await rig.idle();
    expect(rig.of('inbox.updated', ws).filter((e) => e.data.change === 'resolved')).toHaveLength(1);

    // Both instances' snooze loops pass over one due snooze: it is woken once.
    const n = items.find((i) => i.kind === 'budget_80')!;
    await a.service.update(ws, n.id, { snoozedUntil: new Date(rig.clock.now() + 60_000).toISOString() });
    rig.clock.advance(60_000);
    expect((await Promise.all([a.service.wakeSnoozes(), b.service.wakeSnoozes()])).sort()).toEqual([0, 1]);
    expect(rig.of('inbox.updated', ws).filter((e) => e.data.change === 'unsnoozed')).toHaveLength(1);

    for (const { published: e, parsed } of rig.inboxEvents()) expect(parsed.data, JSON.stringify(parsed.error?.issues)).toEqual(e);
  });

  it('repeats of one group raised at once on both instances are one entry counting every repeat', async () => {
    const [a, b] = [rig.instance(), rig.instance()];
    const ws = await rig.workspace();
    const draft = { source: 'breaker', kind: 'breaker_opened', severity: 'warning', title: 'Circuit breaker opened', groupKey: 'breaker:jules:a1' } as const;
    const raised = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => (i % 2 ? a : b).service.raise(ws, draft)));
    expect(new Set(raised.map((n) => n.id)).size).toBe(1);
    const items = (await a.service.list(ws, query({ view: 'all' }))).items;
    expect(items.map((n) => n.count)).toEqual([6]);
    // One inbox.raised per repeat (a repeat's count may already include a concurrent one).
    expect(rig.of('inbox.raised', ws)).toHaveLength(6);
    expect(Math.max(...rig.of('inbox.raised', ws).map((e) => e.data.count))).toBe(6);
  });
});
