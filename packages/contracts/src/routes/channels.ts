import {
  Channel, ChannelDelivery, ChannelDeliveryPage, ChannelDeliveryQuery, ChannelPage, ChannelSaved, ChannelTestResult, CreateChannelBody,
  RotateChannelSecretBody, UpdateChannelBody,
} from '../channels';
import { PageQuery } from '../common';
import { declareRoutes, IdParam, jsonBody, jsonOk } from './define';

const tags = ['channels'];
const admin = { minRole: 'admin', denied: 'Only admins and owners manage outbound channels' } as const;
const member = { minRole: 'member', denied: 'Viewers cannot send tests or retry deliveries' } as const;

/** Outbound channels: Slack incoming webhooks, signed Standard Webhooks to any URL, e-mail; deliveries and attempts. */
export const channels = declareRoutes({
  list: { method: 'get', path: '/api/channels', tags, summary: "The workspace's outbound channels", request: { query: PageQuery }, responses: { 200: jsonOk(ChannelPage) } },
  create: {
    method: 'post',
    path: '/api/channels',
    tags,
    summary: 'Add a channel (a webhook channel answers its signing secret once)',
    ...admin,
    request: { body: jsonBody(CreateChannelBody) },
    responses: { 201: jsonOk(ChannelSaved, 'Created') },
  },
  get: { method: 'get', path: '/api/channels/{id}', tags, summary: 'One channel', request: { params: IdParam }, responses: { 200: jsonOk(Channel) } },
  update: { method: 'patch', path: '/api/channels/{id}', tags, summary: 'Rename, re-enable or disable, change target or filters', ...admin, request: { params: IdParam, body: jsonBody(UpdateChannelBody) }, responses: { 200: jsonOk(Channel) } },
  remove: { method: 'delete', path: '/api/channels/{id}', tags, summary: 'Delete a channel (its pending deliveries are cancelled)', ...admin, request: { params: IdParam }, responses: { 204: { description: 'Deleted' } } },
  rotateSecret: {
    method: 'post',
    path: '/api/channels/{id}/secret',
    tags,
    summary: "Replace a webhook channel's signing secret (answered once)",
    ...admin,
    request: { params: IdParam, body: jsonBody(RotateChannelSecretBody) },
    responses: { 200: jsonOk(ChannelSaved) },
  },
  test: { method: 'post', path: '/api/channels/{id}/test', tags, summary: 'Send a `channel.test` event now, once, and answer how it went (logged like any attempt)', ...member, request: { params: IdParam }, responses: { 200: jsonOk(ChannelTestResult) } },
  deliveries: {
    method: 'get',
    path: '/api/channels/{id}/deliveries',
    tags,
    summary: "A channel's deliveries, newest first",
    request: { params: IdParam, query: ChannelDeliveryQuery },
    responses: { 200: jsonOk(ChannelDeliveryPage) },
  },
  delivery: { method: 'get', path: '/api/channel-deliveries/{id}', tags, summary: 'One delivery with every attempt', request: { params: IdParam }, responses: { 200: jsonOk(ChannelDelivery) } },
  retry: {
    method: 'post',
    path: '/api/channel-deliveries/{id}/retry',
    tags,
    summary: 'Attempt a pending or failed delivery again now (same webhook-id)',
    ...member,
    request: { params: IdParam },
    responses: { 200: jsonOk(ChannelDelivery) },
  },
});
