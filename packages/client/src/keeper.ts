import {
  KeeperLogPage,
  KeeperNotificationPage,
  KeeperSettings,
  SessionKeeperState,
  type KeeperAction,
  type KeeperActionKind,
  type KeeperActionStatus,
  type UpdateKeeperSettingsBody,
} from '@autopilot/contracts';
import type { Transport } from './http';

const enc = encodeURIComponent;

export interface KeeperLogFilter {
  sessionId?: string;
  action?: KeeperActionKind;
  status?: KeeperActionStatus;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

/** The keeper endpoints: workspace settings, the action ledger, notifications, and per-session pause/stuck state. */
export function keeperApi(t: Transport) {
  const { request } = t;
  const logs = (q: KeeperLogFilter = {}, signal?: AbortSignal) => request({ method: 'GET', path: '/api/keeper/logs', query: { ...q }, schema: KeeperLogPage, signal });
  return {
    settings: (signal?: AbortSignal) => request({ method: 'GET', path: '/api/keeper/settings', schema: KeeperSettings, signal }),
    /** Merges the given groups into the current settings (admins and owners). */
    updateSettings: (body: UpdateKeeperSettingsBody) => request({ method: 'PUT', path: '/api/keeper/settings', body, schema: KeeperSettings }),
    logs,
    /** Every ledger entry matching the filter, newest first (use a filter: the ledger grows without bound). */
    async allLogs(q: Omit<KeeperLogFilter, 'cursor'>, signal?: AbortSignal): Promise<KeeperAction[]> {
      const all: KeeperAction[] = [];
      let cursor: string | undefined;
      do {
        const page = await logs({ limit: 500, ...q, cursor }, signal);
        all.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return all;
    },
    notifications: (q: { limit?: number; cursor?: string } = {}, signal?: AbortSignal) =>
      request({ method: 'GET', path: '/api/keeper/notifications', query: q, schema: KeeperNotificationPage, signal }),
    session: (id: string, signal?: AbortSignal) => request({ method: 'GET', path: `/api/sessions/${enc(id)}/keeper`, schema: SessionKeeperState, signal }),
    /** Pauses or resumes the keeper for one session. */
    setSessionPaused: (id: string, paused: boolean) => request({ method: 'PUT', path: `/api/sessions/${enc(id)}/keeper`, body: { paused }, schema: SessionKeeperState }),
  };
}
