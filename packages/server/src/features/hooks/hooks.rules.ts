import { JSONPath } from 'jsonpath-plus';
import safeRegex from 'safe-regex2';
import {
  SOURCE_PATTERN, VARIABLE_REFERENCE, conditionValue, variablesIn,
  type FieldIssue, type HookAction, type HookCondition, type HookPreset, type HookRule, type HookRuleInput, type HookRulesTestResult,
} from '@autopilot/contracts';

/**
 * The pure rules of inbound webhooks (docs/webhooks.md, "Rules" and "Testing rules without acting"): JSONPath
 * selection over a delivery, the condition operators, variables extracted from the payload and filled into action
 * texts, the evaluation of an endpoint's rules in order, the test answer, save-time checks, the `/jules` command
 * syntax and the presets' starter rules. Nothing here acts or does I/O; hooks.runner.ts acts on what this decides.
 *
 * Payloads are hostile data and rules are written by members: a path selects values and never runs code from the
 * payload, a regular expression runs only once safe-regex2 accepts it, and extracted values are inserted as text in
 * one pass (a value containing `{{x}}` stays as it is).
 */

/** What rules see: `$.body…` is the payload, `$.headers['x-name']` a lower-case header. */
export interface RuleDoc {
  body: unknown;
  headers: Record<string, string>;
}

/** The document rules run on; header names lower-cased (pasted test headers may come in any case). */
export const docOf = (payload: unknown, headers: Record<string, string>): RuleDoc => ({
  body: payload,
  // fromEntries defines own properties, so a header named `__proto__` is just a header.
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
});

/** A JSONPath that does not parse, or uses a filter this module refuses. */
export class RulePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RulePathError';
  }
}

/** How many values a condition looks at: enough for any real list, bounded for a hostile one. */
const CONDITION_MAX = 10_000;
/** Values a condition reports (the test answer's `values`). */
const SHOWN_VALUES = 10;
/** The longest variable value: the longest text field (a prompt) is 50,000 characters. */
const VARIABLE_MAX = 50_000;
const DESCRIPTION_MAX = 200;

const STOP = Symbol('enough values');

/**
 * Why a path cannot be used, or null. jsonpath-plus parses almost anything leniently (`$.[` is a recursive descent,
 * a path without `$` silently selects nothing), so the shape is checked here: it starts at `$`, brackets and quotes
 * balance, and every script segment (`[?(…)]` filters, `[(…)]` expressions) is one this module allows and compiles.
 */
function pathProblem(path: string): string | null {
  if (!path.startsWith('$')) return 'a JSONPath starts with $ (e.g. $.body.action)';
  const open: string[] = [];
  let quote: string | null = null;
  for (let i = 0; i < path.length; i++) {
    const ch = path[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
    } else if (open.length > 0 && (ch === "'" || ch === '"')) quote = ch;
    else if (ch === '[' || ch === '(') open.push(ch);
    else if (ch === ']' || ch === ')') {
      if (open.pop() !== (ch === ']' ? '[' : '(')) return `unbalanced ${ch} at character ${i + 1}`;
    }
  }
  if (quote) return `unterminated ${quote}`;
  if (open.length > 0) return `unclosed ${open[open.length - 1]}`;
  let segments: unknown[];
  try {
    segments = JSONPath.toPathArray(path);
  } catch (err) {
    return `not a JSONPath (${(err as Error).message.slice(0, 200)})`;
  }
  for (const segment of segments) {
    // jsonpath-plus leaves holes (undefined) in the array of some malformed paths: those are not filters.
    if (typeof segment !== 'string' || (!segment.startsWith('?(') && !segment.startsWith('('))) continue;
    const problem = scriptProblem(segment);
    if (problem) return problem;
  }
  return null;
}

/**
 * Filters may compare and combine values (`?(@.name == 'jules' && @.size > 2)`), nothing more. jsonpath-plus runs
 * them with `eval: 'safe'`: its own evaluator over a jsep parse tree (src/Safe-Script.js), no eval, Function or vm,
 * with `constructor`, `__proto__` and the Function constructors blocked. (Its README still says that in Node "safe"
 * is equivalent to native; the 11.x source picks the safe evaluator for 'safe' in Node too: jsonpath.js `_eval`.)
 * That evaluator still lets a filter call methods of values (`@.s.repeat(1e8)`) and use regex literals
 * (`@.s.match(/(a+)+$/)`), which would bypass the catastrophic-backtracking check of `matches`; so calls and `/` are
 * refused here, before anything runs.
 */
function scriptProblem(segment: string): string | null {
  const code = segment.replace(/^\?/, '').slice(1, -1).replace(/'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"/g, "''");
  if (/[\w$@)\]]\s*\(/.test(code)) return `a filter cannot call functions or methods: ${segment}`;
  if (code.includes('/')) return `a filter cannot use / (regular expressions or division; use the matches operator): ${segment}`;
  if (code.includes('`')) return `a filter cannot use template strings: ${segment}`;
  try {
    // Compiles the script (a syntax error throws even with ignoreEvalErrors); evaluation on {} has no effect.
    JSONPath({ path: `$[${segment}]`, json: [{}], wrap: true, eval: 'safe', ignoreEvalErrors: true });
  } catch (err) {
    return `the filter does not parse (${(err as Error).message}): ${segment}`;
  }
  return null;
}

/**
 * Every value a JSONPath selects (jsonpath-plus, wrap: true, eval: 'safe'; filters limited as `scriptProblem`
 * says), at most `max`: selection stops there, so `$..*` over a huge payload costs no more than `max` results.
 * A filter that fails on some value (`@.name` of a null) does not select it. Throws RulePathError on a path that does
 * not parse, or when the payload cannot be walked (nested deeper than the stack).
 */
export function select(path: string, doc: RuleDoc, max = 100): unknown[] {
  const problem = pathProblem(path);
  if (problem) throw new RulePathError(problem);
  const out: unknown[] = [];
  if (max <= 0) return out;
  try {
    JSONPath({
      path, json: doc, wrap: true, eval: 'safe', ignoreEvalErrors: true,
      callback: (value: unknown) => {
        out.push(value);
        if (out.length >= max) throw STOP;
      },
    });
  } catch (err) {
    if (err !== STOP) throw new RulePathError(err instanceof RangeError ? 'the payload is nested too deeply for this path' : (err as Error).message);
  }
  return out;
}

export interface ConditionResult {
  path: string;
  op: HookCondition['op'];
  held: boolean;
  /** What the path selected, at most 10. */
  values: unknown[];
  error: string | null;
}

const nfc = (s: string) => s.normalize('NFC');

/** Deep JSON equality, strings compared after NFC normalisation. Recursion stops at the shallower side (a rule's value). */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a === b || nfc(a) === nfc(b);
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.hasOwn(rb, k) && same(ra[k], rb[k]));
}

const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;
/** A number, or a decimal numeric string (trimmed, not ''), when finite. */
function numberOf(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  const t = v.trim();
  if (!DECIMAL.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** The regular expression of a `matches` condition, or why it may not run. */
function regexOf(pattern: unknown): { ok: true; re: RegExp } | { ok: false; message: string } {
  if (typeof pattern !== 'string') return { ok: false, message: 'matches needs a regular expression (a string) as its value' };
  let re: RegExp;
  try {
    re = new RegExp(nfc(pattern));
  } catch (err) {
    return { ok: false, message: `not a valid regular expression (${(err as Error).message})` };
  }
  if (!safeRegex(re)) return { ok: false, message: 'the regular expression could backtrack catastrophically (nested or too many repetitions); simplify it' };
  return { ok: true, re };
}

const COMPARE = { gt: (a: number, b: number) => a > b, gte: (a: number, b: number) => a >= b, lt: (a: number, b: number) => a < b, lte: (a: number, b: number) => a <= b };

/** Whether `op` holds over the selected values, or why it cannot be decided (a bad value). */
function decide(op: HookCondition['op'], values: unknown[], expected: unknown): { held: boolean; error: string | null } {
  const yes = (held: boolean) => ({ held, error: null });
  switch (op) {
    case 'exists':
      return yes(values.length > 0);
    case 'not_exists':
      return yes(values.length === 0);
    case 'equals':
      return yes(values.some((v) => same(v, expected)));
    case 'not_equals':
      return yes(values.length > 0 && !values.some((v) => same(v, expected)));
    case 'matches': {
      const r = regexOf(expected);
      if (!r.ok) return { held: false, error: r.message };
      return yes(values.some((v) => typeof v === 'string' && r.re.test(nfc(v))));
    }
    case 'in':
      if (!Array.isArray(expected)) return { held: false, error: 'in needs an array as its value' };
      return yes(values.some((v) => expected.some((e) => same(v, e))));
    case 'contains': {
      const needle = typeof expected === 'string' ? nfc(expected) : null;
      return yes(values.some((v) => (needle !== null && typeof v === 'string' && nfc(v).includes(needle)) || (Array.isArray(v) && v.some((e) => same(e, expected)))));
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof expected !== 'number' || !Number.isFinite(expected)) return { held: false, error: `${op} needs a finite number as its value` };
      const cmp = COMPARE[op];
      return yes(values.some((v) => {
        const n = numberOf(v);
        return n !== null && cmp(n, expected);
      }));
    }
  }
}

/** One condition over the document. Never throws: a bad path, regex or value is `held: false` with `error`. */
export function checkCondition(c: HookCondition, doc: RuleDoc): ConditionResult {
  let values: unknown[];
  try {
    values = select(c.path, doc, CONDITION_MAX);
  } catch (err) {
    return { path: c.path, op: c.op, held: false, values: [], error: (err as Error).message };
  }
  const { held, error } = decide(c.op, values, conditionValue(c));
  return { path: c.path, op: c.op, held, values: values.slice(0, SHOWN_VALUES), error };
}

/** Cuts at `max` characters without splitting a surrogate pair. */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const end = /[\uD800-\uDBFF]/.test(s[max - 1]) ? max - 1 : max;
  return s.slice(0, end);
}

/** The first value a path selects as text: strings as is, other JSON compact; null when nothing (or a bad path). */
function variableOf(path: string, doc: RuleDoc): string | null {
  try {
    const [v] = select(path, doc, 1);
    if (v === undefined) return null;
    return cut(typeof v === 'string' ? v : JSON.stringify(v), VARIABLE_MAX);
  } catch {
    return null;
  }
}

/** name -> first value selected: strings as is, other JSON compact (JSON.stringify), null when nothing selected. Each at most 50,000 characters. */
export function extractVars(extract: Record<string, string> | undefined, doc: RuleDoc): Record<string, string | null> {
  // fromEntries: a variable named __proto__ or constructor is an own property like any other.
  return Object.fromEntries(Object.entries(extract ?? {}).map(([name, path]) => [name, variableOf(path, doc)]));
}

/**
 * Replaces {{name}} (optional spaces inside braces) with the variable ('' for null/unknown). Values are inserted
 * verbatim as data, in one pass: a `{{…}}` inside a value is not expanded.
 */
export function fill(text: string, vars: Record<string, string | null>): string {
  return text.replace(VARIABLE_REFERENCE, (_m, name: string) => (Object.hasOwn(vars, name) ? (vars[name] ?? '') : ''));
}

/** The extract map of any action kind ({} for slack_command). */
export function extractOf(action: HookAction): Record<string, string> {
  return action.kind === 'slack_command' ? {} : (action.extract ?? {});
}

export interface RuleEval {
  rule: HookRule;
  /** Enabled and every condition held. */
  matched: boolean;
  /** Matched and reached: mode first stops at the first match. */
  wouldRun: boolean;
  conditions: ConditionResult[];
  /** The extracted variables of a matched rule ({} otherwise). */
  variables: Record<string, string | null>;
}

/**
 * The rules in order. Disabled rules never match (their conditions are still reported); mode 'first': only the first
 * matched rule has wouldRun; 'all': every matched. Variables are extracted only for matched rules ({} otherwise).
 */
export function evaluate(rules: HookRule[], mode: 'first' | 'all', doc: RuleDoc): RuleEval[] {
  let ran = false;
  return rules.map((rule) => {
    const conditions = rule.conditions.map((c) => checkCondition(c, doc));
    const matched = rule.enabled && conditions.every((c) => c.held);
    const wouldRun = matched && (mode === 'all' || !ran);
    ran ||= wouldRun;
    return { rule, matched, wouldRun, conditions, variables: matched ? extractVars(extractOf(rule.action), doc) : {} };
  });
}

/** One line, at most ~200 characters, quoted. */
function quoted(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return `“${line.length > DESCRIPTION_MAX ? `${cut(line, DESCRIPTION_MAX - 1)}…` : line}”`;
}

function describeWith(action: HookAction, text: (s: string) => string, doc?: RuleDoc): string {
  switch (action.kind) {
    case 'launch_template': {
      const values = Object.entries(action.values ?? {}).map(([k, v]) => `${k} = ${quoted(text(v))}`);
      return `launch template ${action.templateId}${action.repo ? ` in ${text(action.repo)}` : ''}${values.length ? ` with ${values.join(', ')}` : ''}`;
    }
    case 'launch_session':
      return `launch a session in ${text(action.repo)}${action.title ? ` titled ${quoted(text(action.title))}` : ''}: ${quoted(text(action.prompt))}`;
    case 'run_batch': {
      let items = `each value of ${action.items}`;
      if (doc) {
        try {
          const n = select(action.items, doc, 1000).length;
          items += ` (${n === 1000 ? 'at least 1000' : n} here)`;
        } catch (err) {
          items += ` (${(err as Error).message})`;
        }
      }
      return `run a batch: one session per ${items}${action.templateId ? ` with template ${action.templateId}` : ''}${action.repo ? ` in ${text(action.repo)}` : ''}`;
    }
    case 'message_session':
      return `message session ${text(action.sessionId)}: ${quoted(text(action.message))}`;
    case 'notify':
      return `notify (${action.severity ?? 'info'}): ${quoted(text(action.title))}${action.body ? ` ${quoted(text(action.body))}` : ''}`;
    case 'slack_command': {
      const commandText = doc ? select('$.body.text', doc, 1)[0] : undefined;
      if (typeof commandText !== 'string') return `launch a session from the command's text${action.defaultRepo ? ` (default repository ${action.defaultRepo})` : ''}`;
      const { prompt, repo } = parseSlackCommand(commandText, action.defaultRepo);
      return `launch a session in ${repo ?? '(no repository: the command names none and there is no default)'}: ${quoted(prompt)}`;
    }
  }
}

/**
 * The action in words with variables filled in, e.g. "launch a session in acme/shop: “Fix login…”" (long texts cut
 * at ~200 characters). With `doc`, a batch says how many items it would make and a Slack command what it parses to.
 */
export function describeAction(action: HookAction, vars: Record<string, string | null>, doc?: RuleDoc): string {
  return describeWith(action, (s) => fill(s, vars), doc);
}

/**
 * evaluate + describeAction as the contract's HookRulesTestResult (values at most 10 per condition; matched = how
 * many would run). A rule that did not match is described with its `{{name}}` placeholders as written.
 */
export function testRules(rules: HookRule[], mode: 'first' | 'all', doc: RuleDoc): HookRulesTestResult {
  const evals = evaluate(rules, mode, doc);
  return {
    rules: evals.map((e) => ({
      ruleId: e.rule.id,
      ruleName: e.rule.name,
      matched: e.matched,
      wouldRun: e.wouldRun,
      conditions: e.conditions,
      variables: e.variables,
      action: e.matched ? describeAction(e.rule.action, e.variables, doc) : describeWith(e.rule.action, (s) => s, doc),
    })),
    matched: evals.filter((e) => e.wouldRun).length,
  };
}

/** An action's text fields (where `{{name}}` is filled in), by their path under the action. */
function textFields(action: HookAction): Array<[string, string | undefined]> {
  switch (action.kind) {
    case 'launch_template':
      return [...Object.entries(action.values ?? {}).map(([k, v]): [string, string] => [`values.${k}`, v]), ['repo', action.repo]];
    case 'launch_session':
      return [['prompt', action.prompt], ['title', action.title], ['repo', action.repo]];
    case 'run_batch':
      return [['repo', action.repo]];
    case 'message_session':
      return [['sessionId', action.sessionId], ['message', action.message]];
    case 'notify':
      return [['title', action.title], ['body', action.body]];
    case 'slack_command':
      return [['defaultRepo', action.defaultRepo]];
  }
}

const NEEDS_NO_VALUE = new Set<HookCondition['op']>(['exists', 'not_exists']);

/** Why a condition's value does not suit its operator, or null. */
function valueProblem(c: HookCondition): string | null {
  // The contract states each operator's value (rules that reach here came through it); this also holds for rules
  // built in code and for stored rules saved before it did.
  const value = conditionValue(c);
  if (NEEDS_NO_VALUE.has(c.op)) return value === undefined ? null : `${c.op} takes no value`;
  if (value === undefined) return `${c.op} needs a value`;
  if (c.op === 'matches') {
    const r = regexOf(value);
    return r.ok ? null : r.message;
  }
  if (c.op === 'in') return Array.isArray(value) ? null : 'in needs an array as its value';
  if (c.op === 'gt' || c.op === 'gte' || c.op === 'lt' || c.op === 'lte') {
    return typeof value === 'number' && Number.isFinite(value) ? null : `${c.op} needs a finite number as its value`;
  }
  return null;
}

/**
 * Save-time checks, as field issues under `pathPrefix` in the API's dotted form (`body.rules.2.conditions.0.path`,
 * as the schema's own issues and the dashboard's field ids have them): JSONPaths parse (conditions, extract, a batch's
 * items); `matches` is a string regex that compiles and is safe (safe-regex2); ops that need a value have one of the
 * right type and exists / not_exists have none; every {{name}} in an action's text fields is a key of its extract;
 * rule ids are unique.
 */
export function validateRules(rules: HookRuleInput[], pathPrefix: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const add = (problem: string | null, at: string) => {
    if (problem) issues.push({ path: at, message: problem });
  };
  const seen = new Set<string>();
  rules.forEach((rule, i) => {
    const at = `${pathPrefix}.${i}`;
    if (rule.id !== undefined) {
      if (seen.has(rule.id)) issues.push({ path: `${at}.id`, message: `duplicate rule id ${rule.id}` });
      seen.add(rule.id);
    }
    rule.conditions.forEach((c, j) => {
      add(pathProblem(c.path), `${at}.conditions.${j}.path`);
      add(valueProblem(c), `${at}.conditions.${j}.value`);
    });
    const action = rule.action;
    const extract = extractOf(action);
    for (const [name, p] of Object.entries(extract)) add(pathProblem(p), `${at}.action.extract.${name}`);
    if (action.kind === 'run_batch') add(pathProblem(action.items), `${at}.action.items`);
    for (const [field, text] of textFields(action)) {
      for (const name of variablesIn(text)) {
        if (!Object.hasOwn(extract, name)) issues.push({ path: `${at}.action.${field}`, message: `{{${name}}} is used but not extracted (add ${name} to extract)` });
      }
    }
  });
  return issues;
}

const REPO = new RegExp(SOURCE_PATTERN);
const GITHUB_URL = /^(?:https?:\/\/)?(?:www\.)?github\.com\/([A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}?)(?:\.git)?\/?$/i;

/** `owner/name` when a word names a repository (owner/name, sources/github/…, a github.com URL of one; Slack's `<url|label>` too). */
function repoOf(word: string): string | null {
  const bare = word.replace(/^<([^|>]*)(?:\|[^>]*)?>$/, '$1');
  const url = GITHUB_URL.exec(bare);
  if (url) return url[1];
  if (bare.includes('://') || !REPO.test(bare)) return null;
  const name = bare.replace(/^(?:sources\/github\/|github\/)/, '');
  return name.endsWith('/.') || name.endsWith('/..') ? null : name;
}

/**
 * `/jules <prompt> [owner/repo]`: the last word is the repository when it looks like owner/name (or a github.com URL
 * of one); else `defaultRepo`; the prompt is the rest, trimmed (its line breaks kept). repo null when none.
 */
export function parseSlackCommand(text: string, defaultRepo?: string): { prompt: string; repo: string | null } {
  const m = /^([\s\S]*?)\s*(\S+)$/.exec(text.trim());
  const repo = m ? repoOf(m[2]) : null;
  if (m && repo) return { prompt: m[1].trim(), repo };
  return { prompt: text.trim(), repo: defaultRepo ?? null };
}

/**
 * Starter rules of a preset (an endpoint created without rules). slack: the `/jules` command (defaultRepo = `repo`
 * when given); linear, only with `repo`: issues labelled `jules` launch a session there, as docs/webhooks.md shows.
 * Others (and linear without a repository to launch in): none.
 */
export function starterRules(preset: HookPreset, repo?: string): HookRuleInput[] {
  if (preset === 'slack') {
    return [{ name: '/jules', conditions: [{ path: '$.body.command', op: 'equals', value: '/jules' }], action: { kind: 'slack_command', ...(repo ? { defaultRepo: repo } : {}) } }];
  }
  if (preset === 'linear' && repo) {
    return [{
      name: 'Issues labelled jules',
      conditions: [
        { path: '$.body.type', op: 'equals', value: 'Issue' },
        { path: '$.body.action', op: 'in', value: ['create', 'update'] },
        { path: '$.body.data.labels[*].name', op: 'equals', value: 'jules' },
      ],
      action: {
        kind: 'launch_session',
        repo,
        title: '{{identifier}}: {{title}}',
        prompt: '{{title}}\n\n{{description}}',
        extract: { identifier: '$.body.data.identifier', title: '$.body.data.title', description: '$.body.data.description' },
      },
    }];
  }
  return [];
}
