import { Batch, BatchListQuery, BatchPage, BatchPreview, CreateBatchBody } from '../batches';
import { declareRoutes, IdParam, jsonBody, jsonOk } from './define';

const tags = ['batches'];
const member = { minRole: 'member', denied: 'Viewers cannot start or change batches' } as const;

/** /api/batches: many sessions at once through the dispatcher, with progress, cancel and retry. */
export const batches = declareRoutes({
  list: { method: 'get', path: '/api/batches', tags, summary: 'Batches, newest first, with their counts', request: { query: BatchListQuery }, responses: { 200: jsonOk(BatchPage) } },
  preview: {
    method: 'post',
    path: '/api/batches/preview',
    tags,
    summary: 'Dry run: every item the batch would create, and every problem by item and row (nothing is stored)',
    request: { body: jsonBody(CreateBatchBody) },
    responses: { 200: jsonOk(BatchPreview) },
  },
  create: {
    method: 'post',
    path: '/api/batches',
    tags,
    summary: 'Start a batch: every item is checked first (a bad row is a 400 naming it, nothing created), then queued on the dispatcher. The same idempotencyKey again answers the first batch',
    ...member,
    request: { body: jsonBody(CreateBatchBody) },
    responses: { 201: jsonOk(Batch, 'Created'), 200: jsonOk(Batch, 'The batch this idempotencyKey already made with the same body: nothing new was created') },
  },
  get: { method: 'get', path: '/api/batches/{id}', tags, summary: 'One batch with every item', request: { params: IdParam }, responses: { 200: jsonOk(Batch) } },
  cancel: {
    method: 'post',
    path: '/api/batches/{id}/cancel',
    tags,
    summary: 'Cancel every item not sent yet (created sessions stay)',
    ...member,
    request: { params: IdParam },
    responses: { 200: jsonOk(Batch) },
  },
  retry: {
    method: 'post',
    path: '/api/batches/{id}/retry',
    tags,
    summary: 'Queue every failed item again',
    ...member,
    request: { params: IdParam },
    responses: { 200: jsonOk(Batch) },
  },
});
