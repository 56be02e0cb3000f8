import { describe, expect, it } from 'vitest';
import { CreateTemplateBody, renderTemplateText, variablesIn, type TemplateVariable } from '@autopilot/contracts';
import { checkValue, definitionErrors, definitionOf, definitionWarnings, renderTemplate } from './templates.render';

const def = (body: Partial<CreateTemplateBody> & { prompt: string }) => definitionOf(CreateTemplateBody.parse({ name: 't', ...body }));

describe('template rendering', () => {
  it('finds {{name}} and {{ name }} references, each once; other braces are text', () => {
    expect(variablesIn('{{a}} {{ b }} {{a}} {{1x}} {a} {{ c d }} {{_e9}}')).toEqual(['a', 'b', '_e9']);
    expect(variablesIn(null)).toEqual([]);
  });

  it('substitutes values as text in one pass: a value that looks like a variable or markup stays as typed', () => {
    expect(renderTemplateText('Hi {{who}}, {{ who }}!', { who: '{{secret}} <b>x</b> $& $1' })).toBe('Hi {{secret}} <b>x</b> $& $1, {{secret}} <b>x</b> $& $1!');
    expect(renderTemplateText('{{kept}} {{x}}', { x: '' })).toBe('{{kept}} ');
  });

  it('renders prompt, title, branch and sources; an optional variable without a value is empty', () => {
    const d = def({
      prompt: 'Bump {{dep}} to {{version}} in {{repo}}{{note}}',
      title: '  deps: {{dep}}  ',
      branch: 'release/{{line}}',
      variables: [
        { name: 'dep', type: 'string', required: true, maxLength: 40, pattern: '^[a-z0-9@/._-]+$' },
        { name: 'version', type: 'string', default: 'latest' },
        { name: 'repo', type: 'repo', required: true },
        { name: 'note', type: 'string' },
        { name: 'line', type: 'enum', values: ['1.x', '2.x'], default: '2.x' },
      ],
    });
    const p = renderTemplate(d, { dep: 'zod', repo: 'sources/github/acme/web' });
    expect(p).toMatchObject({ prompt: 'Bump zod to latest in acme/web', title: 'deps: zod', branch: 'release/2.x', sources: ['sources/github/acme/web'], problems: [], warnings: [] });
    expect(p.values).toEqual({ dep: 'zod', version: 'latest', repo: 'acme/web', line: '2.x' });
  });

  it('fixed sources win over a repo variable (then only text), and are stored canonical and once', () => {
    const d = def({ prompt: 'x {{repo}}', sources: ['acme/a', 'github/acme/a', 'sources/github/acme/b'], variables: [{ name: 'repo', type: 'repo' }] });
    expect(d.sources).toEqual(['sources/github/acme/a', 'sources/github/acme/b']);
    expect(renderTemplate(d, { repo: 'other/x' }).sources).toEqual(['sources/github/acme/a', 'sources/github/acme/b']);
    expect(renderTemplate(def({ prompt: 'no repo' }), {}).sources).toEqual([]);
  });

  it('names every problem: missing required, wrong types, invalid values, unknown names, a bad rendered branch', () => {
    const d = def({
      prompt: '{{s}} {{n}} {{b}} {{e}} {{u}} {{r}} {{must}}',
      branch: '{{s}}',
      variables: [
        { name: 's', type: 'string', maxLength: 5 },
        { name: 'n', type: 'number' },
        { name: 'b', type: 'boolean' },
        { name: 'e', type: 'enum', values: ['x', 'y'] },
        { name: 'u', type: 'url' },
        { name: 'r', type: 'repo' },
        { name: 'must', type: 'string', required: true },
      ],
    });
    const p = renderTemplate(d, { s: 'a b', n: true, b: 'maybe', e: 'z', u: 'javascript:alert(1)', r: 'a/b/c/d', must: '   ', extra: 1 });
    expect(p.problems).toEqual([
      { variable: 'n', message: 'must be a number, not a boolean' },
      { variable: 'b', message: 'must be true or false, not "maybe"' },
      { variable: 'e', message: 'must be one of x, y (not "z")' },
      { variable: 'u', message: 'must be an http(s) URL, not "javascript:alert(1)"' },
      { variable: 'r', message: 'must be a GitHub repository as owner/repo (also github/owner/repo or sources/github/owner/repo), not "a/b/c/d"' },
      { variable: 'must', message: 'is required and must not be blank' },
      { variable: 'extra', message: 'is not a variable of this template' },
      { variable: 's', message: 'the branch "a b" is not a valid branch name' },
    ]);
    expect(renderTemplate(d, { s: 'toolong', must: 'ok' }).problems).toEqual([{ variable: 's', message: 'must be at most 5 characters (is 7)' }]);
  });

  it('reads numbers and booleans from form text; empty text is "not given" except for text variables', () => {
    const n: TemplateVariable = { name: 'n', type: 'number' };
    expect(checkValue(n, ' 4.5e1 ')).toMatchObject({ ok: true, value: 45, text: '45' });
    expect(checkValue(n, '0x10')).toMatchObject({ ok: false });
    expect(checkValue({ name: 'b', type: 'boolean' }, 'TRUE')).toMatchObject({ ok: true, value: true });
    expect(checkValue({ name: 's', type: 'string' }, 3)).toEqual({ ok: false, message: 'must be text, not a number' });
    const d = def({ prompt: '{{n}}|{{s}}', variables: [{ name: 'n', type: 'number', required: true }, { name: 's', type: 'string' }] });
    const p = renderTemplate(d, { n: '', s: '' });
    expect(p.problems).toEqual([{ variable: 'n', message: 'is required and has no default' }]);
    expect(p.prompt).toBe('|');
  });

  it('checks patterns with RE2 (linear time): a catastrophic pattern answers at once', () => {
    const v: TemplateVariable = { name: 's', type: 'string', pattern: '^(a+)+$' };
    const started = performance.now();
    expect(checkValue(v, `${'a'.repeat(5000)}!`)).toMatchObject({ ok: false });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(checkValue(v, 'aaa')).toMatchObject({ ok: true });
  });

  it('definition errors name the field and the variable; warnings cover unused variables and broken defaults', () => {
    const d = def({
      prompt: 'Use {{known}} and {{unknown}}',
      title: '{{t}}',
      variables: [
        { name: 'known', type: 'string', pattern: '(?=lookahead)' },
        { name: 'repo', type: 'url' },
      ],
    });
    expect(definitionErrors(d).map(({ path, variable }) => [path, variable])).toEqual([
      ['body.prompt', 'unknown'],
      ['body.title', 't'],
      ['body.variables.0.pattern', 'known'],
      ['body.variables.1.type', 'repo'],
    ]);
    const w = def({
      prompt: '{{e}} {{s}}',
      sources: ['acme/a'],
      variables: [
        { name: 'e', type: 'enum', values: ['a'], default: 'b' },
        { name: 's', type: 'string', maxLength: 2, default: 'long' },
        { name: 'spare', type: 'number' },
        { name: 'repo', type: 'repo' },
      ],
    });
    expect(definitionWarnings(w)).toEqual([
      { variable: 'e', message: 'the default must be one of a (not "b")' },
      { variable: 's', message: 'the default must be at most 2 characters (is 4)' },
      { variable: 'spare', message: 'declared but not used in the prompt, the title or the branch' },
      { variable: 'repo', message: 'declared but unused: sources are set, so it does not choose the repository' },
    ]);
    // The repo variable choosing the repository counts as used.
    expect(definitionWarnings(def({ prompt: 'x', variables: [{ name: 'repo', type: 'repo' }] }))).toEqual([]);
    // A broken default is a problem when the preview uses it, not when a value is given.
    expect(renderTemplate(w, {}).problems).toEqual([
      { variable: 'e', message: 'the default must be one of a (not "b")' },
      { variable: 's', message: 'the default must be at most 2 characters (is 4)' },
      { variable: null, message: 'the prompt is blank once rendered' },
    ]);
    expect(renderTemplate(w, { e: 'a', s: 'ok' }).problems).toEqual([]);
  });
});
