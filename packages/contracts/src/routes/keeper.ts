import { PageQuery } from '../common';
import { KeeperLogPage, KeeperLogQuery, KeeperNotificationPage, KeeperSettings, SessionKeeperState, UpdateKeeperSettingsBody, UpdateSessionKeeperBody } from '../keeper';
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
    summary: 'Notifications the keeper raised (held plans, stuck sessions, escalations), newest first',
    request: { query: PageQuery },
    responses: { 200: jsonOk(KeeperNotificationPage) },
  },
  session: {
    method: 'get',
    path: '/api/sessions/{id}/keeper',
    tags,
    summary: "The keeper's state for one session: paused, stuck, counters and its ledger entries",
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
