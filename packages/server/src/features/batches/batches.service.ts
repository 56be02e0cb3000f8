import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Batch, BatchPreview, BatchProblem, BatchSummary, CreateBatchBody, LaunchTemplateBody } from '@autopilot/contracts';
import { iso, type Clock } from '../../platform/clock';
import { sha256 } from '../../platform/crypto';
import { cursorCodec } from '../../platform/cursor';
import { isUniqueViolation } from '../../platform/db';
import type { BatchesTable } from '../../platform/db/schema';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors';
import type { EventBus } from '../../platform/events/bus';
import type { Logger } from '../../platform/logger';
import type { DispatcherService, SubmitInput } from '../dispatch';
import type { TemplateDefinition, TemplatesService } from '../templates';
import { BATCH_PATHS, buildBatch, type BuiltBatch, type InputPaths } from './batches.items';
import { progressCoalescer } from './batches.progress';
import type { BatchesStore } from './batches.store';
import { batchOf, summaryOf } from './batches.view';

export interface BatchesDeps {
  store: BatchesStore;
  clock: Clock;
  log: Logger;
  bus: EventBus;
  dispatcher: DispatcherService;
  templates: Pick<TemplatesService, 'get'>;
  /** Progress events of one batch: at most one per window (default 100 ms), the last one always. */
  progressWindowMs?: number;
}

/** Who started a batch and where its body's fields are, for the 400s and 409s. */
export interface CreateOptions {
  origin: { kind: 'api' | 'template' | 'schedule' | 'webhook'; id: string | null };
  paths: InputPaths;
  accountPath: string;
  keyPath: string;
}

const API: CreateOptions = { origin: { kind: 'api', id: null }, paths: BATCH_PATHS, accountPath: 'body.accountId', keyPath: 'body.idempotencyKey' };
const LAUNCH_PATHS: InputPaths = { values: 'body.values', sources: 'body.sources', text: 'body', template: 'param.id' };
export const BATCH_REFUSED = 'The batch cannot be started: ';
const cursor = cursorCodec(z.object({ c: z.string(), i: z.string() }));
/** Rows read per page at most while a state filter skips batches (the page ends early past it, with a cursor). */
const SCAN_LIMIT = 2000;

/** JSON with object keys sorted, so the same body always hashes the same. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const definitionOf = (t: Awaited<ReturnType<TemplatesService['get']>>): TemplateDefinition & { id: string } => ({
  id: t.id, name: t.name, description: t.description, prompt: t.prompt, title: t.title, sources: t.sources, branch: t.branch,
  requirePlanApproval: t.requirePlanApproval, automationMode: t.automationMode, keeper: t.keeper, tags: t.tags, variables: t.variables,
});

/** The 400 of a batch that cannot be started; its message starts the same always, so callers can tell it apart. */
const refusal = (problems: BatchProblem[]) =>
  badRequest(
    `${BATCH_REFUSED}${problems.length === 1 ? problems[0].message : `${problems.length} problems, the first: ${problems[0].message}`}`,
    problems.map((p) => ({ path: p.path, message: p.message })),
  );

/**
 * Batches: many sessions through the dispatcher, each item one dispatch intent with origin {batch, id}. Every item
 * is built and checked before anything is stored (a problem is a 400 naming its field or row); an idempotency key
 * with the same body answers the batch it made. README.md says how a create stays all-or-nothing.
 */
export function createBatchesService(deps: BatchesDeps) {
  const { store, clock, log, bus, dispatcher, templates } = deps;

  /** The template a body names; a missing one is a 400 on `path`, or the 404 of the URL's template (path null). */
  async function template(workspaceId: string, id: string, path: string | null) {
    try {
      return definitionOf(await templates.get(workspaceId, id));
    } catch (err) {
      if (path && err instanceof AppError && err.code === 'not_found') throw badRequest(`${BATCH_REFUSED}template ${id} not found`, [{ path, message: 'no template with this id in this workspace' }]);
      throw err;
    }
  }

  async function build(workspaceId: string, body: CreateBatchBody, paths: InputPaths): Promise<BuiltBatch & { templateId: string | null }> {
    const input = body.input;
    const templateId = input.kind === 'template' ? input.templateId : input.kind === 'tasks' ? (input.templateId ?? null) : null;
    const tpl = templateId ? await template(workspaceId, templateId, paths.template === 'param.id' ? null : paths.template) : null;
    return { ...buildBatch(input, { template: tpl, paths, name: body.name }), templateId };
  }

  async function view(workspaceId: string, row: BatchesTable): Promise<Batch> {
    const [items, intents] = await Promise.all([store.items(workspaceId, row.id), dispatcher.byOrigin(workspaceId, 'batch', row.id)]);
    return batchOf(row, items, intents);
  }

  async function load(workspaceId: string, id: string) {
    const row = await store.get(workspaceId, id);
    if (!row) throw notFound('Batch', id);
    return row;
  }

  /**
   * Queues the items and records which intent each is. Each intent's own idempotency key (`batch:<id>:<index>`)
   * makes this safe to run again for a batch whose first attempt stopped half-way: the dispatcher answers the
   * intents it already made.
   */
  async function submit(workspaceId: string, row: BatchesTable, built: BuiltBatch): Promise<void> {
    const inputs: SubmitInput[] = built.items.map((it) => ({
      accountId: row.account_id,
      request: it.request,
      origin: { kind: 'batch', id: row.id },
      idempotencyKey: `batch:${row.id}:${it.index}`,
      priority: 10,
      ...(it.keeper ? { keeper: it.keeper } : {}),
    }));
    const intents = await dispatcher.submitMany(workspaceId, inputs);
    try {
      await store.insertItems(built.items.map((it, i) => ({ batch_id: row.id, workspace_id: workspaceId, idx: it.index, row: it.row, label: it.label, intent_id: intents[i].id })));
    } catch (err) {
      if (isUniqueViolation(err)) return; // a concurrent retry of the same batch stored them
      throw err;
    }
  }

  /** The batch an idempotency key already made: 409 when the body differs; finished first if it stopped half-way. */
  async function existing(workspaceId: string, row: BatchesTable, hash: string, body: CreateBatchBody, opts: CreateOptions): Promise<Batch> {
    if (row.body_hash !== hash) {
      throw conflict(`The idempotency key "${row.idempotency_key}" was already used for another batch (${row.id}) with a different body`, [
        { path: opts.keyPath, message: 'already used with a different body: use a new key, or send the same body again' },
      ]);
    }
    if ((await store.items(workspaceId, row.id)).length === 0) {
      const built = await build(workspaceId, body, opts.paths);
      if (built.problems.length) throw refusal(built.problems);
      await submit(workspaceId, row, built);
      log.info({ workspaceId, batchId: row.id }, 'batch finished after an interrupted create');
    }
    return view(workspaceId, row);
  }

  const progress = progressCoalescer({
    windowMs: deps.progressWindowMs ?? 100,
    log,
    send: async (workspaceId, batchId) => {
      const row = await store.get(workspaceId, batchId);
      if (!row) return; // a create that failed and was removed
      const s = summaryOf(row, await dispatcher.byOrigin(workspaceId, 'batch', batchId));
      await bus.publish('batch.progress', workspaceId, { id: row.id, state: s.state, ...s.counts });
    },
  });
  const unsubscribe = dispatcher.onChange((intent, workspaceId) => {
    if (intent.origin.kind === 'batch' && intent.origin.id) progress.touch(workspaceId, intent.origin.id);
  });

  async function create(workspaceId: string, body: CreateBatchBody, opts: CreateOptions = API): Promise<{ batch: Batch; created: boolean }> {
    const hash = sha256(canonical({ origin: opts.origin, body }));
    const key = body.idempotencyKey ?? null;
    if (key) {
      const old = await store.byKey(workspaceId, key);
      if (old) return { batch: await existing(workspaceId, old, hash, body, opts), created: false };
    }
    const built = await build(workspaceId, body, opts.paths);
    if (built.problems.length) throw refusal(built.problems);
    const accountId = await dispatcher.resolveAccount(workspaceId, body.accountId, opts.accountPath);
    const now = iso(clock);
    const row: BatchesTable = {
      id: randomUUID(), workspace_id: workspaceId, name: built.name, account_id: accountId, origin_kind: opts.origin.kind, origin_id: opts.origin.id,
      template_id: built.templateId, idempotency_key: key, body_hash: hash, cancelled_at: null, created_at: now, updated_at: now,
    };
    try {
      // The row first: it claims the idempotency key, so two concurrent creates with one key queue one batch.
      await store.insert(row);
    } catch (err) {
      const other = key && isUniqueViolation(err) ? await store.byKey(workspaceId, key) : undefined;
      if (other) return { batch: await existing(workspaceId, other, hash, body, opts), created: false };
      throw err;
    }
    try {
      await submit(workspaceId, row, built);
    } catch (err) {
      // All or nothing: submitMany stored none of its intents when it threw; cancel any it did store before a
      // later step failed, then remove the batch so a failed create leaves no batch behind.
      await dispatcher.cancelByOrigin(workspaceId, 'batch', row.id).catch((e: unknown) => log.error({ err: e, batchId: row.id }, 'could not cancel the intents of a failed batch'));
      await store.remove(workspaceId, row.id);
      throw err;
    }
    log.info({ workspaceId, batchId: row.id, items: built.items.length, origin: opts.origin.kind }, 'batch created');
    return { batch: await view(workspaceId, row), created: true };
  }

  return {
    /** Dry run: every item, every problem by item and row, the rows skipped, and the account it would go to. */
    async preview(workspaceId: string, body: CreateBatchBody): Promise<BatchPreview> {
      const built = await build(workspaceId, body, BATCH_PATHS);
      const problems = [...built.problems];
      let accountId: string | null = null;
      try {
        accountId = await dispatcher.resolveAccount(workspaceId, body.accountId, 'body.accountId');
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'bad_request') throw err;
        for (const issue of err.details?.issues ?? [{ path: 'body.accountId', message: err.message }]) problems.push({ item: null, row: null, path: issue.path, message: issue.message });
      }
      return {
        items: built.items.map(({ index, row, label, request, problems: p }) => ({ index, row, label, request, problems: p })),
        skipped: built.skipped,
        problems,
        accountId,
      };
    },

    create,

    /** A saved template over the given sources (or its own): a batch with origin template; 404 for an unknown id. */
    async launch(workspaceId: string, templateId: string, body: LaunchTemplateBody): Promise<{ batch: Batch; created: boolean }> {
      await template(workspaceId, templateId, null);
      const input = { kind: 'template' as const, templateId, ...(body.values ? { values: body.values } : {}), ...(body.sources ? { sources: body.sources } : {}) };
      return create(workspaceId, { input, accountId: body.accountId, idempotencyKey: body.idempotencyKey }, {
        origin: { kind: 'template', id: templateId }, paths: LAUNCH_PATHS, accountPath: 'body.accountId', keyPath: 'body.idempotencyKey',
      });
    },

    get: async (workspaceId: string, id: string): Promise<Batch> => view(workspaceId, await load(workspaceId, id)),

    /** Newest first, in keyset pages; with `state`, batches in other states are passed over (reading their intents). */
    async list(workspaceId: string, q: { limit: number; cursor?: string; state?: BatchSummary['state'] }): Promise<{ items: BatchSummary[]; nextCursor: string | null }> {
      let after = cursor.decode(q.cursor);
      const out: BatchSummary[] = [];
      const next = (s: BatchSummary) => cursor.encode({ c: s.createdAt, i: s.id });
      for (let scanned = 0; ; ) {
        const rows = await store.list(workspaceId, q.limit + 1, after);
        for (const row of rows) {
          if (!q.state && out.length === q.limit) return { items: out, nextCursor: next(out[out.length - 1]) };
          const s = summaryOf(row, await dispatcher.byOrigin(workspaceId, 'batch', row.id));
          if (!q.state || s.state === q.state) {
            if (out.length === q.limit) return { items: out, nextCursor: next(out[out.length - 1]) };
            out.push(s);
          }
          after = { c: row.created_at, i: row.id };
          // A filter matching few batches must not read the whole history in one request: the page ends here.
          if (++scanned >= SCAN_LIMIT) return { items: out, nextCursor: cursor.encode(after) };
        }
        if (rows.length <= q.limit) return { items: out, nextCursor: null };
      }
    },

    /** Cancels every item not sent yet (created sessions stay); 409 when none is left to cancel. */
    async cancel(workspaceId: string, id: string): Promise<Batch> {
      const row = await load(workspaceId, id);
      const n = await dispatcher.cancelByOrigin(workspaceId, 'batch', id);
      if (n === 0) {
        const b = await view(workspaceId, row);
        throw conflict(`Nothing to cancel: no item of batch ${id} is waiting to be sent`, { state: b.state });
      }
      const now = iso(clock);
      await store.cancel(workspaceId, id, now);
      log.info({ workspaceId, batchId: id, cancelled: n }, 'batch cancelled');
      return view(workspaceId, { ...row, cancelled_at: row.cancelled_at ?? now, updated_at: now });
    },

    /** Queues every failed item again; 409 when none failed. */
    async retry(workspaceId: string, id: string): Promise<Batch> {
      const row = await load(workspaceId, id);
      const n = await dispatcher.retryByOrigin(workspaceId, 'batch', id);
      if (n === 0) {
        const b = await view(workspaceId, row);
        throw conflict(`Nothing to retry: no item of batch ${id} has failed`, { state: b.state });
      }
      const now = iso(clock);
      await store.touch(workspaceId, id, now);
      log.info({ workspaceId, batchId: id, retried: n }, 'batch items retried');
      return view(workspaceId, { ...row, updated_at: now });
    },

    /** Stops listening to the dispatcher and drops pending progress (tests; the process exits otherwise). */
    close() {
      unsubscribe();
      progress.close();
    },
  };
}
export type BatchesService = ReturnType<typeof createBatchesService>;
