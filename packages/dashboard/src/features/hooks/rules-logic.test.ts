import { describe, expect, it } from 'vitest';
import { HookRule, type HookEndpoint, type Me } from '@autopilot/contracts';
import { powersOf } from './data';
import { payloadUrl, resultLinks, statusPill } from './delivery-logic';
import { PRESETS, PRESET_SIGNING, setupSteps } from './presets';
import {
  CONDITION_OPS, conditionValueText, draftOfRule, emptyRule, issuesByField, move, parseConditionValue, parsePayload, placeholders, rulesOfDrafts, undefinedPlaceholders, unplacedIssues,
} from './rules-logic';

type SavedRule = HookEndpoint['rules'][number];

describe('condition values', () => {
  it('parses JSON when it parses, else keeps the text', () => {
    expect(parseConditionValue('equals', '5')).toBe(5);
    expect(parseConditionValue('equals', 'true')).toBe(true);
    expect(parseConditionValue('equals', '"5"')).toBe('5');
    expect(parseConditionValue('equals', '{"a":[1]}')).toEqual({ a: [1] });
    expect(parseConditionValue('equals', 'jules')).toBe('jules');
    expect(parseConditionValue('equals', 'ünïcödé 🚀')).toBe('ünïcödé 🚀');
    expect(parseConditionValue('gt', ' 3.5 ')).toBe(3.5);
  });

  it('takes no value for exists / not_exists and keeps regexes as text', () => {
    expect(parseConditionValue('exists', 'anything')).toBeUndefined();
    expect(parseConditionValue('not_exists', '')).toBeUndefined();
    expect(parseConditionValue('matches', '1')).toBe('1');
    expect(parseConditionValue('matches', '^fix ')).toBe('^fix ');
  });

  it('takes a list for in: a JSON array, or comma / line separated items parsed one by one', () => {
    expect(parseConditionValue('in', '["a", 1]')).toEqual(['a', 1]);
    expect(parseConditionValue('in', 'bug, jules,\n 3')).toEqual(['bug', 'jules', 3]);
    expect(parseConditionValue('in', '')).toEqual([]);
    expect(parseConditionValue('in', 'solo')).toEqual(['solo']);
  });

  it('shows saved values so that they parse back to the same value', () => {
    for (const [op, v] of [
      ['equals', 'jules'],
      ['equals', '5'],
      ['equals', 5],
      ['equals', true],
      ['equals', { a: 1 }],
      ['in', ['bug', 'jules']],
      ['in', ['a,b', 2]],
      ['matches', '^\\d+$'],
      ['contains', 'null'],
    ] as const) {
      expect(parseConditionValue(op, conditionValueText(op, v)), `${op} ${JSON.stringify(v)}`).toEqual(v);
    }
    expect(conditionValueText('equals', '5')).toBe('"5"');
    expect(conditionValueText('in', ['bug', 'jules'])).toBe('bug, jules');
    expect(conditionValueText('exists', undefined)).toBe('');
  });

  it('offers every operator of the contract', () => {
    expect([...CONDITION_OPS].sort()).toEqual(['contains', 'equals', 'exists', 'gt', 'gte', 'in', 'lt', 'lte', 'matches', 'not_equals', 'not_exists']);
  });
});

describe('drafts and rules', () => {
  const saved: SavedRule[] = [
    { id: 'r1', name: 'Linear label', enabled: true, conditions: [{ path: '$.body.data.labels[*].name', op: 'in', value: ['jules'] }, { path: '$.body.action', op: 'exists' }], action: { kind: 'launch_session', prompt: '{{title}}\n\n{{description}}', repo: 'acme/shop', extract: { title: '$.body.data.title', description: '$.body.data.description' }, reply: true } },
    { id: 'r2', name: 'Template', enabled: false, conditions: [], action: { kind: 'launch_template', templateId: 't1', values: { issue: '{{id}}' }, extract: { id: '$.body.issue.number' } } },
    { id: 'r3', name: 'Slack', enabled: true, conditions: [], action: { kind: 'slack_command', defaultRepo: 'acme/api' } },
    { id: 'r4', name: 'Notify', enabled: true, conditions: [{ path: '$.body.n', op: 'gte', value: 10 }], action: { kind: 'notify', title: 'Big: {{n}}', severity: 'warning', extract: { n: '$.body.n' } } },
  ];

  it('round-trips saved rules through the draft, valid for the contract', () => {
    const rules = rulesOfDrafts(saved.map(draftOfRule));
    expect(rules).toEqual(saved);
    for (const r of rules) expect(HookRule.safeParse(r).success, r.name).toBe(true);
  });

  it('leaves empty optional inputs out and keeps the default reply when not chosen', () => {
    const d = { ...emptyRule(1, 'launch_session'), fields: { prompt: 'Fix {{x}}', title: '  ', repo: 'acme/shop' }, extract: [{ key: 'k', name: 'x', path: '$.body.x' }] };
    const [r] = rulesOfDrafts([d]);
    expect(r.action).toEqual({ kind: 'launch_session', prompt: 'Fix {{x}}', repo: 'acme/shop', extract: { x: '$.body.x' } });
    expect(r).not.toHaveProperty('id');
    expect(r.conditions).toEqual([{ path: '$.body.', op: 'equals', value: '' }]);
  });

  it('names placeholders no extract row defines', () => {
    expect(placeholders('{{a}} and {{ b }} and {{a}} but not {{1x}}')).toEqual(['a', 'b']);
    const d = { ...emptyRule(1, 'notify'), fields: { title: '{{title}} by {{who}}' }, extract: [{ key: 'k', name: 'title', path: '$.body.t' }] };
    expect(undefinedPlaceholders(d)).toEqual(['who']);
  });

  it('moves a rule up and down, not past the ends', () => {
    expect(move(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(move(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(move(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
    expect(move(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c']);
  });
});

describe('field issues', () => {
  it('maps the API issue paths to field ids, the first message per field', () => {
    const f = issuesByField([
      { path: 'body.rules.0.conditions.1.path', message: 'Invalid JSONPath' },
      { path: 'body.rules.0.conditions.1.path', message: 'second' },
      { path: 'rules.1.action.templateId', message: 'No such template' },
      { path: '', message: 'whole body' },
    ]);
    expect(f).toEqual({ 'rules.0.conditions.1.path': 'Invalid JSONPath', 'rules.1.action.templateId': 'No such template', form: 'whole body' });
  });

  it('lists the issues of a rule that no input shows', () => {
    const errors = { 'rules.0.name': 'x', 'rules.0.action': 'bad action', 'rules.1.name': 'y', 'rules.0.conditions': 'too many' };
    expect(unplacedIssues(errors, 'rules.0', new Set(['rules.0.name']))).toEqual(['action: bad action', 'conditions: too many']);
  });

  it('reads a pasted payload or says why not', () => {
    expect(parsePayload('{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parsePayload('  ')).toMatchObject({ ok: false, error: expect.stringContaining('Paste') });
    expect(parsePayload('{a:')).toMatchObject({ ok: false, error: expect.stringMatching(/^Not JSON/) });
  });
});

describe('presets, deliveries and roles', () => {
  it('explains how each preset signs and where to paste the URL and secret', () => {
    for (const p of PRESETS) {
      expect(PRESET_SIGNING[p].length).toBeGreaterThan(20);
      expect(setupSteps(p).join(' ')).toMatch(/URL/);
      expect(setupSteps(p).join(' ')).toMatch(/secret/i);
    }
  });

  it('links what a rule made and colours the status', () => {
    expect(resultLinks({ batchId: 'b 1', sessionId: 's1', notificationId: null })).toEqual([
      { label: 'Batch', href: '/batches/b%201' },
      { label: 'Session', href: '/sessions/s1' },
    ]);
    expect(statusPill('failed')).toBe('pill pill-down');
    expect(statusPill('no_match')).toBe('pill');
    expect(payloadUrl('/hooks/hk_1', 'https://ap.example.com/')).toBe('https://ap.example.com/hooks/hk_1');
    expect(payloadUrl('https://public.example.com/hooks/hk_1', 'http://localhost:8080')).toBe('https://public.example.com/hooks/hk_1');
  });

  it('gives viewers nothing, members test and replay, admins edit', () => {
    const me = (role: Me['key']['role']) => ({ key: { role } }) as Me;
    expect(powersOf(undefined)).toEqual({ edit: false, act: false });
    expect(powersOf(me('viewer'))).toEqual({ edit: false, act: false });
    expect(powersOf(me('member'))).toEqual({ edit: false, act: true });
    expect(powersOf(me('admin'))).toEqual({ edit: true, act: true });
    expect(powersOf(me('owner'))).toEqual({ edit: true, act: true });
  });
});
