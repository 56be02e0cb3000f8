import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Notice } from '@autopilot/contracts';
import { requirePostgresInCi, testEngines } from '../../platform/db/testing';
import type { NoticeDraft } from './inbox.types';
import { MAX_SNOOZE_MS } from './inbox.service';
import { createInboxRig, query, type InboxRig } from './inbox.testing';

requirePostgresInCi();

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const draft = (over: Partial<NoticeDraft> = {}): NoticeDraft => ({ source: 'hooks', kind: 'hook_notify', severity: 'info', title: 'Deploy finished', ...over });

describe.each(testEngines())('notification center service (%s)', (engine) => {
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

  /** The `inbox.updated` events of this test's workspace, without their envelope. */
  const updates = () => rig.of('inbox.updated', ws).map((e) => e.data);

  it('raise: a new entry is unread with its severity, links, session and repo; inbox.raised and inbox.updated announce it', async () => {
    const links = [{ label: 'Session', href: '/sessions/s1' }, { label: 'Pull request', href: 'https://github.com/acme/shop/pull/7' }];
    const n = await svc.raise(ws, draft({ source: 'session', kind: 'session_completed', severity: 'warning', title: 'Done', body: 'It opened a PR', sessionId: 's1', repo: 'acme/shop', links }));
    expect(n).toMatchObject({ source: 'session', kind: 'session_completed', severity: 'warning', title: 'Done', body: 'It opened a PR', sessionId: 's1', repo: 'acme/shop', links, count: 1, status: 'unread', groupKey: 'session:session_completed:s1', readAt: null, dismissedAt: null, snoozedUntil: null, resolvedAt: null });
    expect(n.firstAt).toBe(new Date(rig.clock.now()).toISOString());
    expect(await svc.get(ws, n.id)).toEqual(n);
    expect(rig.of('inbox.raised', ws).map((e) => e.data)).toEqual([{ id: n.id, source: 'session', kind: 'session_completed', severity: 'warning', title: 'Done', body: 'It opened a PR', sessionId: 's1', repo: 'acme/shop', count: 1, links }]);
    expect(updates()).toEqual([{ ids: [n.id], all: false, change: 'unread', unread: 1 }]);
  });

  it('a repeat with the same group key is one entry: count + 1, latest text, unread again after a read; a dismissed entry takes no repeats', async () => {
    const first = await svc.raise(ws, draft({ groupKey: 'deploy:shop', title: 'Deploy failed once' }));
    await svc.update(ws, first.id, { read: true });
    rig.clock.advance(MIN);
    const again = await svc.raise(ws, draft({ groupKey: 'deploy:shop', title: 'Deploy failed twice', severity: 'critical' }));
    expect(again).toMatchObject({ id: first.id, count: 2, status: 'unread', readAt: null, title: 'Deploy failed twice', severity: 'critical', firstAt: first.firstAt });
    expect(Date.parse(again.lastAt) - Date.parse(first.lastAt)).toBe(MIN);
    expect(rig.of('inbox.raised', ws).map((e) => [e.data.id, e.data.count])).toEqual([[first.id, 1], [first.id, 2]]);
    // Another key is another entry.
    const other = await svc.raise(ws, draft({ groupKey: 'deploy:api' }));
    expect(other.id).not.toBe(first.id);
    // The default key: source, kind and session.
    const s1 = await svc.raise(ws, draft({ sessionId: 's1' }));
    expect((await svc.raise(ws, draft({ sessionId: 's1' }))).id).toBe(s1.id);
    expect((await svc.raise(ws, draft({ sessionId: 's2' }))).id).not.toBe(s1.id);
    // Dismissed: the next repeat opens a fresh entry; the old one stays dismissed with its count.
    await svc.update(ws, first.id, { dismissed: true });
    const fresh = await svc.raise(ws, draft({ groupKey: 'deploy:shop' }));
    expect(fresh).toMatchObject({ count: 1, status: 'unread' });
    expect(fresh.id).not.toBe(first.id);
    expect(await svc.get(ws, first.id)).toMatchObject({ count: 2, status: 'dismissed' });
  });

  it('a draft with an id that exists changes nothing and returns that entry', async () => {
    const a = await svc.raise(ws, draft({ id: `ntc_batch_${ws}`, groupKey: `batch:${ws}` }));
    const before = rig.events.length;
    rig.clock.advance(MIN);
    expect(await svc.raise(ws, draft({ id: `ntc_batch_${ws}`, groupKey: `batch:${ws}`, title: 'other text' }))).toEqual(a);
    expect(rig.events.length).toBe(before);
  });

  it('list: views by status, filters by severity, source and kind, latest first, keyset pages', async () => {
    const made: Notice[] = [];
    for (const [i, severity, source] of [[0, 'info', 'batch'], [1, 'warning', 'budget'], [2, 'critical', 'budget'], [3, 'info', 'schedule'], [4, 'warning', 'batch']] as const) {
      rig.clock.advance(MIN);
      made.push(await svc.raise(ws, draft({ groupKey: `g${i}`, severity, source, kind: `k${i % 2}`, title: `n${i}` })));
    }
    const titles = async (q: Parameters<typeof query>[0]) => (await svc.list(ws, query(q))).items.map((n) => n.title);
    expect(await titles({})).toEqual(['n4', 'n3', 'n2', 'n1', 'n0']);
    await svc.update(ws, made[0]!.id, { read: true });
    await svc.update(ws, made[1]!.id, { dismissed: true });
    await svc.update(ws, made[2]!.id, { snoozedUntil: new Date(rig.clock.now() + HOUR).toISOString() });
    expect(await titles({})).toEqual(['n4', 'n3', 'n0']);
    expect(await titles({ view: 'unread' })).toEqual(['n4', 'n3']);
    expect(await titles({ view: 'dismissed' })).toEqual(['n1']);
    expect(await titles({ view: 'snoozed' })).toEqual(['n2']);
    expect(await titles({ view: 'all' })).toEqual(['n4', 'n3', 'n2', 'n1', 'n0']);
    expect(await titles({ view: 'all', severity: 'warning' })).toEqual(['n4', 'n1']);
    expect(await titles({ view: 'all', source: 'budget' })).toEqual(['n2', 'n1']);
    expect(await titles({ source: 'batch', kind: 'k0' })).toEqual(['n4', 'n0']);
    expect((await svc.list(ws, query())).unread).toBe(2);

    // Pages of two: every entry once, in order, the last page without a cursor.
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const p = await svc.list(ws, query({ view: 'all', limit: 2, cursor }));
      pages.push(p.items.map((n) => n.title));
      cursor = p.nextCursor ?? undefined;
    } while (cursor);
    expect(pages).toEqual([['n4', 'n3'], ['n2', 'n1'], ['n0']]);
    // Entries with the same instant are ordered by id, and paging does not skip or repeat them.
    const tied: string[] = [];
    for (let i = 0; i < 3; i++) tied.push((await svc.raise(ws, draft({ groupKey: `tie${i}`, source: 'github' }))).id);
    const a = await svc.list(ws, query({ source: 'github', limit: 2 }));
    const b = await svc.list(ws, query({ source: 'github', limit: 2, cursor: a.nextCursor! }));
    expect([...a.items, ...b.items].map((n) => n.id).sort()).toEqual([...tied].sort());
    expect(b.nextCursor).toBeNull();
    await expect(svc.list(ws, query({ cursor: 'not-a-cursor' }))).rejects.toMatchObject({ code: 'bad_request', details: { issues: [{ path: 'query.cursor' }] } });
  });

  it('counts: unread per severity, without read, dismissed, snoozed or resolved entries', async () => {
    expect(await svc.counts(ws)).toEqual({ unread: 0, bySeverity: { info: 0, warning: 0, critical: 0 } });
    const ids: string[] = [];
    for (const [i, severity] of (['info', 'info', 'warning', 'critical', 'critical', 'critical'] as const).entries()) ids.push((await svc.raise(ws, draft({ groupKey: `c${i}`, severity }))).id);
    expect(await svc.counts(ws)).toEqual({ unread: 6, bySeverity: { info: 2, warning: 1, critical: 3 } });
    await svc.update(ws, ids[0]!, { read: true });
    await svc.update(ws, ids[3]!, { dismissed: true });
    await svc.update(ws, ids[4]!, { snoozedUntil: new Date(rig.clock.now() + HOUR).toISOString() });
    await svc.resolveGroup(ws, 'c5', 'cause cleared');
    expect(await svc.counts(ws)).toEqual({ unread: 2, bySeverity: { info: 1, warning: 1, critical: 0 } });
    expect(updates().at(-1)).toMatchObject({ change: 'resolved', ids: [ids[5]], unread: 2 });
  });

  it('read, unread, dismiss, restore: status and times change, each change announced once with the unread count', async () => {
    const n = await svc.raise(ws, draft());
    const at = new Date(rig.clock.now()).toISOString();
    expect(await svc.update(ws, n.id, { read: true })).toMatchObject({ status: 'read', readAt: at });
    expect(await svc.update(ws, n.id, { read: true })).toMatchObject({ status: 'read', readAt: at });
    expect(await svc.update(ws, n.id, { read: false })).toMatchObject({ status: 'unread', readAt: null });
    expect(await svc.update(ws, n.id, { dismissed: true })).toMatchObject({ status: 'dismissed', dismissedAt: at });
    expect(await svc.update(ws, n.id, { dismissed: false })).toMatchObject({ status: 'unread', dismissedAt: null });
    expect(updates().map((u) => [u.change, u.unread])).toEqual([['unread', 1], ['read', 0], ['unread', 1], ['dismissed', 0], ['restored', 1]]);
    // Restored, it takes repeats again.
    expect(await svc.raise(ws, draft())).toMatchObject({ id: n.id, count: 2 });
    // Resolved: its status wins over read and dismissed, and a repeat is a new entry.
    await svc.resolveGroup(ws, n.groupKey, 'the plan was approved');
    expect(await svc.get(ws, n.id)).toMatchObject({ status: 'resolved', resolvedReason: 'the plan was approved' });
    expect(await svc.update(ws, n.id, { read: true })).toMatchObject({ status: 'resolved' });
    expect((await svc.raise(ws, draft())).id).not.toBe(n.id);
    expect(await svc.resolveGroup(ws, 'no-such-group', 'x')).toBeNull();
  });

  it('restoring an entry whose group has a newer open entry keeps the newer one taking repeats', async () => {
    const old = await svc.raise(ws, draft({ groupKey: 'g' }));
    await svc.update(ws, old.id, { dismissed: true });
    const newer = await svc.raise(ws, draft({ groupKey: 'g' }));
    expect(await svc.update(ws, old.id, { dismissed: false })).toMatchObject({ status: 'unread' });
    expect(await svc.raise(ws, draft({ groupKey: 'g' }))).toMatchObject({ id: newer.id, count: 2 });
    expect(await svc.get(ws, old.id)).toMatchObject({ count: 1 });
  });

  it('snooze: hidden as snoozed until the time, then wakeSnoozes() makes it unread again and announces unsnoozed', async () => {
    // Snoozes of earlier tests (all within 30 days) are woken first, so the counts below are this test's.
    rig.clock.advance(MAX_SNOOZE_MS + DAY);
    await svc.wakeSnoozes();
    const n = await svc.raise(ws, draft());
    await svc.update(ws, n.id, { read: true });
    const until = rig.clock.now() + 2 * HOUR;
    expect(await svc.update(ws, n.id, { snoozedUntil: new Date(until).toISOString() })).toMatchObject({ status: 'snoozed', snoozedUntil: new Date(until).toISOString() });
    expect(updates().at(-1)).toEqual({ ids: [n.id], all: false, change: 'snoozed', unread: 0 });
    expect((await svc.list(ws, query())).items).toEqual([]);
    expect((await svc.list(ws, query({ view: 'snoozed' }))).items.map((i) => i.id)).toEqual([n.id]);

    rig.clock.set(until - 1);
    expect(await svc.wakeSnoozes()).toBe(0);
    expect((await svc.get(ws, n.id)).status).toBe('snoozed');
    rig.clock.set(until);
    expect(await svc.wakeSnoozes()).toBe(1);
    expect(await svc.get(ws, n.id)).toMatchObject({ status: 'unread', readAt: null, snoozedUntil: null });
    expect(updates().at(-1)).toEqual({ ids: [n.id], all: false, change: 'unsnoozed', unread: 1 });
    // Woken once: a second pass (another instance's loop) finds nothing.
    expect(await svc.wakeSnoozes()).toBe(0);
    expect(updates().filter((u) => u.change === 'unsnoozed')).toHaveLength(1);
  });

  it('snooze: a dismissed entry is not woken by its old snooze and keeps its read mark', async () => {
    rig.clock.advance(MAX_SNOOZE_MS + DAY);
    await svc.wakeSnoozes();
    const n = await svc.raise(ws, draft());
    await svc.update(ws, n.id, { read: true });
    const until = rig.clock.now() + HOUR;
    await svc.update(ws, n.id, { snoozedUntil: new Date(until).toISOString() });
    await svc.update(ws, n.id, { dismissed: true });
    const before = updates().length;
    rig.clock.set(until);
    expect(await svc.wakeSnoozes()).toBe(0);
    expect(updates()).toHaveLength(before);
    expect(await svc.get(ws, n.id)).toMatchObject({ status: 'dismissed', snoozedUntil: null });
    expect((await svc.update(ws, n.id, { dismissed: false })).status).toBe('read');
  });

  it('snooze: null unsnoozes at once; past, beyond 30 days: 400 naming the field', async () => {
    const n = await svc.raise(ws, draft());
    await svc.update(ws, n.id, { snoozedUntil: new Date(rig.clock.now() + DAY).toISOString() });
    expect(await svc.update(ws, n.id, { snoozedUntil: null })).toMatchObject({ status: 'unread', snoozedUntil: null });
    expect(updates().at(-1)).toMatchObject({ change: 'unsnoozed', ids: [n.id], unread: 1 });
    const field = { code: 'bad_request', status: 400, details: { issues: [{ path: 'body.snoozedUntil' }] } };
    await expect(svc.update(ws, n.id, { snoozedUntil: new Date(rig.clock.now() + MAX_SNOOZE_MS + 1).toISOString() })).rejects.toMatchObject({ ...field, message: expect.stringContaining('30 days') });
    await expect(svc.update(ws, n.id, { snoozedUntil: new Date(rig.clock.now()).toISOString() })).rejects.toMatchObject(field);
    expect((await svc.get(ws, n.id)).snoozedUntil).toBeNull();
    // Exactly 30 days is allowed.
    expect(await svc.update(ws, n.id, { snoozedUntil: new Date(rig.clock.now() + 30 * DAY).toISOString() })).toMatchObject({ status: 'snoozed' });
  });

  it('bulk by ids: counts what changed, ignores ids of another workspace; bulk by filter ("all") announces all', async () => {
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await svc.raise(ws, draft({ groupKey: `b${i}`, severity: i < 2 ? 'info' : 'warning' }))).id);
    const foreign = await svc.raise(rig.other, draft({ groupKey: `foreign-${ws}` }));
    await svc.update(ws, ids[0]!, { read: true });
    expect(await svc.bulk(ws, { ids: [ids[0]!, ids[1]!, ids[1]!, foreign.id], read: true })).toEqual({ updated: 1, unread: 2 });
    expect(updates().at(-1)).toEqual({ ids: [ids[1]], all: false, change: 'read', unread: 2 });
    expect((await svc.get(rig.other, foreign.id)).status).toBe('unread');

    expect(await svc.bulk(ws, { filter: { severity: 'warning' }, dismissed: true })).toEqual({ updated: 2, unread: 0 });
    expect(updates().at(-1)).toEqual({ ids: [], all: true, change: 'dismissed', unread: 0 });
    expect(await svc.bulk(ws, { filter: { view: 'dismissed' }, dismissed: false })).toEqual({ updated: 2, unread: 2 });
    // "Mark all read": every entry of the inbox view, nothing of another workspace.
    expect(await svc.bulk(ws, { read: true })).toEqual({ updated: 2, unread: 0 });
    expect(await svc.counts(ws)).toMatchObject({ unread: 0 });
    expect((await svc.get(rig.other, foreign.id)).status).toBe('unread');
    // Nothing to change: no event.
    const before = updates().length;
    expect(await svc.bulk(ws, { read: true })).toEqual({ updated: 0, unread: 0 });
    expect(updates()).toHaveLength(before);
  });

  it("another workspace's notification is a 404 and appears in no list or count", async () => {
    const mine = await svc.raise(ws, draft());
    const theirs = await rig.workspace();
    await expect(svc.get(theirs, mine.id)).rejects.toMatchObject({ code: 'not_found', status: 404 });
    await expect(svc.update(theirs, mine.id, { read: true })).rejects.toMatchObject({ code: 'not_found', status: 404 });
    expect(await svc.list(theirs, query({ view: 'all' }))).toEqual({ items: [], nextCursor: null, unread: 0 });
    expect((await svc.counts(theirs)).unread).toBe(0);
    expect(await svc.bulk(theirs, { ids: [mine.id], dismissed: true })).toEqual({ updated: 0, unread: 0 });
    expect((await svc.get(ws, mine.id)).status).toBe('unread');
    // The same group key in two workspaces is two entries.
    expect((await svc.raise(theirs, draft())).id).not.toBe(mine.id);
  });

  it("keeper entries: read and dismiss in the center go back to the keeper's row; snoozes, no-op changes and other sources do not", async () => {
    const k = await svc.raise(ws, draft({ source: 'keeper', kind: 'plan_held', id: `kn-${ws}`, ref: `kn-${ws}`, groupKey: `keeper:kn-${ws}` }));
    const plain = await svc.raise(ws, draft());
    await svc.update(ws, k.id, { read: true });
    await svc.update(ws, k.id, { read: true });
    await svc.update(ws, k.id, { snoozedUntil: new Date(rig.clock.now() + HOUR).toISOString() });
    await svc.update(ws, k.id, { dismissed: true });
    await svc.update(ws, plain.id, { dismissed: true });
    expect(rig.keeperCalls).toEqual([
      { workspaceId: ws, id: `kn-${ws}`, patch: { read: true } },
      { workspaceId: ws, id: `kn-${ws}`, patch: { dismissed: true } },
    ]);
    rig.keeperCalls.length = 0;
    await svc.bulk(ws, { ids: [k.id, plain.id], dismissed: false });
    expect(rig.keeperCalls).toEqual([{ workspaceId: ws, id: `kn-${ws}`, patch: { dismissed: false } }]);
    // A change the keeper made itself is mirrored without calling it back.
    rig.keeperCalls.length = 0;
    expect(await svc.mirror(ws, 'keeper', [`kn-${ws}`], 'unread', null)).toBe(1);
    expect(await svc.get(ws, k.id)).toMatchObject({ readAt: null });
    expect(rig.keeperCalls).toEqual([]);
    // The keeper unavailable: the change in the center still holds.
    rig.keeperDown.current = true;
    try {
      expect(await svc.update(ws, k.id, { dismissed: true })).toMatchObject({ status: 'dismissed' });
    } finally {
      rig.keeperDown.current = false;
    }
    expect(rig.keeperCalls).toHaveLength(1);
  });
});
