import { CreateProviderBody, ProviderInfo, ProviderList, ProviderTestResult, TestProviderBody, UpdateProviderBody } from '../providers';
import { declareRoutes, IdParam, jsonBody, jsonOk } from './define';

const tags = ['providers'];
const admin = { minRole: 'admin', denied: 'Only admins and owners manage LLM providers' } as const;

/** /api/providers: LLM provider configs of the workspace (keys write-only) and a connectivity test. */
export const providers = declareRoutes({
  list: { method: 'get', path: '/api/providers', tags, summary: 'LLM providers of this workspace', responses: { 200: jsonOk(ProviderList) } },
  create: {
    method: 'post',
    path: '/api/providers',
    tags,
    summary: 'Add an LLM provider (the key is stored encrypted)',
    ...admin,
    request: { body: jsonBody(CreateProviderBody) },
    responses: { 201: jsonOk(ProviderInfo, 'Created') },
  },
  get: { method: 'get', path: '/api/providers/{id}', tags, summary: 'One LLM provider', request: { params: IdParam }, responses: { 200: jsonOk(ProviderInfo) } },
  update: {
    method: 'patch',
    path: '/api/providers/{id}',
    tags,
    summary: 'Change an LLM provider (send apiKey to rotate it; a new baseUrl needs the apiKey again)',
    ...admin,
    request: { params: IdParam, body: jsonBody(UpdateProviderBody) },
    responses: { 200: jsonOk(ProviderInfo) },
  },
  remove: { method: 'delete', path: '/api/providers/{id}', tags, summary: 'Remove an LLM provider', ...admin, request: { params: IdParam }, responses: { 200: jsonOk(ProviderInfo) } },
  test: {
    method: 'post',
    path: '/api/providers/{id}/test',
    tags,
    summary: 'Send a tiny prompt to the provider and report latency, tokens and cost (or the error)',
    ...admin,
    request: { params: IdParam, body: { ...jsonBody(TestProviderBody), required: false } },
    responses: { 200: jsonOk(ProviderTestResult) },
  },
});
