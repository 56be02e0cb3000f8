import { routes, type CreateTemplateBody, type LaunchTemplateBody, type PreviewDraftTemplateBody, type PreviewTemplateBody, type Template, type UpdateTemplateBody } from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.templates;

export interface TemplateFilter {
  tag?: string;
  limit?: number;
  cursor?: string;
}

/** Templates: reusable session definitions with typed variables, and their preview and launching (a batch through the dispatcher). */
export function templatesApi(t: Transport) {
  const endpoint = endpoints(t);
  const list = endpoint(r.list, (call) => (q: TemplateFilter = {}, signal?: AbortSignal) => call({ query: { ...q }, signal }));
  return {
    list,
    /** Every template (with the tag, if given), by name. */
    async all(q: Omit<TemplateFilter, 'cursor'> = {}, signal?: AbortSignal): Promise<Template[]> {
      const out: Template[] = [];
      let cursor: string | undefined;
      do {
        const page = await list({ limit: 500, ...q, cursor }, signal);
        out.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return out;
    },
    get: endpoint(r.get, (call) => (id: string, signal?: AbortSignal) => call({ params: { id }, signal })),
    create: endpoint(r.create, (call) => (body: CreateTemplateBody) => call({ body })),
    /** Replaces the template; `version` is the one read (a stale one is a 409 ApiError). */
    update: endpoint(r.update, (call) => (id: string, body: UpdateTemplateBody) => call({ params: { id }, body })),
    remove: endpoint(r.remove, (call) => (id: string) => call({ params: { id } })),
    preview: endpoint(r.preview, (call) => (id: string, body: PreviewTemplateBody = {}, signal?: AbortSignal) => call({ params: { id }, body, signal })),
    /** Renders an unsaved template body (the editor's live preview). */
    previewDraft: endpoint(r.previewDraft, (call) => (body: PreviewDraftTemplateBody, signal?: AbortSignal) => call({ body, signal })),
    /** Launches the template: one session per repository, as a batch (GET /api/batches/{id} follows it). */
    launch: endpoint(r.launch, (call) => (id: string, body: LaunchTemplateBody = {}) => call({ params: { id }, body })),
  };
}
