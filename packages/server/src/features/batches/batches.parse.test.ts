import { describe, expect, it } from 'vitest';
import { MAX_TASKS, parseTaskList } from './batches.parse';

describe('task lists: lines', () => {
  it('takes each non-blank line as a task with its line number; # lines are skipped comments; CRLF and a BOM are read', () => {
    const r = parseTaskList('lines', '\uFEFFFix the login bug\r\n\r\n# later\r\n  Add dark mode  \rLast one');
    expect(r.tasks).toEqual([{ row: 1, text: 'Fix the login bug' }, { row: 4, text: 'Add dark mode' }, { row: 5, text: 'Last one' }]);
    expect(r.skipped).toEqual([{ row: 3, reason: 'a comment (starts with #)' }]);
    expect(r.problems).toEqual([]);
  });

  it('refuses an empty list (only blanks and comments)', () => {
    expect(parseTaskList('lines', '\n  \n# nothing\n').problems).toEqual([{ row: 1, message: 'the list has no tasks (every line is blank or a comment)' }]);
  });

  it(`refuses more than ${MAX_TASKS} tasks, naming the first row over`, () => {
    const r = parseTaskList('lines', Array.from({ length: MAX_TASKS + 2 }, (_, i) => `task ${i}`).join('\n'));
    expect(r.problems).toEqual([{ row: MAX_TASKS + 1, message: expect.stringContaining(`at most ${MAX_TASKS} tasks; this list has ${MAX_TASKS + 2}`) }]);
  });
});

describe('task lists: markdown checklist', () => {
  it('takes unchecked items (- or * or +, nested too), skips checked ones, ignores other lines', () => {
    const text = ['# Sprint', '', '- [ ] Write the docs', '* [x] Ship it', '  - [ ] Nested item', '- plain bullet', '+ [X] Done too', '- [ ]   ', 'prose'].join('\n');
    const r = parseTaskList('checklist', text);
    expect(r.tasks).toEqual([{ row: 3, text: 'Write the docs' }, { row: 5, text: 'Nested item' }]);
    expect(r.skipped).toEqual([{ row: 4, reason: 'already checked' }, { row: 7, reason: 'already checked' }]);
    expect(r.problems).toEqual([{ row: 8, message: 'the checklist item has no text' }]);
  });

  it('refuses a checklist without unchecked items', () => {
    expect(parseTaskList('checklist', '- [x] all done\n').problems[0].message).toMatch(/no unchecked/);
  });
});

describe('task lists: CSV (RFC 4180)', () => {
  it('reads the header, quoted fields with commas, escaped quotes and line breaks, CRLF and a BOM', () => {
    const text = '\uFEFFprompt,source\r\n"Fix ""quoted"" bug, please",acme/web\r\n"Two\r\nlines",acme/api\r\nplain,\r\n';
    const r = parseTaskList('csv', text);
    expect(r.columns).toEqual(['prompt', 'source']);
    expect(r.problems).toEqual([]);
    expect(r.tasks).toEqual([
      { row: 2, cells: { prompt: 'Fix "quoted" bug, please', source: 'acme/web' } },
      { row: 3, cells: { prompt: 'Two\r\nlines', source: 'acme/api' } },
      // The row after a two-line record starts on line 5 of the text.
      { row: 5, cells: { prompt: 'plain', source: '' } },
    ]);
  });

  it('names each row with the wrong number of fields and keeps reading; blank lines are not rows', () => {
    const r = parseTaskList('csv', 'prompt,source,branch\none,acme/a,main\n\ntwo,acme/b\nthree,acme/c,dev,extra\nfour,acme/d,main\n');
    expect(r.problems).toEqual([
      { row: 4, message: 'has 2 fields, the header has 3' },
      { row: 5, message: 'has 4 fields, the header has 3' },
    ]);
    expect(r.tasks.map((t) => t.row)).toEqual([2, 6]);
  });

  it('names the row of an unclosed quote', () => {
    const r = parseTaskList('csv', 'prompt,source\nok,acme/a\n"never closed,acme/b\nnext,acme/c\n');
    expect(r.problems).toEqual([{ row: 3, message: expect.stringContaining('never closed') }]);
    expect(r.tasks).toEqual([{ row: 2, cells: { prompt: 'ok', source: 'acme/a' } }]);
  });

  it('names the row of a stray quote after a closing quote', () => {
    const r = parseTaskList('csv', 'prompt\n"a"b\n');
    expect(r.problems).toEqual([{ row: 2, message: expect.stringContaining('closing quote') }]);
  });

  it('refuses an empty file, a header without rows, and a header with blank or repeated names', () => {
    expect(parseTaskList('csv', '').problems).toEqual([{ row: 1, message: expect.stringContaining('empty') }]);
    expect(parseTaskList('csv', 'prompt\n').problems).toEqual([{ row: 1, message: 'the CSV has a header but no task rows' }]);
    const r = parseTaskList('csv', 'prompt,,Prompt\na,b,c\n');
    expect(r.problems.map((p) => p.message)).toEqual(['column 2 of the header has no name', 'the header names the column "Prompt" twice']);
  });
});

describe('task lists: size', () => {
  it(`reads a ${MAX_TASKS}-row CSV of long quoted multi-line cells quickly, numbering rows by their first line`, () => {
    const cell = `"${'word, "" '.repeat(150)}\r\nsecond line"`;
    const text = `prompt\r\n${Array.from({ length: MAX_TASKS }, () => cell).join('\r\n')}\r\n`;
    const started = performance.now();
    const r = parseTaskList('csv', text);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(r.problems).toEqual([]);
    expect(r.tasks).toHaveLength(MAX_TASKS);
    expect(r.tasks[MAX_TASKS - 1].row).toBe(2 + 2 * (MAX_TASKS - 1));
  });
});
