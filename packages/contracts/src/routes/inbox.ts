import { BulkNoticeBody, BulkNoticeResult, Notice, NoticeCounts, NoticePage, NoticeQuery, UpdateNoticeBody } from '../inbox';
import { declareRoutes, IdParam, jsonBody, jsonOk } from './define';

const tags = ['notifications'];
const member = { minRole: 'member', denied: 'Viewers cannot change notifications' } as const;

/** The notification center: list, counts, read / dismiss / snooze, bulk changes. */
export const inbox = declareRoutes({
  list: { method: 'get', path: '/api/notifications', tags, summary: 'Notifications, latest first (grouped repeats are one entry), with the unread count', request: { query: NoticeQuery }, responses: { 200: jsonOk(NoticePage) } },
  counts: { method: 'get', path: '/api/notifications/counts', tags, summary: 'Unread notifications, in all and per severity (the header badge)', responses: { 200: jsonOk(NoticeCounts) } },
  get: { method: 'get', path: '/api/notifications/{id}', tags, summary: 'One notification', request: { params: IdParam }, responses: { 200: jsonOk(Notice) } },
  update: {
    method: 'patch',
    path: '/api/notifications/{id}',
    tags,
    summary: 'Mark read or unread, dismiss or bring back, snooze or unsnooze (shared by the workspace)',
    ...member,
    request: { params: IdParam, body: jsonBody(UpdateNoticeBody) },
    responses: { 200: jsonOk(Notice) },
  },
  bulk: {
    method: 'post',
    path: '/api/notifications/bulk',
    tags,
    summary: 'Mark read / dismiss many at once: the ids given, or every one matching a filter',
    ...member,
    request: { body: jsonBody(BulkNoticeBody) },
    responses: { 200: jsonOk(BulkNoticeResult) },
  },
});
