import { AccountIdParam, DispatchAccount, DispatchAccountList, DispatchIntent, DispatchIntentPage, DispatchIntentQuery, UpdateDispatchLimitsBody } from '../dispatch';
import { declareRoutes, IdParam, jsonBody, jsonOk } from './define';

const tags = ['dispatch'];
const member = { minRole: 'member', denied: 'Viewers cannot change what is dispatched' } as const;
const admin = { minRole: 'admin', denied: 'Only admins and owners set an account\'s limits' } as const;

/** /api/dispatch: every session create waiting, being sent or sent, and each Jules account's quota. */
export const dispatch = declareRoutes({
  accounts: {
    method: 'get',
    path: '/api/dispatch/accounts',
    tags,
    summary: "Each Jules account's quota: active / limit, created today / limit, queued, and when today's quota runs out",
    responses: { 200: jsonOk(DispatchAccountList) },
  },
  account: {
    method: 'get',
    path: '/api/dispatch/accounts/{accountId}',
    tags,
    summary: "One Jules account's quota and forecast",
    request: { params: AccountIdParam },
    responses: { 200: jsonOk(DispatchAccount) },
  },
  updateLimits: {
    method: 'patch',
    path: '/api/dispatch/accounts/{accountId}',
    tags,
    summary: "Set an account's plan (free, pro, ultra) or custom limits, creates in flight, or pause its dispatch",
    ...admin,
    request: { params: AccountIdParam, body: jsonBody(UpdateDispatchLimitsBody) },
    responses: { 200: jsonOk(DispatchAccount) },
  },
  intents: {
    method: 'get',
    path: '/api/dispatch/intents',
    tags,
    summary: 'Creates, newest first, with their place in line and estimated send time while queued',
    request: { query: DispatchIntentQuery },
    responses: { 200: jsonOk(DispatchIntentPage) },
  },
  intent: { method: 'get', path: '/api/dispatch/intents/{id}', tags, summary: 'One create', request: { params: IdParam }, responses: { 200: jsonOk(DispatchIntent) } },
  cancel: {
    method: 'post',
    path: '/api/dispatch/intents/{id}/cancel',
    tags,
    summary: 'Cancel a queued create (one being sent or already sent: 409)',
    ...member,
    request: { params: IdParam },
    responses: { 200: jsonOk(DispatchIntent) },
  },
  retry: {
    method: 'post',
    path: '/api/dispatch/intents/{id}/retry',
    tags,
    summary: 'Queue a failed create again (any other state: 409)',
    ...member,
    request: { params: IdParam },
    responses: { 200: jsonOk(DispatchIntent) },
  },
});
