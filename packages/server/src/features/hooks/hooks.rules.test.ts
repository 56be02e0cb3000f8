import { describe, expect, it } from 'vitest';
import { HookRule as HookRuleSchema, HookRulesTestResult, makeCondition, type HookCondition, type HookRule, type HookRuleInput } from '@autopilot/contracts';
import {
  checkCondition, describeAction, docOf, evaluate, extractOf, extractVars, fill, parseSlackCommand, RulePathError, select, starterRules, testRules, validateRules,
} from './hooks.rules';

const payload = {
  type: 'Issue',
  action: 'update',
  count: 3,
  score: ' 4.5 ',
  hex: '0x10',
  blank: '',
  nothing: null,
  name: 'caf\u00e9',
  nameNfd: 'cafe\u0301',
  data: { labels: [{ name: 'bug' }, { name: 'jules' }], tags: ['a', 'b', { k: 1 }], title: 'Fix login', identifier: 'ENG-7', n: [1, 20] },
};
const doc = docOf(payload, { 'X-GitHub-Event': 'issues', 'content-type': 'application/json' });
const decomposed = 'cafe\u0301';

const cond = (path: string, op: HookCondition['op'], value?: unknown): HookCondition => makeCondition(path, op, value);
const rule = (id: string, conditions: HookCondition[], over: Partial<HookRule> = {}): HookRule => ({
  id, name: `rule ${id}`, enabled: true, conditions,
  action: { kind: 'notify', title: 'Issue {{title}}', extract: { title: '$.body.data.title' } },
  ...over,
});

describe('select', () => {
  it('selects every value of a multi-valued path, headers by lower-case name, nothing for a missing path', () => {
    expect(select('$.body.data.labels[*].name', doc)).toEqual(['bug', 'jules']);
    expect(select("$.headers['x-github-event']", doc)).toEqual(['issues']);
    expect(select('$.body.data.missing.deeper', doc)).toEqual([]);
    expect(select("$.body.data.labels[?(@.name == 'jules')].name", doc)).toEqual(['jules']);
  });

  it('stops at max values', () => {
    expect(select('$..*', doc, 3)).toHaveLength(3);
    expect(select('$.body.data.labels[*].name', doc, 1)).toEqual(['bug']);
  });

  it.each([
    ['body.action', /starts with \$/],
    ['$.[', /unclosed \[/],
    ['$.body.data]', /unbalanced \]/],
    ["$.body['x]", /unterminated '/],
    ['$.body[?(@.name ==)]', /does not parse/],
    ["$.body[?(@.name.repeat(3) == 'x')]", /cannot call/],
    ['$.body[?(@.name.match(/(a+)+$/))]', /cannot call/],
    ['$.body[?(@.count / 2 > 1)]', /cannot use \//],
  ])('refuses %s', (path, message) => {
    expect(() => select(path, doc)).toThrow(RulePathError);
    expect(() => select(path, doc)).toThrow(message);
  });

  it('prototype keys select nothing, and a filter cannot reach Function or process', () => {
    expect(select('$.body.constructor', doc)).toEqual([]);
    expect(select('$.body.__proto__', doc)).toEqual([]);
    expect(select('$.body.data.constructor.name', doc)).toEqual([]);
    const g = globalThis as { pwned?: unknown };
    for (const code of ["'return process'", "'globalThis.pwned = 1'"]) {
      const r = checkCondition(cond(`$..[?(@.constructor.constructor(${code})())]`, 'exists'), doc);
      expect(r).toMatchObject({ held: false, values: [] });
      expect(r.error).toMatch(/cannot call/);
    }
    // Without a call the safe evaluator itself refuses `constructor` (the filter then selects nothing).
    expect(select('$..[?(@.constructor.constructor)]', doc)).toEqual([]);
    expect(select('$..[?(@.__proto__)]', doc)).toEqual([]);
    expect(g.pwned).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('pwned');
  });

  it('a payload nested deeper than the stack is an error, not a crash', () => {
    const deep = docOf(JSON.parse('['.repeat(50_000) + ']'.repeat(50_000)), {});
    expect(() => select('$..missing', deep)).toThrow(/nested too deeply/);
    expect(checkCondition(cond('$..missing', 'not_exists'), deep)).toMatchObject({ held: false, error: expect.stringMatching(/nested too deeply/) });
    // Selection stops at max values, before the walk gets deep.
    expect(select('$..*', deep, 5)).toHaveLength(5);
    expect(select('$.body[0][0]', deep)).toHaveLength(1);
  });
});

describe('conditions', () => {
  it.each<[string, HookCondition, boolean]>([
    ['exists: present', cond('$.body.type', 'exists'), true],
    ['exists: a null value is a value', cond('$.body.nothing', 'exists'), true],
    ['exists: missing', cond('$.body.nope', 'exists'), false],
    ['not_exists: missing', cond('$.body.nope', 'not_exists'), true],
    ['not_exists: present', cond('$.body.type', 'not_exists'), false],
    ['equals: string', cond('$.body.type', 'equals', 'Issue'), true],
    ['equals: other string', cond('$.body.type', 'equals', 'issue'), false],
    ['equals: some of several values', cond('$.body.data.labels[*].name', 'equals', 'jules'), true],
    ['equals: none of several values', cond('$.body.data.labels[*].name', 'equals', 'docs'), false],
    ['equals: deep object', cond('$.body.data.labels[0]', 'equals', { name: 'bug' }), true],
    ['equals: deep object differs', cond('$.body.data.labels[0]', 'equals', { name: 'bug', x: 1 }), false],
    ['equals: array', cond('$.body.data.n', 'equals', [1, 20]), true],
    ['equals: number is not a numeric string', cond('$.body.count', 'equals', '3'), false],
    ['equals: null', cond('$.body.nothing', 'equals', null), true],
    ['equals: NFC (decomposed value, composed payload)', cond('$.body.name', 'equals', decomposed), true],
    ['equals: header', cond("$.headers['x-github-event']", 'equals', 'issues'), true],
    ['equals: missing path', cond('$.body.nope', 'equals', null), false],
    ['not_equals: differs', cond('$.body.type', 'not_equals', 'Comment'), true],
    ['not_equals: equal', cond('$.body.type', 'not_equals', 'Issue'), false],
    ['not_equals: one of several is equal', cond('$.body.data.labels[*].name', 'not_equals', 'bug'), false],
    ['not_equals: NFC', cond('$.body.name', 'not_equals', decomposed), false],
    ['not_equals: missing path', cond('$.body.nope', 'not_equals', 'x'), false],
    ['matches: some value', cond('$.body.data.labels[*].name', 'matches', '^ju'), true],
    ['matches: none', cond('$.body.data.labels[*].name', 'matches', '^x'), false],
    ['matches: only strings', cond('$.body.count', 'matches', '3'), false],
    ['matches: NFC', cond('$.body.name', 'matches', `^${decomposed}$`), true],
    ['matches: missing path', cond('$.body.nope', 'matches', '.*'), false],
    ['in: one of', cond('$.body.action', 'in', ['create', 'update']), true],
    ['in: not one of', cond('$.body.action', 'in', ['remove']), false],
    ['in: some of several', cond('$.body.data.labels[*].name', 'in', ['jules', 'x']), true],
    ['in: NFC', cond('$.body.name', 'in', [decomposed]), true],
    ['in: missing path', cond('$.body.nope', 'in', [null]), false],
    ['contains: substring', cond('$.body.data.title', 'contains', 'login'), true],
    ['contains: no substring', cond('$.body.data.title', 'contains', 'logout'), false],
    ['contains: NFC substring (decomposed needle)', cond('$.body.name', 'contains', `f${decomposed.slice(3)}`), true],
    ['contains: NFC substring (decomposed payload)', cond('$.body.nameNfd', 'contains', 'f\u00e9'), true],
    ['contains: array element', cond('$.body.data.tags', 'contains', 'b'), true],
    ['contains: array element deep', cond('$.body.data.tags', 'contains', { k: 1 }), true],
    ['contains: array without it', cond('$.body.data.tags', 'contains', 'z'), false],
    ['contains: number is not a string', cond('$.body.count', 'contains', '3'), false],
    ['contains: missing path', cond('$.body.nope', 'contains', ''), false],
    ['gt: number', cond('$.body.count', 'gt', 2), true],
    ['gt: equal', cond('$.body.count', 'gt', 3), false],
    ['gte: equal', cond('$.body.count', 'gte', 3), true],
    ['lt: number', cond('$.body.count', 'lt', 3), false],
    ['lte: equal', cond('$.body.count', 'lte', 3), true],
    ['gt: numeric string, trimmed', cond('$.body.score', 'gt', 4), true],
    ['lt: numeric string', cond('$.body.score', 'lt', 4), false],
    ['gt: some of several', cond('$.body.data.n[*]', 'gt', 10), true],
    ['lt: none of several', cond('$.body.data.n[*]', 'lt', 1), false],
    ['lt: "" is not a number', cond('$.body.blank', 'lt', 1), false],
    ['gt: hex is not a decimal number', cond('$.body.hex', 'gt', 1), false],
    ['gte: not numeric', cond('$.body.type', 'gte', 0), false],
    ['gte: missing path', cond('$.body.nope', 'gte', 0), false],
  ])('%s', (_name, c, held) => {
    const r = checkCondition(c, doc);
    expect(r).toMatchObject({ path: c.path, op: c.op, held, error: null });
  });

  it('reports the selected values, at most 10', () => {
    const many = docOf({ xs: Array.from({ length: 30 }, (_, i) => i) }, {});
    expect(checkCondition(cond('$.body.xs[*]', 'gt', 28), many)).toMatchObject({ held: true, values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
    expect(checkCondition(cond('$.body.data.labels[*].name', 'exists'), doc).values).toEqual(['bug', 'jules']);
  });

  it.each<[string, HookCondition, RegExp]>([
    ['a catastrophic regex is never run', cond('$.body.type', 'matches', '(a+)+$'), /backtrack/],
    ['an invalid regex', cond('$.body.type', 'matches', '(['), /not a valid regular expression/],
    ['a regex that is not a string', cond('$.body.type', 'matches', 3), /string/],
    ['in without an array', cond('$.body.type', 'in', 'Issue'), /array/],
    ['gt without a number', cond('$.body.count', 'gt', '2'), /finite number/],
    ['a bad path', cond('$.[', 'exists'), /unclosed/],
  ])('%s: held false with an error', (_name, c, error) => {
    const r = checkCondition(c, doc);
    expect(r.held).toBe(false);
    expect(r.error).toMatch(error);
  });
});

describe('variables', () => {
  it('extracts the first value: strings as is, other JSON compact, null when nothing', () => {
    const vars = extractVars({ title: '$.body.data.title', label: '$.body.data.labels[*].name', n: '$.body.data.n', count: '$.body.count', none: '$.body.nope', bad: '$.[' }, doc);
    expect(vars).toEqual({ title: 'Fix login', label: 'bug', n: '[1,20]', count: '3', none: null, bad: null });
    expect(extractVars(undefined, doc)).toEqual({});
  });

  it('caps a value at 50,000 characters', () => {
    const big = docOf({ s: 'x'.repeat(60_000) }, {});
    expect(extractVars({ s: '$.body.s' }, big).s).toHaveLength(50_000);
  });

  it('a variable named __proto__ or constructor is an ordinary variable', () => {
    // As a rule arrives: parsed JSON, where __proto__ is an own key.
    const vars = extractVars(JSON.parse('{"__proto__": "$.body.type", "constructor": "$.body.action"}') as Record<string, string>, doc);
    expect(Object.keys(vars).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(vars)).toBe(Object.prototype);
    expect(fill('{{__proto__}} {{constructor}} {{toString}}', vars)).toBe('Issue update ');
    expect(fill('[{{constructor}}]', {})).toBe('[]');
  });

  it.each<[string, Record<string, string | null>, string]>([
    ['Hi {{who}}, {{ who }}!', { who: 'Ann' }, 'Hi Ann, Ann!'],
    ['{{missing}}|{{nul}}|{{ok}}', { nul: null, ok: 'y' }, '||y'],
    ['{{a}} {{b}}', { a: '{{b}}', b: 'B' }, '{{b}} B'],
    ['{{x}}', { x: '$& $1 $$' }, '$& $1 $$'],
    ['{x} {{ x y }} {{1x}}', { x: 'X' }, '{x} {{ x y }} {{1x}}'],
  ])('fill %j', (text, vars, out) => {
    expect(fill(text, vars)).toBe(out);
  });

  it('extractOf gives any action kind its extract map', () => {
    expect(extractOf({ kind: 'slack_command' })).toEqual({});
    expect(extractOf({ kind: 'notify', title: 't' })).toEqual({});
    expect(extractOf({ kind: 'run_batch', items: '$.body.xs', extract: { a: '$.body.a' } })).toEqual({ a: '$.body.a' });
  });
});

describe('evaluate', () => {
  const isIssue = cond('$.body.type', 'equals', 'Issue');
  const never = cond('$.body.type', 'equals', 'Comment');
  const rules = [rule('a', [never]), rule('b', [isIssue]), rule('c', []), rule('d', [isIssue], { enabled: false })];

  it.each<['first' | 'all', boolean[], boolean[]]>([
    ['first', [false, true, true, false], [false, true, false, false]],
    ['all', [false, true, true, false], [false, true, true, false]],
  ])('mode %s', (mode, matched, wouldRun) => {
    const evals = evaluate(rules, mode, doc);
    expect(evals.map((e) => e.matched)).toEqual(matched);
    expect(evals.map((e) => e.wouldRun)).toEqual(wouldRun);
    expect(evals.map((e) => e.variables)).toEqual(matched.map((m) => (m ? { title: 'Fix login' } : {})));
    // A disabled rule's conditions are still reported (the test pane shows why it would have matched).
    expect(evals[3].conditions[0].held).toBe(true);
  });
});

describe('describeAction and testRules', () => {
  const vars = { title: 'Fix login', repo: 'acme/shop' };
  it.each<[HookRule['action'], string]>([
    [{ kind: 'launch_session', repo: '{{repo}}', prompt: '{{title}}\n\nplease', title: 'T: {{title}}' }, 'launch a session in acme/shop titled “T: Fix login”: “Fix login please”'],
    [{ kind: 'launch_template', templateId: 'tpl_fix', values: { issue: '{{title}}' } }, 'launch template tpl_fix with issue = “Fix login”'],
    [{ kind: 'message_session', sessionId: 's_1', message: 'Look at {{title}}' }, 'message session s_1: “Look at Fix login”'],
    [{ kind: 'notify', title: '{{title}}', severity: 'critical', body: 'b' }, 'notify (critical): “Fix login” “b”'],
    [{ kind: 'run_batch', items: '$.body.data.tags[*]', repo: '{{repo}}' }, 'run a batch: one session per each value of $.body.data.tags[*] (3 here) in acme/shop'],
  ])('%j', (action, words) => {
    expect(describeAction(action, vars, doc)).toBe(words);
  });

  it('cuts long texts at about 200 characters', () => {
    const words = describeAction({ kind: 'launch_session', repo: 'acme/shop', prompt: 'y'.repeat(5000) }, {});
    expect(words.length).toBeLessThan(240);
    expect(words).toMatch(/y…”$/);
  });

  it('answers in the contract shape; an unmatched rule keeps its placeholders', () => {
    const rules = [rule('a', [cond('$.body.type', 'equals', 'Comment')]), rule('b', [cond('$.body.data.labels[*].name', 'exists')]), rule('c', [])];
    const result = testRules(rules, 'first', doc);
    expect(HookRulesTestResult.parse(result)).toEqual(result);
    expect(result.matched).toBe(1);
    expect(result.rules.map((r) => [r.ruleId, r.matched, r.wouldRun, r.action])).toEqual([
      ['a', false, false, 'notify (info): “Issue {{title}}”'],
      ['b', true, true, 'notify (info): “Issue Fix login”'],
      ['c', true, false, 'notify (info): “Issue Fix login”'],
    ]);
    expect(result.rules[1].conditions[0]).toEqual({ path: '$.body.data.labels[*].name', op: 'exists', held: true, values: ['bug', 'jules'], error: null });
    expect(testRules(rules, 'all', doc).matched).toBe(2);
  });
});

describe('validateRules', () => {
  const ok: HookRuleInput = { name: 'ok', conditions: [cond('$.body.type', 'equals', 'Issue')], action: { kind: 'notify', title: '{{t}}', extract: { t: '$.body.title' } } };

  it('a path jsonpath-plus splits into holes is an issue at its field, never a throw (found by the API fuzzer)', () => {
    const odd: HookRuleInput = { name: 'odd', conditions: [cond('$"aK(IAX', 'equals', 'x'), cond('$MSaGUU94fs', 'exists')], action: { kind: 'run_batch', items: '$Wo!' } };
    const issues = validateRules([odd], 'body.rules');
    expect(issues.map((i) => i.path)).toContain('body.rules.0.conditions.0.path');
    expect(() => evaluate([{ ...odd, id: 'o', enabled: true }], 'all', docOf({}, {}))).not.toThrow();
  });

  it('valid rules (and every starter rule) give no issues', () => {
    expect(validateRules([ok, { ...ok, id: 'x' }], 'body.rules')).toEqual([]);
    expect(validateRules([...starterRules('slack', 'acme/shop'), ...starterRules('linear', 'acme/shop')], 'rules')).toEqual([]);
  });

  it.each<[string, HookRuleInput, string, RegExp]>([
    ['a path that does not parse', { ...ok, conditions: [ok.conditions[0], cond('$.[', 'exists')] }, 'body.rules.1.conditions.1.path', /unclosed/],
    ['a path without $', { ...ok, conditions: [cond('body.type', 'exists')] }, 'body.rules.1.conditions.0.path', /starts with \$/],
    ['a catastrophic regex', { ...ok, conditions: [cond('$.body.title', 'matches', '(a+)+$')] }, 'body.rules.1.conditions.0.value', /backtrack/],
    ['an invalid regex', { ...ok, conditions: [cond('$.body.title', 'matches', '(')] }, 'body.rules.1.conditions.0.value', /not a valid/],
    ['a regex that is not a string', { ...ok, conditions: [cond('$.body.title', 'matches', 1)] }, 'body.rules.1.conditions.0.value', /string/],
    ['equals without a value', { ...ok, conditions: [cond('$.body.title', 'equals')] }, 'body.rules.1.conditions.0.value', /needs a value/],
    ['in without an array', { ...ok, conditions: [cond('$.body.title', 'in', 'x')] }, 'body.rules.1.conditions.0.value', /array/],
    ['gte with a string', { ...ok, conditions: [cond('$.body.n', 'gte', '1')] }, 'body.rules.1.conditions.0.value', /finite number/],
    ['exists with a value', { ...ok, conditions: [cond('$.body.n', 'exists', true)] }, 'body.rules.1.conditions.0.value', /takes no value/],
    ['a bad extract path', { ...ok, action: { kind: 'notify', title: '{{t}}', extract: { t: '$.body[' } } }, 'body.rules.1.action.extract.t', /unclosed/],
    ['a bad batch items path', { ...ok, action: { kind: 'run_batch', items: 'items' } }, 'body.rules.1.action.items', /starts with \$/],
    ['a variable not extracted (prompt)', { ...ok, action: { kind: 'launch_session', repo: 'acme/shop', prompt: '{{ t }} {{u}}', extract: { t: '$.body.t' } } }, 'body.rules.1.action.prompt', /\{\{u\}\}/],
    ['a variable not extracted (template value)', { ...ok, action: { kind: 'launch_template', templateId: 'tpl', values: { issue: '{{n}}' } } }, 'body.rules.1.action.values.issue', /\{\{n\}\}/],
    ['a variable not extracted (message session id)', { ...ok, action: { kind: 'message_session', sessionId: '{{sid}}', message: 'hi' } }, 'body.rules.1.action.sessionId', /\{\{sid\}\}/],
    ['a variable not extracted (notify body)', { ...ok, action: { kind: 'notify', title: 't', body: '{{b}}' } }, 'body.rules.1.action.body', /\{\{b\}\}/],
    ['a variable in a slack default repo', { ...ok, action: { kind: 'slack_command', defaultRepo: '{{r}}' } }, 'body.rules.1.action.defaultRepo', /\{\{r\}\}/],
    ['a duplicate rule id', { ...ok, id: 'r1' }, 'body.rules.1.id', /duplicate rule id r1/],
  ])('%s', (_name, bad, path, message) => {
    const issues = validateRules([{ ...ok, id: 'r1' }, bad], 'body.rules');
    expect(issues).toHaveLength(1);
    expect(issues[0].path).toBe(path);
    expect(issues[0].message).toMatch(message);
  });
});

describe('parseSlackCommand', () => {
  it.each<[string, string | undefined, { prompt: string; repo: string | null }]>([
    ['fix the login bug acme/shop', undefined, { prompt: 'fix the login bug', repo: 'acme/shop' }],
    ['fix it https://github.com/acme/shop', undefined, { prompt: 'fix it', repo: 'acme/shop' }],
    ['fix it <https://github.com/acme/shop.git|acme/shop>', undefined, { prompt: 'fix it', repo: 'acme/shop' }],
    ['fix it sources/github/acme/shop', undefined, { prompt: 'fix it', repo: 'acme/shop' }],
    ['fix it', undefined, { prompt: 'fix it', repo: null }],
    ['fix it', 'acme/web', { prompt: 'fix it', repo: 'acme/web' }],
    ['  fix it\nplease  acme/shop ', 'acme/web', { prompt: 'fix it\nplease', repo: 'acme/shop' }],
    ['fix https://example.com/acme/shop', undefined, { prompt: 'fix https://example.com/acme/shop', repo: null }],
    ['', undefined, { prompt: '', repo: null }],
    ['', 'acme/web', { prompt: '', repo: 'acme/web' }],
  ])('%j (default %s)', (text, defaultRepo, out) => {
    expect(parseSlackCommand(text, defaultRepo)).toEqual(out);
  });
});

describe('starterRules', () => {
  const withIds = (rules: HookRuleInput[]): HookRule[] => rules.map((r, i) => ({ ...HookRuleSchema.parse(r), id: `s${i}`, enabled: true }));
  const linearIssue = (labels: Array<{ name: string }>) => ({
    action: 'create',
    type: 'Issue',
    createdAt: '2026-12-03T06:00:00.000Z',
    organizationId: 'org_1',
    url: 'https://linear.app/acme/issue/ENG-42/fix-login',
    webhookTimestamp: 1764741600000,
    webhookId: 'wh_1',
    data: {
      id: '5f0c4a9e-1111-4a1b-9c1d-000000000042',
      identifier: 'ENG-42',
      number: 42,
      title: 'Fix login',
      description: 'The login button does nothing on Safari.',
      priority: 2,
      team: { id: 't1', key: 'ENG', name: 'Engineering' },
      labelIds: labels.map((_, i) => `l${i}`),
      labels: labels.map((l, i) => ({ id: `l${i}`, color: '#fff', ...l })),
      state: { id: 's1', name: 'Todo', type: 'unstarted' },
    },
  });

  it('linear: only with a repository, exactly as documented; matches an issue labelled jules and gives its variables', () => {
    expect(starterRules('linear')).toEqual([]);
    const rules = withIds(starterRules('linear', 'acme/shop'));
    expect(rules[0]).toMatchObject({ name: 'Issues labelled jules', action: { kind: 'launch_session', repo: 'acme/shop', title: '{{identifier}}: {{title}}', prompt: '{{title}}\n\n{{description}}' } });
    const [hit] = evaluate(rules, 'first', docOf(linearIssue([{ name: 'bug' }, { name: 'jules' }]), { 'linear-event': 'Issue' }));
    expect(hit.wouldRun).toBe(true);
    expect(hit.variables).toEqual({ identifier: 'ENG-42', title: 'Fix login', description: 'The login button does nothing on Safari.' });
    expect(describeAction(hit.rule.action, hit.variables)).toBe('launch a session in acme/shop titled “ENG-42: Fix login”: “Fix login The login button does nothing on Safari.”');
    const [miss] = evaluate(rules, 'first', docOf(linearIssue([{ name: 'bug' }]), {}));
    expect(miss.matched).toBe(false);
  });

  it('slack: the /jules command, with the default repository when given', () => {
    expect(starterRules('slack')[0].action).toEqual({ kind: 'slack_command' });
    const rules = withIds(starterRules('slack', 'acme/shop'));
    const form = { token: 'x', team_id: 'T1', channel_id: 'C1', user_id: 'U1', command: '/jules', text: 'fix the flaky test', response_url: 'https://hooks.slack.com/commands/1', trigger_id: '1.2' };
    const result = testRules(rules, 'first', docOf(form, {}));
    expect(result.matched).toBe(1);
    expect(result.rules[0].action).toBe('launch a session in acme/shop: “fix the flaky test”');
    expect(testRules(rules, 'first', docOf({ ...form, command: '/other' }, {})).matched).toBe(0);
  });

  it.each(['jira', 'github', 'standard'] as const)('%s: none', (preset) => {
    expect(starterRules(preset, 'acme/shop')).toEqual([]);
  });
});
