import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { CreateTemplateBody, Template, TemplateListQuery, TemplatePreview, TemplateVariable, UpdateTemplateBody } from '@autopilot/contracts';
import { iso, type Clock } from '../../platform/clock';
import { cursorCodec } from '../../platform/cursor';
import { isUniqueViolation } from '../../platform/db';
import type { TemplatesTable } from '../../platform/db/schema';
import { badRequest, conflict, notFound } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { TemplatesStore } from './templates.store';
import { definitionErrors, definitionOf, definitionWarnings, renderTemplate, type TemplateDefinition } from './templates.render';

export interface TemplatesDeps {
  store: TemplatesStore;
  clock: Clock;
  log: Logger;
}

const cursor = cursorCodec(z.object({ n: z.string(), i: z.string() }));

const definitionFromRow = (r: TemplatesTable): TemplateDefinition => ({
  name: r.name,
  description: r.description,
  prompt: r.prompt,
  title: r.title,
  sources: JSON.parse(r.sources) as string[],
  branch: r.branch,
  requirePlanApproval: r.require_plan_approval === 1,
  automationMode: r.automation_mode as TemplateDefinition['automationMode'],
  keeper: JSON.parse(r.keeper) as TemplateDefinition['keeper'],
  tags: JSON.parse(r.tags) as string[],
  variables: JSON.parse(r.variables) as TemplateVariable[],
});

const toTemplate = (r: TemplatesTable): Template => {
  const def = definitionFromRow(r);
  return { id: r.id, ...def, version: Number(r.version), warnings: definitionWarnings(def), createdAt: r.created_at, updatedAt: r.updated_at };
};

/** The row of a checked definition (version and timestamps by the caller). */
const rowOf = (workspaceId: string, id: string, def: TemplateDefinition, version: number, createdAt: string, updatedAt: string): TemplatesTable => ({
  id,
  workspace_id: workspaceId,
  name: def.name,
  name_key: def.name.toLowerCase(),
  description: def.description,
  prompt: def.prompt,
  title: def.title,
  sources: JSON.stringify(def.sources),
  branch: def.branch,
  require_plan_approval: def.requirePlanApproval ? 1 : 0,
  automation_mode: def.automationMode,
  keeper: JSON.stringify(def.keeper),
  tags: JSON.stringify(def.tags),
  variables: JSON.stringify(def.variables),
  version,
  created_at: createdAt,
  updated_at: updatedAt,
});

/**
 * Templates of a workspace: create, read, replace (optimistic on `version`), delete, and preview with values. A
 * template that uses a variable it does not declare is refused naming the field and the variable; the preview of
 * a draft reports the same as problems instead, so an editor can show them live. Launching is the dispatcher's.
 */
export function createTemplatesService(deps: TemplatesDeps) {
  const { store, clock, log } = deps;

  /** The canonical definition of a body, or a 400 listing every bad field. */
  const checked = (body: CreateTemplateBody): TemplateDefinition => {
    const def = definitionOf(body);
    const errors = definitionErrors(def);
    if (errors.length) throw badRequest(errors.length === 1 ? errors[0].message : `The template has ${errors.length} problems`, errors.map(({ path, message }) => ({ path, message })));
    return def;
  };
  const nameTaken = (name: string) => conflict(`A template named "${name}" already exists in this workspace`, [{ path: 'body.name', message: 'already used by another template (names are case-insensitive)' }]);
  const load = async (workspaceId: string, id: string) => {
    const row = await store.get(workspaceId, id);
    if (!row) throw notFound('Template', id);
    return row;
  };

  return {
    async list(workspaceId: string, q: Pick<TemplateListQuery, 'limit' | 'cursor' | 'tag'>): Promise<{ items: Template[]; nextCursor: string | null }> {
      const rows = await store.list(workspaceId, q.limit + 1, cursor.decode(q.cursor), q.tag?.toLowerCase());
      const items = rows.slice(0, q.limit);
      const last = items.at(-1);
      return { items: items.map(toTemplate), nextCursor: rows.length > q.limit && last ? cursor.encode({ n: last.name_key, i: last.id }) : null };
    },

    get: async (workspaceId: string, id: string): Promise<Template> => toTemplate(await load(workspaceId, id)),

    async create(workspaceId: string, body: CreateTemplateBody): Promise<Template> {
      const def = checked(body);
      const now = iso(clock);
      const row = rowOf(workspaceId, randomUUID(), def, 1, now, now);
      try {
        await store.insert(row);
      } catch (err) {
        if (isUniqueViolation(err)) throw nameTaken(def.name);
        throw err;
      }
      log.info({ workspaceId, templateId: row.id }, 'template created');
      return toTemplate(row);
    },

    /** Replaces the template when `body.version` is still the current version; 409 naming body.version otherwise. */
    async update(workspaceId: string, id: string, body: UpdateTemplateBody): Promise<Template> {
      const { version, ...rest } = body;
      const def = checked(rest);
      const current = await load(workspaceId, id);
      const stale = (now: number) =>
        conflict(`The template was changed since version ${version} (it is at version ${now}): load it again and reapply your change`, {
          currentVersion: now,
          issues: [{ path: 'body.version', message: `stale: the current version is ${now}` }],
        });
      if (Number(current.version) !== version) throw stale(Number(current.version));
      const row = rowOf(workspaceId, id, def, version + 1, current.created_at, iso(clock));
      let replaced: boolean;
      try {
        replaced = await store.replace(row, version);
      } catch (err) {
        if (isUniqueViolation(err)) throw nameTaken(def.name);
        throw err;
      }
      if (!replaced) {
        // Someone saved (or deleted it) between the read and the write.
        const now = await store.get(workspaceId, id);
        if (!now) throw notFound('Template', id);
        throw stale(Number(now.version));
      }
      return toTemplate(row);
    },

    async remove(workspaceId: string, id: string): Promise<void> {
      if (!(await store.remove(workspaceId, id))) throw notFound('Template', id);
      log.info({ workspaceId, templateId: id }, 'template deleted');
    },

    /** A saved template rendered with values: what a launch would send, and every problem by variable. */
    preview: async (workspaceId: string, id: string, values: Record<string, string | number | boolean> = {}): Promise<TemplatePreview> =>
      renderTemplate(definitionFromRow(await load(workspaceId, id)), values),

    /** An unsaved body rendered with values; its definition errors are problems here (an editor shows them live). */
    previewDraft: (body: CreateTemplateBody, values: Record<string, string | number | boolean> = {}): TemplatePreview => renderTemplate(definitionOf(body), values),
  };
}
export type TemplatesService = ReturnType<typeof createTemplatesService>;
