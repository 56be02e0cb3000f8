import { Health } from '../system';
import { declareRoutes, jsonOk } from './define';

/** /api/health (authenticated detail). /healthz and /metrics are plain, unauthenticated and not part of the API. */
export const system = declareRoutes({
  health: { method: 'get', path: '/api/health', tags: ['system'], summary: 'Database, queue, events and every background loop, with latencies', responses: { 200: jsonOk(Health) } },
});
