import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../platform/db';
import type { KeeperActionKind } from '@autopilot/contracts';
import { checkReply } from './keeper.guard';
import { raise, type LedgerDeps } from './keeper.ledger';
import type { ActionRow } from './keeper.store';
import type { NotificationDraft } from './keeper.types';

/**
 * Actions other features take on a session through the keeper's ledger (issue #14: the GitHub loop). Same ledger,
 * same guarantees as the keeper's own: one row per (session, kind, trigger) claimed *before* the effect, the
 * message stored in the row before it is sent, settled sent/failed, a `keeper.action` event, a reason. A crash
 * leaves the row pending; the keeper's reconcile settles it from evidence (message kinds: the exact text among
 * the session's activities) or marks it failed when nothing was stored yet; the caller's next pass re-claims a
 * failed row (same trigger), so its effect must be idempotent (merge: "already merged" is success; redispatch:
 * the dispatcher's idempotency key; archive: "already archived").
 */
export type ExternalKind = Extract<KeeperActionKind, 'ci_fix' | 'review_fix' | 'rebase' | 'merge' | 'redispatch' | 'archive' | 'escalate' | 'relay'>;

/** Kinds whose effect is a message to the session on Jules. */
const MESSAGE_KINDS: ReadonlySet<ExternalKind> = new Set(['ci_fix', 'review_fix', 'rebase', 'relay']);
/** A failed row may be re-claimed after this long, at most MAX_ATTEMPTS times in all (as the keeper's own). */
const RETRY_AFTER_MS = 30_000;
const MAX_ATTEMPTS = 3;

export interface ExternalAction {
  sessionId: string;
  kind: ExternalKind;
  /** With session and kind, the ledger key: what caused it, e.g. `pr:acme/shop#12@<sha>`. */
  trigger: string;
  reason: string;
  /**
   * Message kinds: the text to send (checked like every keeper message: length, keys, approval language,
   * destructive commands, text aimed at a model); when refused, `fallback` is sent instead (it must pass too).
   */
  message?: { text: string; fallback: string };
  /** merge / redispatch / archive: the effect, idempotent; what it returns is stored as the row's message. */
  effect?: (actionId: string) => Promise<string | void>;
  /** Raised after the row is settled sent or recorded. */
  notify?: NotificationDraft;
  /** Checked right before the effect: false = not sent (e.g. the caller lost its lease). */
  mayAct?: () => Promise<boolean>;
}

export interface ExternalOutcome {
  /** exists = the key was already taken (sent, recorded, pending elsewhere, or failed too recently/too often). */
  outcome: 'sent' | 'failed' | 'recorded' | 'exists' | 'skipped';
  actionId: string | null;
  /** exists: the row's status; skipped/failed: why. */
  status?: string;
  error?: string;
  /** The text actually sent (message kinds). */
  sent?: string;
}

export interface ExternalDeps extends Pick<LedgerDeps, 'store' | 'mirror' | 'bus' | 'clock' | 'log' | 'instanceId' | 'actions'> {
  db: Db;
  knownSecrets?: () => readonly string[];
}

export function createExternalActions(deps: ExternalDeps) {
  const k = deps.db.kysely;

  async function act(workspaceId: string, a: ExternalAction): Promise<ExternalOutcome> {
    const now = deps.clock.now();
    const prev = await deps.store.find(a.sessionId, a.kind, a.trigger);
    if (prev && prev.workspace_id !== workspaceId) return { outcome: 'skipped', actionId: null, error: 'not a session of this workspace' };
    if (prev && (prev.status !== 'failed' || Number(prev.attempts) >= MAX_ATTEMPTS || now - Number(prev.settled_at ?? prev.created_at) < RETRY_AFTER_MS)) {
      return { outcome: 'exists', actionId: prev.id, status: prev.status };
    }
    if (await deps.store.isPaused(workspaceId, a.sessionId)) return { outcome: 'skipped', actionId: null, error: 'the keeper is paused for this session' };
    let s;
    try {
      s = await deps.mirror.detail(workspaceId, a.sessionId);
    } catch {
      return { outcome: 'skipped', actionId: null, error: 'the session is not in this workspace' };
    }
    const isMessage = MESSAGE_KINDS.has(a.kind);
    const calls = isMessage || !!a.effect;
    if (isMessage && !a.message) throw new Error(`${a.kind} needs a message`);
    let text: string | null = null;
    if (isMessage && a.message) {
      const secrets = deps.knownSecrets?.() ?? [];
      const check = checkReply(a.message.text, secrets);
      text = check.ok ? a.message.text : a.message.fallback;
      if (!check.ok) {
        deps.log.warn({ sessionId: a.sessionId, action: a.kind, refused: check.reason }, 'message replaced by its safe fallback');
        const again = checkReply(text, secrets);
        if (!again.ok) return { outcome: 'skipped', actionId: null, error: `neither the message nor its fallback passed the reply check (${again.reason})` };
      }
    }
    const row: ActionRow = {
      id: randomUUID(), workspace_id: workspaceId, session_id: a.sessionId, kind: a.kind, trigger: a.trigger, status: calls ? 'pending' : 'recorded',
      reason: a.reason.slice(0, 2000), message: text, error: null, attempts: (prev ? Number(prev.attempts) : 0) + 1, holder: deps.instanceId,
      created_at: now, settled_at: calls ? null : now, session_title: s.title.slice(0, 2000), session_source: s.source,
    };
    const claimed = await deps.store.claim(row);
    if (!claimed) {
      const other = await deps.store.find(a.sessionId, a.kind, a.trigger);
      return { outcome: 'exists', actionId: other?.id ?? null, status: other?.status ?? 'pending' };
    }
    row.id = claimed;
    let outcome: 'sent' | 'failed' | 'recorded' = 'recorded';
    if (calls) {
      try {
        if (a.mayAct && !(await a.mayAct())) throw new Error('not sent: this instance may no longer act (lease lost)');
        if (isMessage && text) await deps.mirror.sendMessage(workspaceId, a.sessionId, text);
        else if (a.effect) {
          const result = await a.effect(row.id);
          if (result) await deps.store.setMessage(row.id, result.slice(0, 2000));
        }
        outcome = 'sent';
        await deps.store.settle(row.id, 'sent', deps.clock.now());
      } catch (err) {
        outcome = 'failed';
        row.error = (err as Error).message.slice(0, 500);
        await deps.store.settle(row.id, 'failed', deps.clock.now(), row.error);
      }
    }
    deps.actions?.inc({ action: a.kind, outcome });
    deps.log.info({ sessionId: a.sessionId, action: a.kind, trigger: a.trigger, outcome, reason: a.reason, error: row.error ?? undefined }, 'ledger action');
    await deps.bus.publish('keeper.action', workspaceId, {
      id: row.id, sessionId: a.sessionId, kind: a.kind, trigger: a.trigger, status: outcome, reason: a.reason, ...(row.error ? { error: row.error } : {}),
    });
    if (a.notify && outcome !== 'failed') await raise(deps, workspaceId, s, a.notify);
    return { outcome, actionId: row.id, ...(row.error ? { error: row.error } : {}), ...(text && outcome === 'sent' ? { sent: text } : {}) };
  }

  /** Ledger rows whose trigger starts with `prefix` (any session of the workspace), optionally of some kinds and since a time. */
  function byPrefix(workspaceId: string, f: { prefix: string; kinds?: readonly ExternalKind[]; sinceMs?: number }) {
    let q = k
      .selectFrom('keeper_actions')
      .where('workspace_id', '=', workspaceId)
      // substr, not LIKE: repository names may hold `_`, LIKE's wildcard.
      .where(sql<boolean>`substr(${sql.ref('trigger')}, 1, ${f.prefix.length}) = ${f.prefix}`);
    if (f.kinds?.length) q = q.where('kind', 'in', [...f.kinds]);
    if (f.sinceMs !== undefined) q = q.where('created_at', '>=', f.sinceMs);
    return q;
  }

  return {
    act,
    /**
     * Attempts so far: every claimed row counts, whatever its status, and rows are never deleted, so a cap over
     * this count is monotonic (a restart or a failed attempt never refills it).
     */
    async count(workspaceId: string, f: { prefix: string; kinds?: readonly ExternalKind[]; sinceMs?: number }): Promise<number> {
      const r = await byPrefix(workspaceId, f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
      return Number(r?.n ?? 0);
    },
    /** The rows themselves, newest first (at most 200): what a PR's page shows as its automation history. */
    async list(workspaceId: string, f: { prefix: string; kinds?: readonly ExternalKind[]; sinceMs?: number }): Promise<ActionRow[]> {
      return byPrefix(workspaceId, f).selectAll().orderBy('created_at', 'desc').limit(200).execute();
    },
  };
}

export type ExternalActions = ReturnType<typeof createExternalActions>;
