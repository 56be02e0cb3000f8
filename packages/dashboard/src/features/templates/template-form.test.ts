import { describe, expect, it } from 'vitest';
import { CreateTemplateBody, type Template } from '@autopilot/contracts';
import { draftBlockers, draftBody, emptyRow, emptyTemplateForm, fieldErrorsOf, formOfTemplate, isDirty, problemsByVariable, splitList, templateBody, undeclaredNames, variableOf, type TemplateForm } from './template-form';

const saved: Template = {
  id: 'tpl_1',
  name: 'Fix an issue',
  description: 'One issue',
  prompt: 'Fix #{{issue}} in {{repo}}',
  title: 'Fix #{{issue}}',
  sources: ['sources/github/acme/api', 'sources/github/acme/web'],
  branch: null,
  requirePlanApproval: true,
  automationMode: 'NONE',
  keeper: { paused: true, holdWords: ['migration', 'drop table'] },
  tags: ['bugs', 'ops'],
  variables: [
    { name: 'issue', type: 'number', required: true, default: 7 },
    { name: 'level', type: 'enum', values: ['low', 'high'], default: 'low' },
    { name: 'code', type: 'string', pattern: '^[A-Z]+$', description: 'A code' },
  ],
  version: 3,
  warnings: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const form = (patch: Partial<TemplateForm> = {}): TemplateForm => ({ ...emptyTemplateForm(), name: 'T', prompt: 'Do it', ...patch });

describe('template form', () => {
  it('round-trips a saved template into a body the contract accepts, with the same meaning', () => {
    const f = formOfTemplate(saved);
    expect(f.sources).toBe('acme/api\nacme/web');
    expect(f.holdWords).toBe('migration, drop table');
    const body = templateBody(f);
    expect(CreateTemplateBody.safeParse(body).success).toBe(true);
    expect(body).toMatchObject({
      name: 'Fix an issue',
      sources: ['acme/api', 'acme/web'],
      requirePlanApproval: true,
      automationMode: 'NONE',
      keeper: { paused: true, holdWords: ['migration', 'drop table'] },
      tags: ['bugs', 'ops'],
    });
    expect(body.branch).toBeUndefined();
    expect(body.variables).toEqual(saved.variables);
    expect(isDirty(f, saved)).toBe(false);
    expect(isDirty({ ...f, prompt: 'x' }, saved)).toBe(true);
  });

  it('types each default by the variable type and leaves blanks out', () => {
    expect(variableOf({ ...emptyRow('n'), type: 'number', default: '42' })).toEqual({ name: 'n', type: 'number', required: true, default: 42 });
    expect(variableOf({ ...emptyRow('b'), type: 'boolean', required: false, default: 'false' })).toEqual({ name: 'b', type: 'boolean', default: false });
    expect(variableOf({ ...emptyRow('e'), type: 'enum', values: 'a, b\nc' })).toEqual({ name: 'e', type: 'enum', required: true, values: ['a', 'b', 'c'] });
    expect(variableOf({ ...emptyRow('u'), type: 'url', default: '  ' })).toEqual({ name: 'u', type: 'url', required: true });
    // A string default keeps its spaces: they are part of the text.
    expect(variableOf({ ...emptyRow('s'), default: ' x ' })).toMatchObject({ default: ' x ' });
  });

  it('splits lists on commas and newlines (and spaces for tags and sources)', () => {
    expect(splitList('a, b\n\nc d')).toEqual(['a', 'b', 'c d']);
    expect(splitList('a b,c\n d', true)).toEqual(['a', 'b', 'c', 'd']);
    expect(templateBody(form({ tags: 'Bugs OPS' })).tags).toEqual(['bugs', 'ops']);
  });

  it('names what keeps a draft from being previewed, by field or row', () => {
    expect(draftBlockers(form())).toEqual([]);
    const bad = emptyRow('9x');
    const dup = emptyRow('a');
    const dup2 = emptyRow('a');
    const en = { ...emptyRow('e'), type: 'enum' as const };
    const num = { ...emptyRow('n'), type: 'number' as const, default: 'ten' };
    const blockers = draftBlockers(form({ prompt: ' ', sources: 'acme/api not-a-repo', tags: '-x', variables: [bad, dup, dup2, en, num] }));
    expect(blockers.map((b) => b.field)).toEqual(['prompt', 'sources', 'tags', bad.key, dup2.key, en.key, num.key]);
    expect(blockers.find((b) => b.field === 'sources')?.message).toContain('not-a-repo');
    expect(draftBody(form({ name: '' })).name).toBe('Untitled');
  });

  it('sorts preview problems under the variable each names, undeclared ones apart', () => {
    const issue = emptyRow('issue');
    const p = problemsByVariable(
      [
        { variable: 'issue', message: 'is required and has no default' },
        { variable: 'issue', message: 'must be a number' },
        { variable: 'repo', message: '{{repo}} is used in the prompt but not declared in variables' },
        { variable: null, message: 'the prompt is blank once rendered' },
      ],
      [issue],
    );
    expect(p.byRow.get(issue.key)).toEqual(['is required and has no default', 'must be a number']);
    expect([...p.undeclared.keys()]).toEqual(['repo']);
    expect(p.general).toEqual(['the prompt is blank once rendered']);
  });

  it('maps server field errors of variables to their rows', () => {
    const rows = [emptyRow('a'), emptyRow('b')];
    const r = fieldErrorsOf({ 'variables.1.pattern': 'pattern is not valid', name: 'a template named T exists', 'template.prompt': 'required' }, rows);
    expect(r.byRow.get(rows[1].key)).toEqual(['pattern: pattern is not valid']);
    expect(r.fields).toEqual({ name: 'a template named T exists', prompt: 'required' });
  });

  it('lists the names the texts use that no row declares', () => {
    expect(undeclaredNames(form({ prompt: 'Fix {{ issue }} in {{repo}}', title: '{{issue}}', branch: 'fix/{{ticket}}', variables: [emptyRow('repo')] }))).toEqual(['issue', 'ticket']);
  });
});
