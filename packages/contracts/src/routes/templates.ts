import { CreateTemplateBody, PreviewDraftTemplateBody, PreviewTemplateBody, Template, TemplateListQuery, TemplatePage, TemplatePreview, UpdateTemplateBody } from '../templates';
import { Batch, LaunchTemplateBody } from '../batches';
import { declareRoutes, IdParam, jsonBody, jsonOk } from './define';

const tags = ['templates'];
const member = { minRole: 'member', denied: 'Viewers cannot change templates' } as const;

/** /api/templates: reusable session definitions with typed variables, and a preview that names every problem. */
export const templates = declareRoutes({
  list: {
    method: 'get',
    path: '/api/templates',
    tags,
    summary: 'Templates by name, optionally with one tag, in keyset pages',
    request: { query: TemplateListQuery },
    responses: { 200: jsonOk(TemplatePage) },
  },
  get: { method: 'get', path: '/api/templates/{id}', tags, summary: 'One template', request: { params: IdParam }, responses: { 200: jsonOk(Template) } },
  create: {
    method: 'post',
    path: '/api/templates',
    tags,
    summary: 'Create a template (a variable used but not declared is a 400 naming it; declared but unused is a warning)',
    ...member,
    request: { body: jsonBody(CreateTemplateBody) },
    responses: { 201: jsonOk(Template, 'Created') },
  },
  update: {
    method: 'put',
    path: '/api/templates/{id}',
    tags,
    summary: 'Replace a template; the version read must still be the current one (409 otherwise)',
    ...member,
    request: { params: IdParam, body: jsonBody(UpdateTemplateBody) },
    responses: { 200: jsonOk(Template) },
  },
  remove: {
    method: 'delete',
    path: '/api/templates/{id}',
    tags,
    summary: 'Delete a template',
    ...member,
    request: { params: IdParam },
    responses: { 204: { description: 'Deleted' } },
  },
  preview: {
    method: 'post',
    path: '/api/templates/{id}/preview',
    tags,
    summary: 'Render a saved template with values: prompt, title, sources, branch, and every problem by variable (nothing is launched)',
    request: { params: IdParam, body: jsonBody(PreviewTemplateBody) },
    responses: { 200: jsonOk(TemplatePreview) },
  },
  previewDraft: {
    method: 'post',
    path: '/api/templates/preview',
    tags,
    summary: 'Render an unsaved template body with values (undeclared variables are problems here, not a 400)',
    request: { body: jsonBody(PreviewDraftTemplateBody) },
    responses: { 200: jsonOk(TemplatePreview) },
  },
  launch: {
    method: 'post',
    path: '/api/templates/{id}/launch',
    tags,
    summary: 'Launch a template: one session per repository, as a batch through the dispatcher (a problem with a value is a 400 naming the variable, nothing created)',
    ...member,
    request: { params: IdParam, body: jsonBody(LaunchTemplateBody) },
    responses: { 201: jsonOk(Batch, 'Launched') },
  },
});
