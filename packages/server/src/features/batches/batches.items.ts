import { normalizeSourceName, type BatchInput, type BatchProblem, type DispatchRequest, type TemplatePreview, type TemplateProblem } from '@autopilot/contracts';
import { renderTemplate, type TemplateDefinition } from '../templates';
import { parseTaskList } from './batches.parse';

/**
 * The items of a batch, built and checked without storing anything: each item is one session's request, with
 * the problems that stop it named by the field of the body a person must change (`<at>.values.<var>`,
 * `<at>.sources[i]`, or `<at>.text` with the row in the message). Preview and create both build through this.
 */

export interface BuiltItem {
  index: number;
  row: number | null;
  label: string;
  request: DispatchRequest;
  problems: TemplateProblem[];
  keeper?: { paused: boolean; holdWords: string[] };
}

export interface BuiltBatch {
  items: BuiltItem[];
  skipped: Array<{ row: number; reason: string }>;
  problems: BatchProblem[];
  name: string;
}

/** Where each part of the input is in the request body (a batch's `body.input.*`, a launch's `body.*`). */
export interface InputPaths {
  values: string;
  sources: string;
  text: string;
  template: string;
}

export const BATCH_PATHS: InputPaths = { values: 'body.input.values', sources: 'body.input.sources', text: 'body.input.text', template: 'body.input.templateId' };

type Values = Record<string, string | number | boolean>;
type Source = { source: string; index: number };

const ownerRepo = (source: string) => source.replace(/^sources\/github\//, '');
const short = (s: string, n = 80) => {
  const line = s.split(/\r?\n/, 1)[0].trim();
  return line.length > n ? `${line.slice(0, n - 1)}…` : line;
};
const BRANCH_OK = (b: string) => b.length <= 250 && /^[^\s~^:?*[\\]+$/.test(b) && !b.includes('..') && !b.startsWith('-') && !b.endsWith('/') && !b.endsWith('.lock');

/** Sources in any spelling as canonical names, each once (case-insensitively, the first spelling kept). */
function uniqueSources(sources: string[], path: string, problems: BatchProblem[]): Source[] {
  const seen = new Set<string>();
  const out: Source[] = [];
  sources.forEach((raw, index) => {
    const source = normalizeSourceName(raw);
    if (!source) {
      problems.push({ item: null, row: null, path: `${path}[${index}]`, message: `"${short(raw, 60)}" is not a GitHub repository (owner/repo)` });
      return;
    }
    if (seen.has(source.toLowerCase())) return;
    seen.add(source.toLowerCase());
    out.push({ source, index });
  });
  return out;
}

export interface BuildContext {
  /** The template the input names (already loaded), or null. */
  template: (TemplateDefinition & { id: string }) | null;
  paths: InputPaths;
  name?: string;
}

/** Builds every item of `input`; a non-empty `problems` means nothing may be created. */
export function buildBatch(input: BatchInput, ctx: BuildContext): BuiltBatch {
  const problems: BatchProblem[] = [];
  const items: BuiltItem[] = [];
  const skipped: BuiltBatch['skipped'] = [];
  const { template, paths } = ctx;
  const flags = (preview: Pick<TemplatePreview, 'requirePlanApproval' | 'automationMode'> | null) => {
    const own: { requirePlanApproval?: boolean; autoCreatePr?: boolean } = input.kind === 'template' ? {} : input;
    return {
      requirePlanApproval: own.requirePlanApproval ?? preview?.requirePlanApproval ?? false,
      autoCreatePr: own.autoCreatePr ?? (preview ? preview.automationMode === 'AUTO_CREATE_PR' : false),
    };
  };
  /** A template's problems as the batch's, each on the field that supplied the variable. */
  const report = (item: number, row: number | null, ps: TemplateProblem[], fromRow: Set<string>, fromSource: number | null) => {
    for (const p of ps) {
      const what = p.variable === null ? p.message : `{{${p.variable}}} ${p.message}`;
      if (row !== null && (p.variable === null || fromRow.has(p.variable))) problems.push({ item, row, path: paths.text, message: `row ${row}: ${what}` });
      else if (p.variable === 'repo' && fromSource !== null) problems.push({ item, row, path: `${paths.sources}[${fromSource}]`, message: what });
      else if (p.variable === null) problems.push({ item, row, path: paths.template, message: what });
      else problems.push({ item, row, path: `${paths.values}.${p.variable}`, message: row === null ? what : `${what} (row ${row})` });
    }
  };
  const declares = (name: string) => !!template?.variables.some((v) => v.name === name);

  if (input.kind === 'template' || input.kind === 'prompt') {
    const values: Values = input.kind === 'template' ? (input.values ?? {}) : {};
    const given = input.sources ? uniqueSources(input.sources, paths.sources, problems) : null;
    if (input.kind === 'prompt') {
      for (const s of given ?? []) {
        const request: DispatchRequest = { prompt: input.prompt, title: input.title ?? null, source: s.source, startingBranch: input.branch ?? null, ...flags(null) };
        items.push({ index: items.length, row: null, label: ownerRepo(s.source), request, problems: [] });
      }
      return finish(items, skipped, problems, ctx.name ?? short(input.prompt));
    }
    if (!template) throw new Error('a template input needs its template');
    const targets: Array<Source | null> = given ? [...given] : [];
    if (!given) {
      const base = renderTemplate(template, values);
      const own = base.sources.length ? base.sources.map((source, index) => ({ source, index })) : [null];
      targets.push(...own);
    }
    for (const t of targets) {
      // Given sources fill the template's repo variable too, so a prompt that names {{repo}} names each one.
      const v: Values = t && given && declares('repo') ? { ...values, repo: ownerRepo(t.source) } : values;
      const p = renderTemplate(template, v);
      const index = items.length;
      report(index, null, p.problems, new Set(), given && t ? t.index : null);
      const request: DispatchRequest = { prompt: p.prompt, title: p.title, source: t?.source ?? null, startingBranch: p.branch, ...flags(p) };
      items.push({ index, row: null, label: t ? ownerRepo(t.source) : short(p.prompt), request, problems: p.problems, keeper: p.keeper });
    }
    return finish(items, skipped, problems, ctx.name ?? template.name);
  }

  // A task list: every task is one session.
  const parsed = parseTaskList(input.format, input.text);
  skipped.push(...parsed.skipped);
  for (const p of parsed.problems) problems.push({ item: null, row: p.row, path: paths.text, message: `row ${p.row}: ${p.message}` });
  const defaultSource = input.source ? normalizeSourceName(input.source) : null;
  const cols = columnsOf(parsed.columns, template);
  if (input.format === 'csv' && parsed.columns.length) {
    for (const c of cols.unknown) problems.push({ item: null, row: 1, path: paths.text, message: `row 1: the column "${c}" is ${template ? 'neither a variable of the template nor' : 'not'} one of prompt, source (or repo), branch, title` });
    if (!template && !cols.prompt) problems.push({ item: null, row: 1, path: paths.text, message: 'row 1: the header has no prompt column' });
  } else if (template && !declares('task')) {
    problems.push({ item: null, row: null, path: paths.template, message: 'the template has no {{task}} variable: each task of a list fills {{task}}' });
    return finish(items, skipped, problems, ctx.name ?? template.name);
  }
  if (problems.length) return finish(items, skipped, problems, ctx.name ?? `${parsed.tasks.length} tasks`);

  for (const task of parsed.tasks) {
    const index = items.length;
    const row = task.row;
    const cell = (name: string | undefined) => (name && task.cells ? task.cells[name].trim() : '') || undefined;
    const rowProblem = (message: string) => problems.push({ item: index, row, path: paths.text, message: `row ${row}: ${message}` });
    const rawSource = cell(cols.source);
    let source: string | null = defaultSource;
    if (rawSource !== undefined) {
      source = normalizeSourceName(rawSource);
      if (!source) rowProblem(`the source "${short(rawSource, 60)}" is not a GitHub repository (owner/repo)`);
    }
    const branch = cell(cols.branch) ?? input.branch ?? null;
    if (branch !== null && !BRANCH_OK(branch)) rowProblem(`the branch "${short(branch, 60)}" is not a valid branch name`);
    const title = cell(cols.title);
    if (title && title.length > 300) rowProblem(`the title is ${title.length} characters (at most 300)`);
    let request: DispatchRequest;
    let itemProblems: TemplateProblem[] = [];
    let keeper: BuiltItem['keeper'];
    if (template) {
      const fromRow = new Set<string>();
      const v: Values = { ...(input.values ?? {}) };
      if (task.text !== undefined) {
        v.task = task.text;
        fromRow.add('task');
      }
      for (const name of cols.variables) {
        const value = cell(name);
        if (value !== undefined) {
          v[name] = value;
          fromRow.add(name);
        }
      }
      const p = renderTemplate(template, v);
      report(index, row, p.problems, fromRow, null);
      itemProblems = p.problems;
      keeper = p.keeper;
      if (rawSource === undefined && p.sources.length === 1) source = p.sources[0];
      else if (rawSource === undefined && !defaultSource && p.sources.length > 1) rowProblem(`the template has ${p.sources.length} repositories: give the task a source column, or set source`);
      request = { prompt: p.prompt, title: title ?? p.title, source, startingBranch: cell(cols.branch) ?? input.branch ?? p.branch, ...flags(p) };
    } else {
      const prompt = task.text ?? cell(cols.prompt) ?? '';
      if (prompt === '') rowProblem('the prompt is empty');
      if (prompt.length > 50_000) rowProblem(`the prompt is ${prompt.length} characters (at most 50000)`);
      request = { prompt, title: title ?? null, source, startingBranch: branch, ...flags(null) };
    }
    const label = [short(task.text ?? cell(cols.prompt) ?? request.prompt, 60), source ? ownerRepo(source) : ''].filter(Boolean).join(' · ');
    items.push({ index, row, label, request, problems: itemProblems, keeper });
  }
  return finish(items, skipped, problems, ctx.name ?? template?.name ?? (items.length === 1 ? items[0].label : `${items.length} tasks`));
}

/** Which CSV header names are which (case-insensitive for the fixed columns; variables by their exact name). */
function columnsOf(columns: string[], template: BuildContext['template']) {
  const variables = new Set(template?.variables.map((v) => v.name) ?? []);
  const find = (...names: string[]) => columns.find((c) => !variables.has(c) && names.includes(c.toLowerCase()));
  const out = {
    prompt: template ? undefined : find('prompt'),
    source: find('source', 'repo', 'repository'),
    branch: find('branch'),
    title: find('title'),
    variables: columns.filter((c) => variables.has(c)),
    unknown: [] as string[],
  };
  const known = new Set([out.prompt, out.source, out.branch, out.title, ...out.variables].filter(Boolean));
  out.unknown = columns.filter((c) => c !== '' && !known.has(c));
  return out;
}

/** Drops repeats of one problem (a missing value hits every item alike) and keeps the first 200. */
function finish(items: BuiltItem[], skipped: BuiltBatch['skipped'], problems: BatchProblem[], name: string): BuiltBatch {
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const k = `${p.path}\n${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { items, skipped, problems: unique.slice(0, 200), name: name.slice(0, 200) || 'Batch' };
}

