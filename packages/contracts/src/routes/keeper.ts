import {
  KeeperLogPage, KeeperLogQuery, KeeperNotification, KeeperNotificationPage, KeeperNotificationQuery, KeeperNotificationsUpdated, KeeperSettings,
  SessionKeeperState, UpdateKeeperNotificationBody, UpdateKeeperNotificationsBody, UpdateKeeperSettingsBody, UpdateSessionKeeperBody,
} from '../keeper';
import { declareRoutes, IdParam, jsonBody, jsonOk } from './define';

const tags = ['keeper'];

/** /api/keeper/* (settings, logs, notifications) and /api/sessions/{id}/keeper (per-session state, pause). */
export const keeper = declareRoutes({
  settings: { method: 'get', path: '/api/keeper/settings', tags, summary: "The workspace's keeper settings", responses: { 200: jsonOk(KeeperSettings) } },
  updateSettings: {
    method: 'put',
    path: '/api/keeper/settings',
    tags,
    summary: 'Change keeper settings (groups given are merged field by field; the result is validated as a whole)',
    minRole: 'admin',
    denied: 'Only admins and owners change keeper settings',
    request: { body: jsonBody(UpdateKeeperSettingsBody) },
    responses: { 200: jsonOk(KeeperSettings) },
  },
  logs: {
    method: 'get',
    path: '/api/keeper/logs',
    tags,
    summary: "The keeper's decisions and actions, newest first, with their reasons",
    request: { query: KeeperLogQuery },
    responses: { 200: jsonOk(KeeperLogPage) },
  },
  notifications: {
    method: 'get',
    path: '/api/keeper/notifications',
    tags,
    summary: 'Notifications the keeper raised (held plans, stuck sessions, escalations), newest first, with the unread count',
    request: { query: KeeperNotificationQuery },
    responses: { 200: jsonOk(KeeperNotificationPage) },
  },
  updateNotification: {
    method: 'patch',
    path: '/api/keeper/notifications/{id}',
    tags,
    summary: "Mark one notification read or unread, dismiss it or bring it back (shared by the workspace's members)",
    minRole: 'member',
    denied: 'Viewers cannot change notifications',
    request: { params: IdParam, body: jsonBody(UpdateKeeperNotificationBody) },
    responses: { 200: jsonOk(KeeperNotification) },
  },
  updateNotifications: {
    method: 'post',
    path: '/api/keeper/notifications/bulk',
    tags,
    summary: 'Mark every notification read, or dismiss them all',
    minRole: 'member',
    denied: 'Viewers cannot change notifications',
    request: { body: jsonBody(UpdateKeeperNotificationsBody) },
    responses: { 200: jsonOk(KeeperNotificationsUpdated) },
  },
  session: {
    method: 'get',
    path: '/api/sessions/{id}/keeper',
    tags,
    summary: "The keeper's state for one session: paused, stuck, counters, its ledger entries and which messages were its own; for a session gone from the workspace, what the ledger knows (gone: true)",
    request: { params: IdParam },
    responses: { 200: jsonOk(SessionKeeperState) },
  },
  setSessionPaused: {
    method: 'put',
    path: '/api/sessions/{id}/keeper',
    tags,
    summary: 'Pause or resume the keeper for one session',
    minRole: 'member',
    denied: 'Viewers cannot pause the keeper',
    request: { params: IdParam, body: jsonBody(UpdateSessionKeeperBody) },
    responses: { 200: jsonOk(SessionKeeperState) },
  },
});
