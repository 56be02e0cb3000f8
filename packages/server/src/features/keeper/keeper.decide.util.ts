import type { KeeperActionKind } from '@autopilot/contracts';
import type { Decision, HistoryEntry } from './keeper.types';

/** A failed action is tried again after this long, at most MAX_ATTEMPTS times in all. */
export const RETRY_AFTER_MS = 30_000;
export const MAX_ATTEMPTS = 3;

export const none = (reason: string): Decision => ({ action: 'none', reason });

export const last = <T>(xs: readonly T[], pred: (x: T) => boolean): T | undefined => {
  for (let i = xs.length - 1; i >= 0; i--) if (pred(xs[i]!)) return xs[i];
  return undefined;
};

export const counted = (h: HistoryEntry) => h.status === 'sent' || h.status === 'pending';
export const countOf = (history: readonly HistoryEntry[], kind: KeeperActionKind) => history.filter((h) => h.kind === kind && counted(h)).length;

/** A row of this kind recorded after `since` (the session's last sign of life). */
export const markedSince = (history: readonly HistoryEntry[], kind: KeeperActionKind, since: number) =>
  history.some((h) => h.kind === kind && h.status !== 'failed' && h.createdAtMs >= since);

/** A row of this kind and trigger that is not a failure (so the cause was already handled). */
export const handled = (history: readonly HistoryEntry[], kind: KeeperActionKind, trigger: string) =>
  history.some((h) => h.kind === kind && h.trigger === trigger && h.status !== 'failed');

type Gate = { ok: true } | { ok: false; reason: string };

/** Whether (kind, trigger) may be acted on: never acted, or failed and due for another attempt. */
export function gate(history: readonly HistoryEntry[], kind: KeeperActionKind, trigger: string, now: number): Gate {
  const e = history.find((h) => h.kind === kind && h.trigger === trigger);
  if (!e) return { ok: true };
  if (e.status !== 'failed') return { ok: false, reason: `already ${e.status} for ${trigger}` };
  if (e.attempts >= MAX_ATTEMPTS) return { ok: false, reason: `gave up on ${trigger} after ${e.attempts} attempts` };
  if (now - (e.settledAtMs ?? e.createdAtMs) < RETRY_AFTER_MS) return { ok: false, reason: `waiting to retry ${trigger}` };
  return { ok: true };
}

/** Whole seconds / minutes, for reasons people read. */
export const secs = (ms: number) => Math.round(ms / 1000);
export const mins = (ms: number) => Math.round(ms / 60_000);
