import { z } from 'zod';
import {
  DEFAULT_KEEPER_SETTINGS, KeeperSettings, type KeeperAction, type KeeperActionStatus, type KeeperLogQuery, type KeeperNotification,
  type KeeperNotificationQuery, type SessionDetail, type SessionKeeperState, type UpdateKeeperNotificationBody, type UpdateKeeperNotificationsBody,
  type UpdateKeeperSettingsBody, type KeeperActionKind,
} from '@autopilot/contracts';
import { iso, type Clock } from '../../platform/clock';
import { cursorCodec } from '../../platform/cursor';
import { AppError, badRequest, notFound } from '../../platform/errors';
import type { EventBus } from '../../platform/events/bus';
import type { Logger } from '../../platform/logger';
import type { KeeperNotificationsTable } from '../../platform/db/schema';
import type { ActionRow, KeeperStore } from './keeper.store';
import type { KeeperMirror } from './keeper.mirror';
import { toKeeperActivity } from './keeper.mirror';

export interface KeeperServiceDeps {
  store: KeeperStore;
  mirror: KeeperMirror;
  clock: Clock;
  log: Logger;
  /** Where `notification.updated` goes (read, dismissed); optional for tests of the settings alone. */
  bus?: EventBus;
}

/** A notification row as the API shows it. */
export const toNotification = (r: KeeperNotificationsTable): KeeperNotification => {
  const t = (v: number | null | undefined) => (v === null || v === undefined ? null : iso(Number(v)));
  const status = r.dismissed_at != null ? 'dismissed' : r.resolved_at != null ? 'resolved' : r.read_at != null ? 'read' : 'unread';
  return {
    id: r.id, sessionId: r.session_id, sessionTitle: r.session_title ?? null, kind: r.kind, title: r.title, body: r.body, createdAt: iso(Number(r.created_at)),
    status, readAt: t(r.read_at), dismissedAt: t(r.dismissed_at), resolvedAt: t(r.resolved_at), resolvedReason: r.resolved_reason ?? null,
  };
};

/** Kinds whose ledger row carries a message the keeper sent to the agent. */
const MESSAGE_KINDS = new Set(['answer', 'nudge', 'heal', 'continue', 'ci_fix', 'review_fix', 'rebase', 'relay']);
/** Jules' clock and ours may differ a little: a message activity may be stamped this much before our claim. */
const SKEW_MS = 5_000;

/** The activity a ledger trigger names (`question:<id>`, `quiet:<id>#2`, `failed:<id>`, `completed:<id>`), if any. */
export function anchorOf(trigger: string): string | null {
  const m = /^(?:question|failed|completed|plan|replied|done|stall):(.+)$/.exec(trigger) ?? /^quiet:(.+)#\d+$/.exec(trigger);
  return m && !/^t\d+$/.test(m[1]!) ? m[1]! : null;
}

/**
 * Which userMessaged activities are the keeper's: each sent message row, oldest first, takes the first activity not
 * yet taken with exactly its text that arrived after the activity that made the keeper act (its trigger), in the
 * mirror's arrival order, so no clock is compared; without such an anchor, at or after its claim less a small skew.
 * One to one, so the same text sent again later by a person stays a person's.
 */
export function matchKeeperMessages(
  rows: ReadonlyArray<Pick<ActionRow, 'id' | 'kind' | 'status' | 'message' | 'created_at' | 'trigger'>>,
  activities: ReadonlyArray<{ id: string; kind: string; text: string | null; createTimeMs: number }>,
): Array<{ activityId: string; actionId: string; kind: KeeperActionKind }> {
  const sent = rows
    .filter((r) => MESSAGE_KINDS.has(r.kind) && (r.status === 'sent' || r.status === 'pending') && r.message)
    .sort((a, b) => Number(a.created_at) - Number(b.created_at));
  // `activities` is in arrival order (oldest first).
  const index = new Map(activities.map((a, i) => [a.id, i]));
  const taken = new Set<string>();
  const out: Array<{ activityId: string; actionId: string; kind: KeeperActionKind }> = [];
  for (const r of sent) {
    const text = r.message!.trim();
    const anchor = anchorOf(r.trigger);
    const from = anchor !== null && index.has(anchor) ? index.get(anchor)! + 1 : -1;
    const hit = activities.find(
      (a, i) =>
        a.kind === 'userMessaged' && !taken.has(a.id) && a.text !== null && a.text.trim() === text &&
        (from >= 0 ? i >= from : a.createTimeMs >= Number(r.created_at) - SKEW_MS),
    );
    if (!hit) continue;
    taken.add(hit.id);
    out.push({ activityId: hit.id, actionId: r.id, kind: r.kind as KeeperActionKind });
  }
  return out;
}

/** Ledger and notification pages continue after (created_at, id). */
const cursor = cursorCodec(z.object({ t: z.number(), i: z.string() }));

/** A ledger row as the API shows it. */
export const toAction = (r: ActionRow): KeeperAction => ({
  id: r.id,
  sessionId: r.session_id,
  sessionTitle: r.session_title ?? null,
  kind: r.kind as KeeperActionKind,
  trigger: r.trigger,
  status: r.status as KeeperActionStatus,
  reason: r.reason,
  message: r.message,
  error: r.error,
  createdAt: iso(Number(r.created_at)),
  settledAt: r.settled_at === null ? null : iso(Number(r.settled_at)),
});

/** Deep-merges a settings patch (objects merge, arrays and scalars replace). */
function merge(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return base;
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch) || base === null || typeof base !== 'object' || Array.isArray(base)) return patch;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) out[k] = merge(out[k], v);
  return out;
}

/** Settings, logs, per-session keeper state and notifications: the keeper's API side. */
export function createKeeperService(deps: KeeperServiceDeps) {
  const { store, clock } = deps;

  async function getSettings(workspaceId: string): Promise<KeeperSettings> {
    const raw = await store.getSettings(workspaceId);
    if (!raw) return structuredClone(DEFAULT_KEEPER_SETTINGS);
    // Defaults first, so fields added in later versions get their default instead of failing validation.
    const parsed = KeeperSettings.safeParse(merge(structuredClone(DEFAULT_KEEPER_SETTINGS), JSON.parse(raw)));
    if (parsed.success) return parsed.data;
    deps.log.warn({ workspaceId, issues: parsed.error.issues.length }, 'stored keeper settings are invalid; using the defaults');
    return structuredClone(DEFAULT_KEEPER_SETTINGS);
  }

  async function linksOf(workspaceId: string, sessionId: string): Promise<SessionKeeperState['links']> {
    return (await store.links(workspaceId, sessionId)).map((l) => ({
      relation: l.from_session_id === sessionId ? ('recovered_as' as const) : ('recovered_from' as const),
      sessionId: l.from_session_id === sessionId ? l.to_session_id : l.from_session_id,
      actionId: l.action_id,
      reason: l.reason,
      at: iso(Number(l.created_at)),
    }));
  }

  /** The keeper's messages among the session's activities (read only when the ledger holds a sent message). */
  async function keeperMessages(workspaceId: string, s: SessionDetail, rows: ActionRow[]): Promise<SessionKeeperState['messages']> {
    if (!rows.some((r) => MESSAGE_KINDS.has(r.kind) && r.message)) return [];
    const acts = (await deps.mirror.recentActivities(workspaceId, s, Math.min(s.activityCount, 2000))).map(toKeeperActivity);
    return matchKeeperMessages(rows, acts);
  }

  /**
   * A session gone from the workspace (deleted on Jules, or removed here): what the ledger and the notifications
   * still know. Unknown to both = 404, as for any id that never was in this workspace.
   */
  async function goneState(workspaceId: string, sessionId: string): Promise<SessionKeeperState> {
    const rows = (await store.history(workspaceId, [sessionId])).sort((a, b) => Number(b.created_at) - Number(a.created_at));
    const notes = await store.sessionNotifications(workspaceId, sessionId, 20);
    if (rows.length === 0 && notes.length === 0) throw notFound('Session', sessionId);
    const title = rows.find((r) => r.session_title)?.session_title ?? notes.find((n) => n.session_title)?.session_title ?? null;
    const source = rows.find((r) => r.session_source)?.session_source ?? notes.find((n) => n.session_source)?.session_source ?? null;
    const counted = (k: string) => rows.filter((r) => r.kind === k && r.status === 'sent').length;
    return {
      sessionId, paused: false, stuck: false, stuckReason: null,
      nudges: counted('nudge'), answers: counted('answer'), heals: counted('heal'), continues: counted('continue'),
      lastDecision: null, actions: rows.slice(0, 100).map(toAction), links: await linksOf(workspaceId, sessionId), gone: true, title, source, messages: [],
    };
  }

  async function unread(workspaceId: string): Promise<number> {
    return store.unreadCount(workspaceId);
  }

  return {
    getSettings,

    /** Merges the patch into the current settings and validates the result as a whole. */
    async updateSettings(workspaceId: string, patch: UpdateKeeperSettingsBody): Promise<KeeperSettings> {
      const next = KeeperSettings.safeParse(merge(await getSettings(workspaceId), patch));
      if (!next.success) {
        throw badRequest('Invalid keeper settings', next.error.issues.map((i) => ({ path: `body.${i.path.join('.')}`, message: i.message, code: i.code })));
      }
      const s = next.data;
      const sources = s.approval.perSource.map((p) => p.source.replace(/^sources\//, ''));
      const dup = sources.find((x, i) => sources.indexOf(x) !== i);
      if (dup) throw badRequest('Invalid keeper settings', [{ path: 'body.approval.perSource', message: `source ${dup} is listed twice` }]);
      await store.putSettings(workspaceId, JSON.stringify(s), iso(clock.now()));
      deps.log.info({ workspaceId }, 'keeper settings updated');
      return s;
    },

    async logs(workspaceId: string, q: KeeperLogQuery): Promise<{ items: KeeperAction[]; nextCursor: string | null }> {
      const after = cursor.decode(q.cursor);
      const rows = await store.log(
        workspaceId,
        { sessionId: q.sessionId, kind: q.action, status: q.status, fromMs: q.from ? Date.parse(q.from) : undefined, toMs: q.to ? Date.parse(q.to) : undefined },
        q.limit + 1,
        after,
      );
      const items = rows.slice(0, q.limit).map(toAction);
      const last = rows[q.limit - 1];
      // Entries written before titles were kept get the session's current title: one read for the whole page.
      const untitled = [...new Set(items.filter((a) => a.sessionTitle === null).map((a) => a.sessionId))];
      if (untitled.length) {
        const titles = new Map((await deps.mirror.summaries(workspaceId, untitled)).map((x) => [x.id, x.title || x.prompt.slice(0, 80)]));
        for (const a of items) if (a.sessionTitle === null) a.sessionTitle = titles.get(a.sessionId) ?? null;
      }
      return { items, nextCursor: rows.length > q.limit && last ? cursor.encode({ t: Number(last.created_at), i: last.id }) : null };
    },

    /** The keeper's view of one session: paused, stuck, counters and its newest ledger entries. */
    async sessionState(workspaceId: string, sessionId: string): Promise<SessionKeeperState> {
      let s: SessionDetail | null = null;
      try {
        s = await deps.mirror.detail(workspaceId, sessionId);
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'not_found')) throw err;
      }
      if (!s || s.deleted) return goneState(workspaceId, sessionId);
      const rows = (await store.history(workspaceId, [sessionId])).sort((a, b) => Number(b.created_at) - Number(a.created_at));
      const state = await store.sessionState(workspaceId, sessionId);
      const paused = state?.paused === 1;
      const counted = (k: string) => rows.filter((r) => r.kind === k && (r.status === 'sent' || r.status === 'pending')).length;
      const stuckRow = rows.find((r) => r.kind === 'stuck');
      const lastAct = s.lastActivityAt ? Date.parse(s.lastActivityAt) : 0;
      // Stuck until the session moves again: a newer activity or a state other than IN_PROGRESS clears it.
      const stuck = !!stuckRow && s.state === 'IN_PROGRESS' && Number(stuckRow.created_at) >= lastAct;
      return {
        sessionId,
        paused,
        stuck,
        stuckReason: stuck ? stuckRow!.reason : null,
        nudges: counted('nudge'),
        answers: counted('answer'),
        heals: counted('heal'),
        continues: counted('continue'),
        lastDecision:
          state?.last_decision && state.last_reason && state.last_decided_at !== null
            ? { action: state.last_decision, reason: state.last_reason, at: iso(Number(state.last_decided_at)) }
            : null,
        actions: rows.slice(0, 100).map(toAction),
        links: await linksOf(workspaceId, s.id),
        gone: false,
        title: s.title || s.prompt.slice(0, 80),
        source: s.source,
        messages: await keeperMessages(workspaceId, s, rows),
      };
    },

    /** Pauses or resumes the keeper for one session (the session must be in this workspace). */
    async setPaused(workspaceId: string, sessionId: string, paused: boolean): Promise<SessionKeeperState> {
      await deps.mirror.detail(workspaceId, sessionId);
      await store.setPaused(workspaceId, sessionId, paused, clock.now());
      deps.log.info({ workspaceId, sessionId, paused }, paused ? 'keeper paused for a session' : 'keeper resumed for a session');
      return this.sessionState(workspaceId, sessionId);
    },

    async notifications(
      workspaceId: string,
      q: Partial<Pick<KeeperNotificationQuery, 'status' | 'sessionId'>> & { limit: number; cursor?: string },
    ): Promise<{ items: KeeperNotification[]; nextCursor: string | null; unread: number }> {
      const rows = await store.notifications(workspaceId, q.limit + 1, cursor.decode(q.cursor), { status: q.status ?? 'open', sessionId: q.sessionId });
      const items = rows.slice(0, q.limit);
      const last = items.at(-1);
      return {
        items: items.map(toNotification),
        nextCursor: rows.length > q.limit && last ? cursor.encode({ t: Number(last.created_at), i: last.id }) : null,
        unread: await unread(workspaceId),
      };
    },

    /** Read/unread, dismissed/restored: one notification, shared by the whole workspace. */
    async updateNotification(workspaceId: string, id: string, patch: UpdateKeeperNotificationBody): Promise<KeeperNotification> {
      const before = await store.notification(workspaceId, id);
      if (!before) throw notFound('Notification', id);
      await store.setNotification(workspaceId, id, patch, clock.now());
      const after = (await store.notification(workspaceId, id))!;
      const changes: Array<'read' | 'unread' | 'dismissed' | 'restored'> = [];
      if (patch.read !== undefined && (before.read_at == null) === patch.read) changes.push(patch.read ? 'read' : 'unread');
      if (patch.dismissed !== undefined && (before.dismissed_at == null) === patch.dismissed) changes.push(patch.dismissed ? 'dismissed' : 'restored');
      for (const change of changes) await deps.bus?.publish('notification.updated', workspaceId, { ids: [id], all: false, change, reason: null });
      return toNotification(after);
    },

    /** Marks every notification read, or dismisses them all. */
    async updateNotifications(workspaceId: string, body: UpdateKeeperNotificationsBody): Promise<{ updated: number; unread: number }> {
      let updated = 0;
      for (const what of ['read', 'dismissed'] as const) {
        if (!body[what]) continue;
        const n = await store.setAllNotifications(workspaceId, what, clock.now());
        updated = Math.max(updated, n);
        if (n > 0) await deps.bus?.publish('notification.updated', workspaceId, { ids: [], all: true, change: what, reason: null });
      }
      deps.log.info({ workspaceId, ...body, updated }, 'notifications updated');
      return { updated, unread: await unread(workspaceId) };
    },
  };
}
export type KeeperService = ReturnType<typeof createKeeperService>;
