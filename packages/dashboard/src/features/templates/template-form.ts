import { SOURCE_PATTERN, TEMPLATE_VARIABLE_TYPES, VARIABLE_NAME_PATTERN, variablesIn, type CreateTemplateBody, type Template, type TemplateAutomationMode, type TemplatePreview, type TemplateVariable, type TemplateVariableType } from '@autopilot/contracts';

/* The template editor's form (every input as the text typed) and its translation to and from the API's shapes. */

export { TEMPLATE_VARIABLE_TYPES };

export interface VariableRow {
  /** Stable React key: rows are added and removed, and a name changes while it is typed. */
  key: string;
  name: string;
  type: TemplateVariableType;
  required: boolean;
  /** As typed; a boolean's is '' | 'true' | 'false'. */
  default: string;
  description: string;
  /** Enum values, one per line or comma-separated. */
  values: string;
  /** A string variable's pattern. */
  pattern: string;
}

export interface TemplateForm {
  name: string;
  description: string;
  prompt: string;
  title: string;
  branch: string;
  /** Repositories, one per line. */
  sources: string;
  requirePlanApproval: boolean;
  automationMode: TemplateAutomationMode;
  keeperPaused: boolean;
  /** Hold words, comma-separated or one per line. */
  holdWords: string;
  /** Tags, separated by commas or spaces. */
  tags: string;
  variables: VariableRow[];
}

let rowSeq = 0;
export const newRowKey = () => `v${++rowSeq}`;

export const emptyRow = (name = ''): VariableRow => ({ key: newRowKey(), name, type: name === 'repo' ? 'repo' : 'string', required: true, default: '', description: '', values: '', pattern: '' });

export const emptyTemplateForm = (): TemplateForm => ({
  name: '',
  description: '',
  prompt: '',
  title: '',
  branch: '',
  sources: '',
  requirePlanApproval: false,
  automationMode: 'AUTO_CREATE_PR',
  keeperPaused: false,
  holdWords: '',
  tags: '',
  variables: [],
});

/** `sources/github/acme/api` -> `acme/api`, as people type it. */
const shortSource = (s: string) => s.replace(/^sources\/github\//, '');

/** Splits a list typed with commas, spaces or newlines (`spaces`: also on spaces). */
export function splitList(text: string, spaces = false): string[] {
  return text
    .split(spaces ? /[\s,]+/ : /[\n,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function rowOf(v: TemplateVariable): VariableRow {
  return {
    key: newRowKey(),
    name: v.name,
    type: v.type,
    required: v.required ?? false,
    default: v.default === undefined ? '' : String(v.default),
    description: v.description ?? '',
    values: v.type === 'enum' ? v.values.join('\n') : '',
    pattern: v.type === 'string' ? (v.pattern ?? '') : '',
  };
}

/** The form showing a saved template. */
export function formOfTemplate(t: Template): TemplateForm {
  return {
    name: t.name,
    description: t.description,
    prompt: t.prompt,
    title: t.title ?? '',
    branch: t.branch ?? '',
    sources: t.sources.map(shortSource).join('\n'),
    requirePlanApproval: t.requirePlanApproval,
    automationMode: t.automationMode,
    keeperPaused: t.keeper.paused,
    holdWords: t.keeper.holdWords.join(', '),
    tags: t.tags.join(', '),
    variables: t.variables.map(rowOf),
  };
}

/** One row as the API's variable. A number default that is not a number is sent as typed, so the server names it. */
export function variableOf(r: VariableRow): TemplateVariable {
  const base = { name: r.name.trim(), ...(r.description.trim() ? { description: r.description.trim() } : {}), ...(r.required ? { required: true } : {}) };
  const d = r.default.trim();
  switch (r.type) {
    case 'number':
      return { ...base, type: 'number', ...(d !== '' ? { default: (Number.isFinite(Number(d)) ? Number(d) : d) as number } : {}) };
    case 'boolean':
      return { ...base, type: 'boolean', ...(d === 'true' || d === 'false' ? { default: d === 'true' } : {}) };
    case 'enum':
      return { ...base, type: 'enum', values: splitList(r.values), ...(d !== '' ? { default: d } : {}) };
    case 'string':
      return { ...base, type: 'string', ...(r.default !== '' ? { default: r.default } : {}), ...(r.pattern.trim() ? { pattern: r.pattern.trim() } : {}) };
    default:
      return { ...base, type: r.type, ...(d !== '' ? { default: d } : {}) };
  }
}

const opt = (s: string) => (s.trim() === '' ? undefined : s.trim());

/** The create/update body of the form (blank optional fields left out, so the server's defaults apply). */
export function templateBody(f: TemplateForm): CreateTemplateBody {
  const holdWords = splitList(f.holdWords);
  return {
    name: f.name.trim(),
    ...(f.description.trim() ? { description: f.description.trim() } : {}),
    prompt: f.prompt,
    ...(opt(f.title) ? { title: opt(f.title) } : {}),
    ...(opt(f.branch) ? { branch: opt(f.branch) } : {}),
    sources: splitList(f.sources, true),
    requirePlanApproval: f.requirePlanApproval,
    automationMode: f.automationMode,
    keeper: { paused: f.keeperPaused, holdWords },
    tags: splitList(f.tags, true).map((t) => t.toLowerCase()),
    variables: f.variables.map(variableOf),
  };
}

const NAME = new RegExp(VARIABLE_NAME_PATTERN);
const SOURCE = new RegExp(SOURCE_PATTERN);
const TAG = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$/;

/**
 * What keeps the draft from being previewed (a body the server would refuse as a whole), each tied to its field
 * or row: the preview waits for these instead of sending a request that can only fail. Empty = ready.
 */
export function draftBlockers(f: TemplateForm): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  if (!f.prompt.trim()) out.push({ field: 'prompt', message: 'Write a prompt to see the preview' });
  for (const s of splitList(f.sources, true)) if (!SOURCE.test(s)) out.push({ field: 'sources', message: `${s} is not a GitHub repository (owner/repo)` });
  for (const t of splitList(f.tags, true)) if (!TAG.test(t)) out.push({ field: 'tags', message: `${t}: letters, digits, . _ / - (at most 40)` });
  const seen = new Set<string>();
  for (const r of f.variables) {
    const n = r.name.trim();
    if (!NAME.test(n)) out.push({ field: r.key, message: n ? `${n}: letters, digits and _, not starting with a digit` : 'a variable needs a name' });
    else if (seen.has(n)) out.push({ field: r.key, message: `${n} is declared twice` });
    seen.add(n);
    if (r.type === 'enum' && splitList(r.values).length === 0) out.push({ field: r.key, message: `${n || 'an enum'}: list its values` });
    if (r.type === 'number' && r.default.trim() !== '' && !Number.isFinite(Number(r.default.trim()))) out.push({ field: r.key, message: `${n}: the default must be a number` });
  }
  return out;
}

/** The draft preview needs a name and a prompt to be a valid body; a placeholder name keeps it working before one is typed. */
export function draftBody(f: TemplateForm): CreateTemplateBody {
  const b = templateBody(f);
  return { ...b, name: b.name || 'Untitled' };
}

export interface PreviewProblems {
  /** Problems of declared variables, by row key. */
  byRow: Map<string, string[]>;
  /** Variables the texts use (or values name) that no row declares, with their messages. */
  undeclared: Map<string, string[]>;
  /** Problems of the template as a whole. */
  general: string[];
}

function push<K>(m: Map<K, string[]>, k: K, msg: string) {
  m.set(k, [...(m.get(k) ?? []), msg]);
}

/** Sorts a preview's problems (or warnings) under the row of the variable each names. */
export function problemsByVariable(list: TemplatePreview['problems'], rows: readonly VariableRow[]): PreviewProblems {
  const out: PreviewProblems = { byRow: new Map(), undeclared: new Map(), general: [] };
  for (const p of list) {
    if (p.variable === null) {
      out.general.push(p.message);
      continue;
    }
    const row = rows.find((r) => r.name.trim() === p.variable);
    if (row) push(out.byRow, row.key, p.message);
    else push(out.undeclared, p.variable, p.message);
  }
  return out;
}

/** Maps the API's field errors (`variables.2.name`, `prompt`) to row keys and form fields. */
export function fieldErrorsOf(fields: Record<string, string>, rows: readonly VariableRow[]): { byRow: Map<string, string[]>; fields: Record<string, string> } {
  const byRow = new Map<string, string[]>();
  const rest: Record<string, string> = {};
  for (const [path, message] of Object.entries(fields)) {
    const m = /^(?:template\.)?variables\.(\d+)(?:\.(\w+))?/.exec(path);
    const row = m ? rows[Number(m[1])] : undefined;
    if (row) push(byRow, row.key, m?.[2] ? `${m[2]}: ${message}` : message);
    else rest[path.replace(/^template\./, '').split('.')[0]] = message;
  }
  return { byRow, fields: rest };
}

/** Names the texts use that no row declares (offered as "Declare" buttons before the server answers). */
export function undeclaredNames(f: TemplateForm): string[] {
  const declared = new Set(f.variables.map((r) => r.name.trim()));
  return [...new Set([...variablesIn(f.prompt), ...variablesIn(f.title), ...variablesIn(f.branch)])].filter((n) => !declared.has(n));
}

/** True when the form differs from the saved template (leaving asks first). */
export function isDirty(f: TemplateForm, saved: Template | undefined): boolean {
  const strip = (x: TemplateForm) => JSON.stringify({ ...x, variables: x.variables.map(({ key: _k, ...r }) => r) });
  return strip(f) !== strip(saved ? formOfTemplate(saved) : emptyTemplateForm());
}
