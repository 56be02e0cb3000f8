import {
  CreateHookEndpointBody, HookDelivery, HookDeliveryPage, HookDeliveryQuery, HookEndpoint, HookEndpointPage, HookEndpointSaved, HookRulesTestResult,
  ReplayHookResult, RotateHookSecretBody, TestHookRulesBody, UpdateHookEndpointBody,
} from '../hooks';
import { PageQuery } from '../common';
import { declareRoutes, IdParam, jsonBody, jsonOk } from './define';

const tags = ['hooks'];
const admin = { minRole: 'admin', denied: 'Only admins and owners manage webhook endpoints' } as const;
const member = { minRole: 'member', denied: 'Viewers cannot replay deliveries or test rules' } as const;

/**
 * Inbound webhooks: endpoints (the sender posts to `/hooks/{id}`, outside /api: it signs instead of holding a
 * key), their rules, the delivery log, replay and rule tests.
 */
export const hooks = declareRoutes({
  list: { method: 'get', path: '/api/hooks/endpoints', tags, summary: "The workspace's webhook endpoints, newest first", request: { query: PageQuery }, responses: { 200: jsonOk(HookEndpointPage) } },
  create: {
    method: 'post',
    path: '/api/hooks/endpoints',
    tags,
    summary: 'Create an endpoint: its payload URL and secret (the secret is answered once)',
    ...admin,
    request: { body: jsonBody(CreateHookEndpointBody) },
    responses: { 201: jsonOk(HookEndpointSaved, 'Created') },
  },
  get: { method: 'get', path: '/api/hooks/endpoints/{id}', tags, summary: 'One endpoint with its rules', request: { params: IdParam }, responses: { 200: jsonOk(HookEndpoint) } },
  update: {
    method: 'patch',
    path: '/api/hooks/endpoints/{id}',
    tags,
    summary: 'Rename, enable or disable, change the mode, replace the rules or the reply credentials',
    ...admin,
    request: { params: IdParam, body: jsonBody(UpdateHookEndpointBody) },
    responses: { 200: jsonOk(HookEndpoint) },
  },
  remove: { method: 'delete', path: '/api/hooks/endpoints/{id}', tags, summary: 'Delete an endpoint and its delivery log (its URL answers 404 from then on)', ...admin, request: { params: IdParam }, responses: { 204: { description: 'Deleted' } } },
  rotateSecret: {
    method: 'post',
    path: '/api/hooks/endpoints/{id}/secret',
    tags,
    summary: 'Replace the secret (given, or generated and answered once); deliveries signed with the old one are refused',
    ...admin,
    request: { params: IdParam, body: jsonBody(RotateHookSecretBody) },
    responses: { 200: jsonOk(HookEndpointSaved) },
  },
  test: {
    method: 'post',
    path: '/api/hooks/endpoints/{id}/test',
    tags,
    summary: 'Evaluate rules (saved or draft) against a stored or pasted payload: what would match and what it would do; nothing acts',
    ...member,
    request: { params: IdParam, body: jsonBody(TestHookRulesBody) },
    responses: { 200: jsonOk(HookRulesTestResult) },
  },
  deliveries: {
    method: 'get',
    path: '/api/hooks/endpoints/{id}/deliveries',
    tags,
    summary: "An endpoint's delivery log, newest first",
    request: { params: IdParam, query: HookDeliveryQuery },
    responses: { 200: jsonOk(HookDeliveryPage) },
  },
  delivery: { method: 'get', path: '/api/hooks/deliveries/{id}', tags, summary: 'One delivery: redacted headers and payload, the rules that matched, what each did', request: { params: IdParam }, responses: { 200: jsonOk(HookDelivery) } },
  replay: {
    method: 'post',
    path: '/api/hooks/deliveries/{id}/replay',
    tags,
    summary: "Run a stored delivery through the endpoint's current rules again (a new delivery row with replayOf; its actions act again)",
    ...member,
    request: { params: IdParam },
    responses: { 202: jsonOk(ReplayHookResult, 'Queued') },
  },
});
