import type { InfiniteData, QueryClient } from '@tanstack/react-query';
import {
  CreateBatchBody,
  queuedText,
  type Batch,
  type BatchCounts,
  type BatchItem,
  type BatchPreview,
  type BatchProblem,
  type BatchSummary,
  type EventData,
  type TaskListFormat,
  type TemplateVariable,
} from '@autopilot/contracts';

/* The batch dialog's rules without React: the body it sends, progress in numbers and words, the CSV upload. */

export type BatchMode = 'template' | 'prompt' | 'tasks';

/** What the dialog's form holds (all text as typed; turned into a CreateBatchBody by `batchBody`). */
export interface BatchForm {
  mode: BatchMode;
  name: string;
  accountId: string;
  templateId: string;
  /** Template variable values as typed, by name. */
  values: Record<string, string>;
  repos: string;
  prompt: string;
  title: string;
  branch: string;
  format: TaskListFormat;
  text: string;
  source: string;
  requirePlanApproval: boolean;
  autoCreatePr: boolean;
}

export const emptyForm = (mode: BatchMode = 'prompt', templateId = ''): BatchForm => ({
  mode,
  name: '',
  accountId: '',
  templateId,
  values: {},
  repos: '',
  prompt: '',
  title: '',
  branch: '',
  format: 'lines',
  text: '',
  source: '',
  requirePlanApproval: true,
  autoCreatePr: true,
});

/** Repositories typed one per line (commas and spaces also separate), each once, in order. */
export function parseRepos(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean))];
}

/**
 * Typed values for the template's variables: a number variable's numeric text becomes a number, a boolean's
 * "true"/"false" a boolean; blanks are left out so the template's defaults apply. Anything else goes as typed and
 * the server's preview names the problem.
 */
export function coerceValues(vars: readonly TemplateVariable[], raw: Record<string, string>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [name, text] of Object.entries(raw)) {
    const v = text.trim();
    if (v === '') continue;
    const type = vars.find((x) => x.name === name)?.type;
    if (type === 'number' && Number.isFinite(Number(v))) out[name] = Number(v);
    else if (type === 'boolean' && (v === 'true' || v === 'false')) out[name] = v === 'true';
    else out[name] = v;
  }
  return out;
}

const opt = (s: string) => (s.trim() === '' ? undefined : s.trim());

/** The request body for preview and start (not yet validated: see `checkBody`). */
export function batchBody(f: BatchForm, vars: readonly TemplateVariable[], idempotencyKey?: string): CreateBatchBody {
  const repos = parseRepos(f.repos);
  const values = coerceValues(vars, f.values);
  const hasValues = Object.keys(values).length > 0;
  const flags = { requirePlanApproval: f.requirePlanApproval, autoCreatePr: f.autoCreatePr };
  const input: CreateBatchBody['input'] =
    f.mode === 'template'
      ? { kind: 'template', templateId: f.templateId, ...(hasValues && { values }), ...(repos.length > 0 && { sources: repos }) }
      : f.mode === 'prompt'
        ? { kind: 'prompt', prompt: f.prompt, title: opt(f.title), sources: repos, branch: opt(f.branch), ...flags }
        : {
            kind: 'tasks',
            format: f.format,
            text: f.text,
            source: opt(f.source),
            branch: opt(f.branch),
            ...(opt(f.templateId) && { templateId: f.templateId, ...(hasValues && { values }) }),
            ...flags,
          };
  return { name: opt(f.name), input, accountId: opt(f.accountId), idempotencyKey };
}

/** The form field an issue path belongs to (`body.input.sources.2` -> `repos`, `input.prompt` -> `prompt`). */
export function fieldOfPath(path: string): string {
  // The server writes indexes in brackets (`input.sources[2]`), the contract's own check with dots.
  const parts = path.replace(/^body\.?/, '').replace(/\[(\d+)\]/g, '.$1').split('.');
  const rest = parts[0] === 'input' ? parts.slice(1) : parts;
  const head = rest[0];
  if (head === 'sources') return 'repos';
  if (head === 'values') return rest[1] ? `values.${rest[1]}` : 'form';
  if (head === 'startingBranch') return 'branch';
  return head && head !== 'kind' ? head : 'form';
}

/** Field errors by form field, first one per field; repository issues say which line. */
export function fieldErrors(issues: readonly { path: string; message: string }[], body?: CreateBatchBody): Record<string, string> {
  const out: Record<string, string> = {};
  const sources = body && 'sources' in body.input ? (body.input.sources ?? []) : [];
  for (const i of issues) {
    const field = fieldOfPath(i.path);
    const m = /sources(?:\.(\d+)|\[(\d+)\])$/.exec(i.path);
    const repo = m ? (sources[Number(m[1] ?? m[2])] ?? `line ${Number(m[1] ?? m[2]) + 1}`) : null;
    const text = repo && !i.message.includes(repo) ? `${repo}: ${i.message}` : i.message;
    out[field] ??= text;
  }
  return out;
}

/** Checks the body with the server's own schema; messages in the user's words for the common misses. */
export function checkBody(body: CreateBatchBody): { ok: true; body: CreateBatchBody } | { ok: false; errors: Record<string, string> } {
  const r = CreateBatchBody.safeParse(body);
  if (r.success) return { ok: true, body: r.data };
  const issues = r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const errors = fieldErrors(issues, body);
  const kind = body.input.kind;
  if (errors.templateId && kind === 'template') errors.templateId = 'Choose a template';
  if (errors.prompt) errors.prompt = 'Write the prompt every session starts from';
  if (kind === 'prompt' && errors.repos && !('sources' in body.input && body.input.sources.length)) errors.repos = 'Add at least one repository (owner/repo, one per line)';
  return { ok: false, errors };
}

/** Problems of a preview by item index; problems about no listed item (or the whole batch) under -1. */
export function problemsByItem(p: BatchPreview): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const add = (k: number, text: string) => out.set(k, [...(out.get(k) ?? []), text]);
  for (const it of p.items) for (const pr of it.problems) add(it.index, pr.variable ? `${pr.variable}: ${pr.message}` : pr.message);
  for (const pr of p.problems) {
    const it = p.items.find((x) => x.index === pr.item);
    // A problem of an item not listed (a row that made no item) is shown with the batch-wide ones, never lost.
    if (!it) add(-1, problemText(pr));
    else if (!it.problems.length) add(it.index, problemText(pr));
  }
  return out;
}

/** A batch problem in words, with the row it came from when there is one. */
export function problemText(p: BatchProblem): string {
  // The server's row problems already start with "row N:".
  if (/^row \d+\b/.test(p.message)) return p.message;
  const where = p.row !== null ? `row ${p.row}` : p.item !== null ? `item ${p.item + 1}` : '';
  return [where, p.message].filter(Boolean).join(': ');
}

export interface Progress {
  total: number;
  created: number;
  failed: number;
  /** Created, in whole percent of the total (what the bar's value says). */
  createdPct: number;
  failedPct: number;
  /** Nothing left to wait for: every item created, failed or cancelled. */
  settled: boolean;
  label: string;
}

/** A batch's counts as a bar and a sentence: "2 / 3 created, 1 failed". */
export function progressOf(c: BatchCounts): Progress {
  const pct = (n: number) => (c.total === 0 ? 0 : Math.round((n / c.total) * 100));
  const parts = [`${c.created} / ${c.total} created`];
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.cancelled) parts.push(`${c.cancelled} cancelled`);
  if (c.dispatching) parts.push(`${c.dispatching} being sent`);
  if (c.queued) parts.push(`${c.queued} queued`);
  return {
    total: c.total,
    created: c.created,
    failed: c.failed,
    createdPct: pct(c.created),
    failedPct: Math.min(pct(c.failed), 100 - pct(c.created)),
    settled: c.queued === 0 && c.dispatching === 0,
    label: parts.join(', '),
  };
}

/** One item's state in words (a queued one with its place in line and ETA). */
export function itemText(i: BatchItem): string {
  switch (i.state) {
    case 'queued':
      return queuedText({ state: 'queued', position: i.position, waitingFor: i.waitingFor, eta: i.eta, error: i.error });
    case 'dispatching':
      return 'being sent to Jules';
    case 'created':
      return 'created';
    case 'failed':
      return i.error ? `failed: ${i.error}` : 'failed';
    case 'cancelled':
      return 'cancelled';
  }
}

/** A cached batch with the counts and state of a `batch.progress` event (items follow with the refetch). */
export function applyProgress<B extends Pick<Batch, 'id' | 'state' | 'counts'>>(b: B, e: EventData<'batch.progress'>): B {
  if (b.id !== e.id) return b;
  const { id: _id, state, ...counts } = e;
  return { ...b, state, counts };
}

export type BatchListPage = { items: BatchSummary[]; nextCursor: string | null };

/** Puts a batch's new state and counts into every cached page of the batches list that shows it. */
export function patchBatchLists(qc: QueryClient, b: Pick<Batch, 'id' | 'state' | 'counts'> & Partial<Batch>) {
  qc.setQueriesData<InfiniteData<BatchListPage>>({ queryKey: ['batches', 'list'] }, (old) =>
    old ? { ...old, pages: old.pages.map((p) => ({ ...p, items: p.items.map((s) => (s.id === b.id ? { ...s, state: b.state, counts: b.counts, ...(b.updatedAt && { updatedAt: b.updatedAt }) } : s)) })) } : old,
  );
}

/** The most text a CSV upload may hold (the contract's limit on `text`). */
export const MAX_TASK_TEXT = 1_000_000;

/** Reads an uploaded CSV (or text) file: UTF-8, BOM dropped; a binary or too large file is refused with the reason. */
export async function readTaskFile(file: Blob & { name?: string }): Promise<{ text: string } | { error: string }> {
  const name = file.name ?? 'the file';
  if (file.size > MAX_TASK_TEXT * 4) return { error: `${name} is too large (at most ${MAX_TASK_TEXT.toLocaleString('en')} characters)` };
  const text = (await file.text()).replace(/^\uFEFF/, '');
  if (text.includes('\u0000')) return { error: `${name} is not a text file (CSV expected)` };
  if (text.length > MAX_TASK_TEXT) return { error: `${name} is too large: ${text.length.toLocaleString('en')} characters, at most ${MAX_TASK_TEXT.toLocaleString('en')}` };
  if (text.trim() === '') return { error: `${name} is empty` };
  return { text };
}

/** A fresh idempotency key: one per dialog opening, so a double click or a retry after a network error reuses it. */
export function newIdempotencyKey(random: () => string = () => crypto.randomUUID()): string {
  return `dashboard-${random()}`;
}
