import { conditionValue, makeCondition, type HookAction, type HookActionKind, type HookCondition, type HookConditionOp, type HookEndpoint, type HookRuleInput } from '@autopilot/contracts';

/*
 * The rules editor's draft: plain strings per input (what the person typed), turned into the API's rules only when
 * saved or tested. Field ids are the API's issue paths (`rules.0.conditions.1.path`), so a 400 lands next to its input.
 */

export const CONDITION_OPS: readonly HookConditionOp[] = ['exists', 'not_exists', 'equals', 'not_equals', 'matches', 'in', 'contains', 'gt', 'gte', 'lt', 'lte'];

export const OP_LABELS: Record<HookConditionOp, string> = {
  exists: 'exists',
  not_exists: 'does not exist',
  equals: 'equals',
  not_equals: 'does not equal',
  matches: 'matches (regex)',
  in: 'is one of',
  contains: 'contains',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
};

export const ACTION_KINDS: readonly HookActionKind[] = ['launch_template', 'launch_session', 'run_batch', 'message_session', 'notify', 'slack_command'];

export const ACTION_LABELS: Record<HookActionKind, string> = {
  launch_template: 'Launch a template',
  launch_session: 'Launch a session from a prompt',
  run_batch: 'Run a batch',
  message_session: 'Message a session',
  notify: 'Post a notification',
  slack_command: 'Slack /jules command',
};

/** The text inputs of each action kind (besides `extract` and `values`), in form order. */
export const ACTION_FIELDS: Record<HookActionKind, readonly string[]> = {
  launch_template: ['templateId', 'repo'],
  launch_session: ['prompt', 'title', 'repo'],
  run_batch: ['templateId', 'items', 'repo'],
  message_session: ['sessionId', 'message'],
  notify: ['title', 'body', 'severity'],
  slack_command: ['defaultRepo'],
};

const REPLY_KINDS: readonly HookActionKind[] = ['launch_template', 'launch_session'];
const EXTRACT_KINDS: readonly HookActionKind[] = ['launch_template', 'launch_session', 'run_batch', 'message_session', 'notify'];
export const hasReply = (k: HookActionKind) => REPLY_KINDS.includes(k);
export const hasExtract = (k: HookActionKind) => EXTRACT_KINDS.includes(k);

export interface ConditionDraft {
  key: string;
  path: string;
  op: HookConditionOp;
  value: string;
}
export interface ExtractRow {
  key: string;
  name: string;
  path: string;
}
export interface RuleDraft {
  key: string;
  id?: string;
  name: string;
  enabled: boolean;
  conditions: ConditionDraft[];
  kind: HookActionKind;
  fields: Record<string, string>;
  values: Record<string, string>;
  extract: ExtractRow[];
  /** null = the endpoint's default. */
  reply: boolean | null;
}

let counter = 0;
/** A key for React lists (drafts have no id until saved). */
export const newKey = () => `d${++counter}`;

/** `exists`/`not_exists` take no value. */
export const takesValue = (op: HookConditionOp) => op !== 'exists' && op !== 'not_exists';

function jsonOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The typed value of a condition: JSON when it parses (`5`, `true`, `"x"`, `{...}`), else the text itself; `in`
 * takes a list: a JSON array, or items separated by commas or new lines (each parsed the same way).
 */
export function parseConditionValue(op: HookConditionOp, text: string): unknown {
  if (!takesValue(op)) return undefined;
  const t = text.trim();
  if (op === 'in') {
    const whole = jsonOr(t);
    if (Array.isArray(whole)) return whole;
    return t === '' ? [] : t.split(/[\n,]/).map((s) => s.trim()).filter((s) => s !== '').map(jsonOr);
  }
  // Regular expressions stay text even when they happen to parse as JSON (`1`, `true`).
  if (op === 'matches') return text;
  return jsonOr(t);
}

/** The text shown for a saved value: strings as typed unless they would read back as another JSON value. */
export function conditionValueText(op: HookConditionOp, value: unknown): string {
  if (value === undefined || !takesValue(op)) return '';
  if (typeof value === 'string') {
    if (op === 'matches') return value;
    return jsonOr(value) === value ? value : JSON.stringify(value);
  }
  if (op === 'in' && Array.isArray(value) && value.every((v) => typeof v === 'string' && !v.includes(',') && jsonOr(v) === v)) return value.join(', ');
  return JSON.stringify(value);
}

export function emptyCondition(): ConditionDraft {
  return { key: newKey(), path: '$.body.', op: 'equals', value: '' };
}

export function emptyRule(n: number, kind: HookActionKind = 'notify'): RuleDraft {
  return { key: newKey(), name: `Rule ${n}`, enabled: true, conditions: [emptyCondition()], kind, fields: kind === 'notify' ? { title: 'Webhook delivery' } : {}, values: {}, extract: [], reply: null };
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** The draft of a saved rule. */
export function draftOfRule(r: HookEndpoint['rules'][number]): RuleDraft {
  const a = r.action as Record<string, unknown> & { kind: HookActionKind };
  const fields: Record<string, string> = {};
  for (const f of ACTION_FIELDS[a.kind]) fields[f] = str(a[f]);
  const extract = Object.entries((a.extract as Record<string, string> | undefined) ?? {}).map(([name, path]) => ({ key: newKey(), name, path }));
  return {
    key: newKey(),
    id: r.id,
    name: r.name,
    enabled: r.enabled,
    conditions: r.conditions.map((c) => ({ key: newKey(), path: c.path, op: c.op, value: conditionValueText(c.op, conditionValue(c)) })),
    kind: a.kind,
    fields,
    values: { ...((a.values as Record<string, string> | undefined) ?? {}) },
    extract,
    reply: typeof a.reply === 'boolean' ? a.reply : null,
  };
}

/** The API's action for a draft: empty optional inputs are left out, so the server's defaults apply. */
export function actionOfDraft(d: RuleDraft): HookAction {
  const out: Record<string, unknown> = { kind: d.kind };
  for (const f of ACTION_FIELDS[d.kind]) {
    const v = (d.fields[f] ?? '').trim();
    if (v !== '') out[f] = v;
  }
  if (hasExtract(d.kind) && d.extract.length) out.extract = Object.fromEntries(d.extract.filter((e) => e.name.trim() || e.path.trim()).map((e) => [e.name.trim(), e.path.trim()]));
  if (d.kind === 'launch_template') {
    const values = Object.entries(d.values).filter(([, v]) => v.trim() !== '');
    if (values.length) out.values = Object.fromEntries(values);
  }
  if (hasReply(d.kind) && d.reply !== null) out.reply = d.reply;
  return out as HookAction;
}

/** The API's rules for the drafts, in order. */
export function rulesOfDrafts(drafts: RuleDraft[]): HookRuleInput[] {
  return drafts.map((d) => ({
    ...(d.id ? { id: d.id } : {}),
    name: d.name.trim(),
    enabled: d.enabled,
    conditions: d.conditions.map((c): HookCondition => {
      const value = parseConditionValue(c.op, c.value);
      return makeCondition(c.path.trim(), c.op, value);
    }),
    action: actionOfDraft(d),
  }));
}

/** The list with item `i` moved one place up (-1) or down (+1); unchanged at the ends. */
export function move<T>(list: readonly T[], i: number, dir: -1 | 1): T[] {
  const j = i + dir;
  if (i < 0 || i >= list.length || j < 0 || j >= list.length) return [...list];
  const out = [...list];
  [out[i], out[j]] = [out[j], out[i]];
  return out;
}

/** The `{{name}}` placeholders a text uses. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]))];
}

/** Placeholders used in the action's texts that no extract row defines (shown as a hint; the server decides). */
export function undefinedPlaceholders(d: RuleDraft): string[] {
  const names = new Set(d.extract.map((e) => e.name.trim()));
  const texts = [...ACTION_FIELDS[d.kind].map((f) => d.fields[f] ?? ''), ...Object.values(d.values)];
  return [...new Set(texts.flatMap(placeholders))].filter((n) => !names.has(n));
}

/** The API's field issues (`body.rules.0.name` or `rules.0.name`) by field id, the first message per field. */
export function issuesByField(issues: readonly { path: string; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) {
    const k = i.path.replace(/^(body|query|param|header)\./, '') || 'form';
    out[k] ??= i.message;
  }
  return out;
}

/** Issues under a prefix that no input shows (e.g. `rules.0.action` as a whole), to list them at the rule. */
export function unplacedIssues(errors: Record<string, string>, prefix: string, placed: ReadonlySet<string>): string[] {
  return Object.entries(errors)
    .filter(([k]) => (k === prefix || k.startsWith(`${prefix}.`)) && !placed.has(k))
    .map(([k, v]) => `${k.slice(prefix.length + 1) || 'rule'}: ${v}`);
}

/** A pasted payload: JSON, or an error message naming where it fails. */
export function parsePayload(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  if (text.trim() === '') return { ok: false, error: 'Paste a JSON payload, or pick a stored delivery.' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, error: `Not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
}
