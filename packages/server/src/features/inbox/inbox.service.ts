import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { BulkNoticeBody, BulkNoticeResult, Notice, NoticeCounts, NoticeLink, NoticePage, NoticeQuery, NoticeStatus, UpdateNoticeBody } from '@autopilot/contracts';
import { iso, type Clock } from '../../platform/clock';
import { cursorCodec } from '../../platform/cursor';
import { badRequest, notFound } from '../../platform/errors';
import type { EventBus } from '../../platform/events/bus';
import type { Logger } from '../../platform/logger';
import type { InboxStore, NoticeFilter, NoticeRow } from './inbox.store';
import type { InboxService, KeeperNotificationPort, NoticeDraft } from './inbox.types';

const DAY = 86_400_000;
/** The longest snooze: 30 days. */
export const MAX_SNOOZE_MS = 30 * DAY;
const cursor = cursorCodec(z.object({ t: z.number(), i: z.string() }));
type Change = 'read' | 'unread' | 'dismissed' | 'restored' | 'snoozed' | 'unsnoozed' | 'resolved';

export interface InboxServiceDeps {
  store: InboxStore;
  clock: Clock;
  log: Logger;
  bus: EventBus;
  keeper: KeeperNotificationPort;
}

/** What the center adds to the public service: the source-side changes (sources and the snooze loop use them). */
export interface InboxServiceImpl extends InboxService {
  /** Mirrors a change the source made on its own rows (keeper `notification.updated`) without calling it back. */
  mirror(workspaceId: string, source: 'keeper', refs: string[] | 'all', change: 'read' | 'unread' | 'dismissed' | 'restored' | 'resolved', reason: string | null): Promise<number>;
  /** Resolves the open entry of a group (a breaker closed). */
  resolveGroup(workspaceId: string, groupKey: string, reason: string): Promise<Notice | null>;
  /** Wakes every due snooze: unread again, `inbox.updated` unsnoozed. Returns how many this call woke. */
  wakeSnoozes(): Promise<number>;
}

/** Status as the contract states it: resolved > dismissed > snoozed (until a future time) > read > unread. */
export function statusOf(r: Pick<NoticeRow, 'resolved_at' | 'dismissed_at' | 'snoozed_until' | 'read_at'>, now: number): NoticeStatus {
  if (r.resolved_at) return 'resolved';
  if (r.dismissed_at) return 'dismissed';
  if (r.snoozed_until != null && Number(r.snoozed_until) > now) return 'snoozed';
  return r.read_at ? 'read' : 'unread';
}

export function toNotice(r: NoticeRow, now: number): Notice {
  return {
    id: r.id,
    source: r.source as Notice['source'],
    kind: r.kind,
    severity: r.severity as Notice['severity'],
    title: r.title,
    body: r.body,
    sessionId: r.session_id,
    repo: r.repo,
    links: JSON.parse(r.links) as NoticeLink[],
    groupKey: r.group_key,
    count: Number(r.count),
    status: statusOf(r, now),
    firstAt: r.first_at,
    lastAt: r.last_at,
    readAt: r.read_at,
    dismissedAt: r.dismissed_at,
    snoozedUntil: r.snoozed_until == null ? null : iso(Number(r.snoozed_until)),
    resolvedAt: r.resolved_at,
    resolvedReason: r.resolved_reason,
  };
}

/** The default group of a draft: the same thing about the same session (or repository) is one entry. */
export const groupKeyOf = (d: NoticeDraft) => d.groupKey ?? `${d.source}:${d.kind}:${d.sessionId ?? d.repo ?? ''}`;

/** The notification center's rules: grouping, views, read / dismiss / snooze, and changes going back to the keeper. */
export function createInboxService(deps: InboxServiceDeps): InboxServiceImpl {
  const { store, clock, log, bus } = deps;

  const unread = async (workspaceId: string) => Object.values(await store.unreadBySeverity(workspaceId, clock.now())).reduce((a, b) => a + b, 0);
  const announce = async (workspaceId: string, change: Change, ids: string[], all = false) => {
    if (!all && ids.length === 0) return;
    await bus.publish('inbox.updated', workspaceId, { ids: all ? [] : ids, all, change, unread: await unread(workspaceId) });
  };
  const mustGet = async (workspaceId: string, id: string) => {
    const r = await store.get(workspaceId, id);
    if (!r) throw notFound('Notification', id);
    return r;
  };
  const publishRaised = (workspaceId: string, n: Notice) =>
    bus.publish('inbox.raised', workspaceId, { id: n.id, source: n.source, kind: n.kind, severity: n.severity, title: n.title, body: n.body, sessionId: n.sessionId, repo: n.repo, count: n.count, links: n.links });

  /** Read / dismissed changes on a keeper entry go back to the keeper's row (its event then finds nothing to change). */
  const toSource = async (workspaceId: string, rows: Array<{ source: string; ref: string | null }>, patch: { read?: boolean; dismissed?: boolean }) => {
    for (const r of rows) {
      if (r.source !== 'keeper' || !r.ref) continue;
      try {
        await deps.keeper.updateNotification(workspaceId, r.ref, patch);
      } catch (err) {
        log.warn({ err, workspaceId, ref: r.ref }, 'could not pass a notification change back to the keeper');
      }
    }
  };

  /** Applies read / dismissed to `ids`; returns the ids each change touched. */
  const applyFlags = async (workspaceId: string, ids: string[], body: { read?: boolean; dismissed?: boolean }) => {
    const at = iso(clock.now());
    const out: Array<[Change, string[]]> = [];
    if (body.read === true) out.push(['read', await store.set(workspaceId, ids, { read_at: at }, (eb) => eb('read_at', 'is', null))]);
    if (body.read === false) out.push(['unread', await store.set(workspaceId, ids, { read_at: null }, (eb) => eb('read_at', 'is not', null))]);
    if (body.dismissed === true) out.push(['dismissed', await store.set(workspaceId, ids, { dismissed_at: at, open_group: null }, (eb) => eb('dismissed_at', 'is', null))]);
    if (body.dismissed === false) {
      const restored = await store.set(workspaceId, ids, { dismissed_at: null }, (eb) => eb('dismissed_at', 'is not', null));
      for (const id of restored) await reopen(workspaceId, id);
      out.push(['restored', restored]);
    }
    return out;
  };

  /** A restored, unresolved entry takes repeats again, unless a newer entry of its group is open. */
  const reopen = async (workspaceId: string, id: string) => {
    const r = await store.get(workspaceId, id);
    if (!r || r.resolved_at || r.dismissed_at || r.open_group) return;
    if (await store.open(workspaceId, r.group_key)) return;
    try {
      await store.set(workspaceId, [id], { open_group: r.group_key });
    } catch {
      // A concurrent raise opened the group first: this entry stays closed to repeats.
    }
  };

  const service: InboxServiceImpl = {
    async raise(workspaceId, draft) {
      const now = clock.now();
      const key = groupKeyOf(draft);
      const text = { title: draft.title.slice(0, 500), body: (draft.body ?? '').slice(0, 4000), severity: draft.severity, links: JSON.stringify(draft.links ?? []), last_at: iso(now), last_ms: now };
      for (let attempt = 0; attempt < 3; attempt++) {
        if (draft.id) {
          const same = await store.get(workspaceId, draft.id);
          if (same) return toNotice(same, now);
        }
        const open = await store.open(workspaceId, key);
        if (open) {
          await store.repeat(workspaceId, open.id, text);
          const n = toNotice((await store.get(workspaceId, open.id))!, now);
          await publishRaised(workspaceId, n);
          await announce(workspaceId, 'unread', [n.id]);
          return n;
        }
        const row: NoticeRow = {
          id: draft.id ?? `ntc_${randomUUID()}`,
          workspace_id: workspaceId,
          source: draft.source,
          kind: draft.kind,
          session_id: draft.sessionId ?? null,
          repo: draft.repo ?? null,
          group_key: key,
          open_group: key,
          ref: draft.ref ?? null,
          count: 1,
          first_at: iso(now),
          read_at: null,
          dismissed_at: null,
          snoozed_until: null,
          resolved_at: null,
          resolved_reason: null,
          ...text,
        };
        if (await store.insert(row)) {
          const n = toNotice(row, now);
          await publishRaised(workspaceId, n);
          await announce(workspaceId, 'unread', [n.id]);
          return n;
        }
        // Lost a race for the id or the open group: the next pass finds the winner's row.
      }
      throw new Error(`inbox: could not raise ${key}`);
    },

    async list(workspaceId, q: NoticeQuery): Promise<NoticePage> {
      const now = clock.now();
      const rows = await store.page(workspaceId, q, q.limit + 1, now, cursor.decode(q.cursor));
      const items = rows.slice(0, q.limit);
      const last = items.at(-1);
      return {
        items: items.map((r) => toNotice(r, now)),
        nextCursor: rows.length > q.limit && last ? cursor.encode({ t: Number(last.last_ms), i: last.id }) : null,
        unread: await unread(workspaceId),
      };
    },

    async counts(workspaceId): Promise<NoticeCounts> {
      const by = await store.unreadBySeverity(workspaceId, clock.now());
      const bySeverity = { info: by.info ?? 0, warning: by.warning ?? 0, critical: by.critical ?? 0 };
      return { unread: bySeverity.info + bySeverity.warning + bySeverity.critical, bySeverity };
    },

    get: async (workspaceId, id) => toNotice(await mustGet(workspaceId, id), clock.now()),

    async update(workspaceId, id, body: UpdateNoticeBody) {
      const before = await mustGet(workspaceId, id);
      const now = clock.now();
      let until: number | null | undefined;
      if (body.snoozedUntil !== undefined && body.snoozedUntil !== null) {
        until = Date.parse(body.snoozedUntil);
        if (!(until > now)) throw badRequest('snoozedUntil must be in the future', { field: 'snoozedUntil' });
        if (until - now > MAX_SNOOZE_MS) throw badRequest('snoozedUntil must be within 30 days', { field: 'snoozedUntil' });
      } else if (body.snoozedUntil === null) until = null;
      const changes = await applyFlags(workspaceId, [id], body);
      if (until !== undefined) {
        const wasSnoozed = before.snoozed_until != null && Number(before.snoozed_until) > now;
        await store.set(workspaceId, [id], { snoozed_until: until });
        if (until !== null) changes.push(['snoozed', [id]]);
        else if (wasSnoozed) changes.push(['unsnoozed', [id]]);
      }
      for (const [change, ids] of changes) await announce(workspaceId, change, ids);
      const flags = { ...(body.read !== undefined ? { read: body.read } : {}), ...(body.dismissed !== undefined ? { dismissed: body.dismissed } : {}) };
      if (changes.some(([c, ids]) => ids.length && c !== 'snoozed' && c !== 'unsnoozed')) await toSource(workspaceId, [before], flags);
      return toNotice((await store.get(workspaceId, id))!, clock.now());
    },

    async bulk(workspaceId, body: BulkNoticeBody): Promise<BulkNoticeResult> {
      const byFilter = !body.ids;
      const rows = body.ids ? await store.refsOf(workspaceId, [...new Set(body.ids)]) : await store.matching(workspaceId, (body.filter ?? {}) as NoticeFilter, clock.now());
      const changes = await applyFlags(workspaceId, rows.map((r) => r.id), body);
      const touched = new Set(changes.flatMap(([, ids]) => ids));
      for (const [change, ids] of changes) if (ids.length) await announce(workspaceId, change, ids, byFilter);
      const flags = { ...(body.read !== undefined ? { read: body.read } : {}), ...(body.dismissed !== undefined ? { dismissed: body.dismissed } : {}) };
      await toSource(workspaceId, rows.filter((r) => touched.has(r.id)), flags);
      log.info({ workspaceId, updated: touched.size, byFilter }, 'notifications updated in bulk');
      return { updated: touched.size, unread: await unread(workspaceId) };
    },

    async mirror(workspaceId, source, refs, change, reason) {
      const rows = await store.byRefs(workspaceId, source, refs);
      const ids = rows.map((r) => r.id);
      const at = iso(clock.now());
      let changed: string[];
      if (change === 'resolved') changed = await store.set(workspaceId, ids, { resolved_at: at, resolved_reason: reason, open_group: null }, (eb) => eb('resolved_at', 'is', null));
      else changed = (await applyFlags(workspaceId, ids, change === 'read' || change === 'unread' ? { read: change === 'read' } : { dismissed: change === 'dismissed' }))[0]![1];
      await announce(workspaceId, change, changed, refs === 'all' && changed.length > 0);
      return changed.length;
    },

    async resolveGroup(workspaceId, groupKey, reason) {
      const open = await store.open(workspaceId, groupKey);
      if (!open) return null;
      const changed = await store.set(workspaceId, [open.id], { resolved_at: iso(clock.now()), resolved_reason: reason, open_group: null }, (eb) => eb('resolved_at', 'is', null));
      await announce(workspaceId, 'resolved', changed);
      return toNotice((await store.get(workspaceId, open.id))!, clock.now());
    },

    async wakeSnoozes() {
      const due = await store.dueSnoozes(clock.now());
      const woken = new Map<string, string[]>();
      for (const r of due) {
        // A dismissed or resolved entry does not come back by its old snooze (nor lose its read mark).
        if (r.dismissed_at || r.resolved_at) {
          await store.dropSnooze(r.workspace_id, r.id, Number(r.snoozed_until));
          continue;
        }
        if (await store.wake(r.workspace_id, r.id, Number(r.snoozed_until))) woken.set(r.workspace_id, [...(woken.get(r.workspace_id) ?? []), r.id]);
      }
      for (const [ws, ids] of woken) await announce(ws, 'unsnoozed', ids);
      return [...woken.values()].reduce((a, ids) => a + ids.length, 0);
    },
  };
  return service;
}
