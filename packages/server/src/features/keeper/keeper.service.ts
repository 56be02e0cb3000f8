import { z } from 'zod';
import {
  DEFAULT_KEEPER_SETTINGS, KeeperSettings, type KeeperAction, type KeeperActionStatus, type KeeperLogQuery, type KeeperNotification,
  type SessionKeeperState, type UpdateKeeperSettingsBody, type KeeperActionKind,
} from '@autopilot/contracts';
import { iso, type Clock } from '../../platform/clock';
import { cursorCodec } from '../../platform/cursor';
import { badRequest } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { ActionRow, KeeperStore } from './keeper.store';
import type { KeeperMirror } from './keeper.mirror';

export interface KeeperServiceDeps {
  store: KeeperStore;
  mirror: KeeperMirror;
  clock: Clock;
  log: Logger;
}

/** Ledger and notification pages continue after (created_at, id). */
const cursor = cursorCodec(z.object({ t: z.number(), i: z.string() }));

/** A ledger row as the API shows it. */
export const toAction = (r: ActionRow): KeeperAction => ({
  id: r.id,
  sessionId: r.session_id,
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
      const items = rows.slice(0, q.limit);
      const last = items.at(-1);
      return { items: items.map(toAction), nextCursor: rows.length > q.limit && last ? cursor.encode({ t: Number(last.created_at), i: last.id }) : null };
    },

    /** The keeper's view of one session: paused, stuck, counters and its newest ledger entries. */
    async sessionState(workspaceId: string, sessionId: string): Promise<SessionKeeperState> {
      const s = await deps.mirror.detail(workspaceId, sessionId); // 404 when not in this workspace
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
        links: (await store.links(workspaceId, s.id)).map((l) => ({
          relation: l.from_session_id === s.id ? ('recovered_as' as const) : ('recovered_from' as const),
          sessionId: l.from_session_id === s.id ? l.to_session_id : l.from_session_id,
          actionId: l.action_id,
          reason: l.reason,
          at: iso(Number(l.created_at)),
        })),
      };
    },

    /** Pauses or resumes the keeper for one session (the session must be in this workspace). */
    async setPaused(workspaceId: string, sessionId: string, paused: boolean): Promise<SessionKeeperState> {
      await deps.mirror.detail(workspaceId, sessionId);
      await store.setPaused(workspaceId, sessionId, paused, clock.now());
      deps.log.info({ workspaceId, sessionId, paused }, paused ? 'keeper paused for a session' : 'keeper resumed for a session');
      return this.sessionState(workspaceId, sessionId);
    },

    async notifications(workspaceId: string, q: { limit: number; cursor?: string }): Promise<{ items: KeeperNotification[]; nextCursor: string | null }> {
      const rows = await store.notifications(workspaceId, q.limit + 1, cursor.decode(q.cursor));
      const items = rows.slice(0, q.limit);
      const last = items.at(-1);
      return {
        items: items.map((r) => ({ id: r.id, sessionId: r.session_id, kind: r.kind, title: r.title, body: r.body, createdAt: iso(Number(r.created_at)) })),
        nextCursor: rows.length > q.limit && last ? cursor.encode({ t: Number(last.created_at), i: last.id }) : null,
      };
    },
  };
}
export type KeeperService = ReturnType<typeof createKeeperService>;
