import { RE2JS } from 're2js';
import {
  normalizeSourceName, renderTemplateText, variablesIn,
  type CreateTemplateBody, type FieldIssue, type TemplateAutomationMode, type TemplatePreview, type TemplateProblem, type TemplateVariable,
} from '@autopilot/contracts';

/**
 * The pure rules of templates: the canonical definition of a body, the errors that refuse it (400), the warnings
 * kept with it, each variable's value checked against its type, and the rendering (plain text substitution, one
 * pass: nothing in a value is read as a variable or as code). The service stores and loads; this decides.
 */

/** A template's definition as stored and rendered: every default applied, sources canonical, tags lower-case. */
export interface TemplateDefinition {
  name: string;
  description: string;
  prompt: string;
  title: string | null;
  sources: string[];
  branch: string | null;
  requirePlanApproval: boolean;
  automationMode: TemplateAutomationMode;
  keeper: { paused: boolean; holdWords: string[] };
  tags: string[];
  variables: TemplateVariable[];
}

/** The variable whose value is the repository when `sources` is empty. */
export const SOURCE_VARIABLE = 'repo';
const TEXT_FIELDS = ['prompt', 'title', 'branch'] as const;
const FIELD_WORDS: Record<(typeof TEXT_FIELDS)[number], string> = { prompt: 'the prompt', title: 'the title', branch: 'the branch' };

const unique = <T>(xs: T[]): T[] => [...new Set(xs)];

/** The body with its defaults, sources as sources/github/owner/repo and tags lower-case, each once. */
export function definitionOf(body: CreateTemplateBody): TemplateDefinition {
  return {
    name: body.name,
    description: body.description ?? '',
    prompt: body.prompt,
    title: body.title ?? null,
    // The schema's pattern accepted every entry, so each normalises.
    sources: unique((body.sources ?? []).map((s) => normalizeSourceName(s) ?? s)),
    branch: body.branch ?? null,
    requirePlanApproval: body.requirePlanApproval ?? false,
    automationMode: body.automationMode ?? 'NONE',
    keeper: { paused: body.keeper?.paused ?? false, holdWords: unique(body.keeper?.holdWords ?? []) },
    tags: unique((body.tags ?? []).map((t) => t.toLowerCase())),
    variables: body.variables ?? [],
  };
}

/** A compiled RE2 pattern, or the reason it does not compile. */
export function compilePattern(pattern: string): { ok: true; re: RE2JS } | { ok: false; message: string } {
  try {
    return { ok: true, re: RE2JS.compile(pattern) };
  } catch (err) {
    return { ok: false, message: `not a valid regular expression (${(err as Error).message.replace(/^error parsing regexp: /, '')})` };
  }
}

/** What makes a definition unusable, as body issues: undeclared variables, a `repo` of another type, a broken pattern. */
export function definitionErrors(def: TemplateDefinition): Array<FieldIssue & { variable: string }> {
  const out: Array<FieldIssue & { variable: string }> = [];
  const declared = new Set(def.variables.map((v) => v.name));
  for (const field of TEXT_FIELDS) {
    const missing = variablesIn(def[field]).filter((n) => !declared.has(n));
    for (const name of missing) out.push({ path: `body.${field}`, variable: name, message: `{{${name}}} is used in ${FIELD_WORDS[field]} but not declared in variables` });
  }
  def.variables.forEach((v, i) => {
    if (v.name === SOURCE_VARIABLE && v.type !== 'repo') {
      out.push({ path: `body.variables.${i}.type`, variable: v.name, message: `the variable named ${SOURCE_VARIABLE} chooses the repository, so its type must be repo (not ${v.type})` });
    }
    if (v.type === 'string' && v.pattern !== undefined) {
      const c = compilePattern(v.pattern);
      if (!c.ok) out.push({ path: `body.variables.${i}.pattern`, variable: v.name, message: `pattern is ${c.message}` });
    }
  });
  return out;
}

/** Declared but never used, and defaults that break their own variable's rules: kept with the template, not refused. */
export function definitionWarnings(def: TemplateDefinition): TemplateProblem[] {
  const used = new Set(TEXT_FIELDS.flatMap((f) => variablesIn(def[f])));
  const out: TemplateProblem[] = [];
  for (const v of def.variables) {
    const isSource = v.name === SOURCE_VARIABLE && v.type === 'repo' && def.sources.length === 0;
    if (!used.has(v.name) && !isSource) {
      out.push({ variable: v.name, message: v.name === SOURCE_VARIABLE && def.sources.length > 0 ? 'declared but unused: sources are set, so it does not choose the repository' : 'declared but not used in the prompt, the title or the branch' });
    }
    if (v.default !== undefined) {
      const r = checkValue(v, v.default);
      if (!r.ok) out.push({ variable: v.name, message: `the default ${r.message}` });
    }
  }
  return out;
}

type Checked = { ok: true; value: string | number | boolean; text: string; source?: string } | { ok: false; message: string };

const describe = (raw: unknown) => (typeof raw === 'string' ? 'text' : typeof raw === 'number' ? 'a number' : typeof raw === 'boolean' ? 'a boolean' : typeof raw);
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const quote = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);

/** One value (given or default) against its variable: the typed value, its text in the prompt, and for a repo its source. */
export function checkValue(v: TemplateVariable, raw: string | number | boolean): Checked {
  switch (v.type) {
    case 'string': {
      if (typeof raw !== 'string') return { ok: false, message: `must be text, not ${describe(raw)}` };
      if (v.required && raw.trim() === '') return { ok: false, message: 'is required and must not be blank' };
      if (v.maxLength !== undefined && raw.length > v.maxLength) return { ok: false, message: `must be at most ${v.maxLength} characters (is ${raw.length})` };
      if (v.pattern !== undefined) {
        const c = compilePattern(v.pattern);
        if (!c.ok) return { ok: false, message: `cannot be checked: its pattern is ${c.message}` };
        if (!c.re.matcher(raw).find()) return { ok: false, message: `${quote(raw)} does not match the pattern ${v.pattern}` };
      }
      return { ok: true, value: raw, text: raw };
    }
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && NUMERIC.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
      if (!Number.isFinite(n)) return { ok: false, message: typeof raw === 'string' ? `must be a number, not ${quote(raw)}` : `must be a number, not ${describe(raw)}` };
      return { ok: true, value: n, text: String(n) };
    }
    case 'boolean': {
      const b = typeof raw === 'boolean' ? raw : typeof raw === 'string' && /^(true|false)$/i.test(raw.trim()) ? raw.trim().toLowerCase() === 'true' : undefined;
      if (b === undefined) return { ok: false, message: `must be true or false, not ${typeof raw === 'string' ? quote(raw) : describe(raw)}` };
      return { ok: true, value: b, text: String(b) };
    }
    case 'enum': {
      const s = String(raw);
      if (!v.values.includes(s)) return { ok: false, message: `must be one of ${v.values.join(', ')} (not ${quote(s)})` };
      return { ok: true, value: s, text: s };
    }
    case 'repo': {
      const source = typeof raw === 'string' ? normalizeSourceName(raw) : null;
      if (!source) return { ok: false, message: `must be a GitHub repository as owner/repo (also github/owner/repo or sources/github/owner/repo), not ${typeof raw === 'string' ? quote(raw) : describe(raw)}` };
      const ownerRepo = source.replace(/^sources\/github\//, '');
      return { ok: true, value: ownerRepo, text: ownerRepo, source };
    }
    case 'url': {
      if (typeof raw !== 'string') return { ok: false, message: `must be an http(s) URL, not ${describe(raw)}` };
      const t = raw.trim();
      let u: URL | undefined;
      try {
        u = new URL(t);
      } catch {
        u = undefined;
      }
      if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || t.length > 2000) return { ok: false, message: `must be an http(s) URL, not ${quote(raw)}` };
      return { ok: true, value: t, text: t };
    }
  }
}

// git's ref-name rules (git check-ref-format), the ones a rendered value can break.
const hasControl = (b: string) => [...b].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
const BRANCH_OK = (b: string) => /^[^\s~^:?*[\\]+$/.test(b) && !hasControl(b) && !b.includes('..') && !b.includes('@{') && !b.startsWith('-') && !b.startsWith('/') && !b.endsWith('/') && !b.endsWith('.lock') && !b.endsWith('.');

/**
 * Renders a definition with values: every declared variable takes its value (or default); each problem is named by
 * its variable: missing required, wrongly typed or invalid, and values given for no variable. `errors` (a draft's
 * definition errors) come first. Text is substituted in one pass; a variable without a value renders as ''.
 */
export function renderTemplate(def: TemplateDefinition, given: Readonly<Record<string, string | number | boolean>>): TemplatePreview {
  const problems: TemplateProblem[] = definitionErrors(def).map(({ variable, message }) => ({ variable, message }));
  const texts: Record<string, string> = {};
  const values: Record<string, string | number | boolean> = {};
  let source: string | undefined;
  const declared = new Set(def.variables.map((v) => v.name));
  for (const v of def.variables) {
    const has = Object.hasOwn(given, v.name);
    // An empty text for a non-text variable is "not given" (what an empty form field sends).
    const raw = has && !(given[v.name] === '' && v.type !== 'string') ? given[v.name] : undefined;
    texts[v.name] = '';
    if (raw === undefined && v.default === undefined) {
      if (v.required) problems.push({ variable: v.name, message: 'is required and has no default' });
      continue;
    }
    const r = checkValue(v, raw ?? (v.default as string | number | boolean));
    if (!r.ok) {
      problems.push({ variable: v.name, message: raw === undefined ? `the default ${r.message}` : r.message });
      continue;
    }
    texts[v.name] = r.text;
    values[v.name] = r.value;
    if (v.name === SOURCE_VARIABLE && r.source) source = r.source;
  }
  for (const name of Object.keys(given)) if (!declared.has(name)) problems.push({ variable: name, message: 'is not a variable of this template' });

  const prompt = renderTemplateText(def.prompt, texts);
  if (prompt.trim() === '') problems.push({ variable: null, message: 'the prompt is blank once rendered' });
  if (prompt.length > 50_000) problems.push({ variable: null, message: `the prompt is ${prompt.length} characters once rendered (at most 50000)` });
  const title = def.title === null ? null : renderTemplateText(def.title, texts).trim() || null;
  if (title && title.length > 300) problems.push({ variable: null, message: `the title is ${title.length} characters once rendered (at most 300)` });
  const branch = def.branch === null ? null : renderTemplateText(def.branch, texts).trim() || null;
  if (branch && (!BRANCH_OK(branch) || branch.length > 250)) {
    problems.push({ variable: variablesIn(def.branch)[0] ?? null, message: `the branch ${quote(branch)} is not a valid branch name` });
  }
  const sources = def.sources.length > 0 ? def.sources : source ? [source] : [];
  return {
    prompt, title, sources, branch, requirePlanApproval: def.requirePlanApproval, automationMode: def.automationMode, keeper: def.keeper, values, problems, warnings: definitionWarnings(def),
  };
}
