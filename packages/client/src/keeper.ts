import {
  routes, type KeeperAction, type KeeperActionKind, type KeeperActionStatus, type UpdateKeeperNotificationBody, type UpdateKeeperNotificationsBody,
  type UpdateKeeperSettingsBody,
} from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.keeper;

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
  const endpoint = endpoints(t);
  const logs = endpoint(r.logs, (call) => (q: KeeperLogFilter = {}, signal?: AbortSignal) => call({ query: { ...q }, signal }));
  return {
    settings: endpoint(r.settings, (call) => (signal?: AbortSignal) => call({ signal })),
    /** Merges the given groups into the current settings (admins and owners). */
    updateSettings: endpoint(r.updateSettings, (call) => (body: UpdateKeeperSettingsBody) => call({ body })),
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
    /** Notifications, newest first: `open` (default, not dismissed), `unread` or `all`; with the workspace's unread count. */
    notifications: endpoint(
      r.notifications,
      (call) => (q: { limit?: number; cursor?: string; status?: 'open' | 'unread' | 'all'; sessionId?: string } = {}, signal?: AbortSignal) => call({ query: q, signal }),
    ),
    /** Marks one notification read/unread or dismisses/restores it (shared by the workspace). */
    updateNotification: endpoint(r.updateNotification, (call) => (id: string, body: UpdateKeeperNotificationBody) => call({ params: { id }, body })),
    /** Marks every notification read (`{ read: true }`) or dismisses them all (`{ dismissed: true }`). */
    updateNotifications: endpoint(r.updateNotifications, (call) => (body: UpdateKeeperNotificationsBody) => call({ body })),
    session: endpoint(r.session, (call) => (id: string, signal?: AbortSignal) => call({ params: { id }, signal })),
    /** Pauses or resumes the keeper for one session. */
    setSessionPaused: endpoint(r.setSessionPaused, (call) => (id: string, paused: boolean) => call({ params: { id }, body: { paused } })),
  };
}
