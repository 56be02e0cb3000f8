import { declareRoutes } from './define';

/**
 * `GET /api/events`: Server-Sent Events, not JSON, so clients read the stream themselves (client `events()`);
 * declared here so the path and the OpenAPI entry are still written once.
 */
export const events = declareRoutes({
  stream: {
    method: 'get',
    path: '/api/events',
    tags: ['events'],
    summary: 'Live events (text/event-stream); send Last-Event-ID to resume',
    responses: { 200: { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
  },
});
