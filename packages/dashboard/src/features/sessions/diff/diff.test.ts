import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff, toSplitRows } from './parse';
import { languageOf, tokenize } from './highlight';

const PATCH = [
  'diff --git a/src/a.ts b/src/a.ts',
  'index 1234567..89abcde 100644',
  '--- a/src/a.ts',
  '+++ b/src/a.ts',
  '@@ -10,4 +10,5 @@ export function f() {',
  ' const a = 1;',
  '-const b = 2;',
  '+const b = 3;',
  '+const c = 4;',
  ' return a;',
  '\\ No newline at end of file',
  'diff --git a/docs/new.md b/docs/new.md',
  'new file mode 100644',
  'index 0000000..abcdef1',
  '--- /dev/null',
  '+++ b/docs/new.md',
  '@@ -0,0 +1,2 @@',
  '+# Title',
  '+text',
  'diff --git a/old.txt b/old.txt',
  'deleted file mode 100644',
  '--- a/old.txt',
  '+++ /dev/null',
  '@@ -1 +0,0 @@',
  '-gone',
  '',
].join('\n');

describe('parseUnifiedDiff', () => {
  it('splits a git patch into files with status, counts and numbered lines', () => {
    const files = parseUnifiedDiff(PATCH);
    expect(files.map((f) => [f.path, f.status, f.additions, f.deletions])).toEqual([
      ['src/a.ts', 'modified', 2, 1],
      ['docs/new.md', 'added', 2, 0],
      ['old.txt', 'deleted', 0, 1],
    ]);
    const lines = files[0].hunks[0].lines;
    expect(lines.map((l) => [l.kind, l.oldNo, l.newNo])).toEqual([
      ['ctx', 10, 10],
      ['del', 11, null],
      ['add', null, 11],
      ['add', null, 12],
      ['ctx', 12, 13],
    ]);
  });

  it('reads a plain diff without git headers and a rename', () => {
    const plain = parseUnifiedDiff('--- a/x.py\n+++ b/x.py\n@@ -1,1 +1,1 @@\n-a\n+b\n');
    expect(plain).toHaveLength(1);
    expect(plain[0]).toMatchObject({ path: 'x.py', status: 'modified', additions: 1, deletions: 1 });
    const renamed = parseUnifiedDiff('diff --git a/a.ts b/b.ts\nsimilarity index 100%\nrename from a.ts\nrename to b.ts\n');
    expect(renamed[0]).toMatchObject({ oldPath: 'a.ts', newPath: 'b.ts', status: 'renamed', hunks: [] });
  });

  it('pairs deletions with their replacing additions for the split view', () => {
    const rows = toSplitRows(parseUnifiedDiff(PATCH)[0].hunks[0]);
    expect(rows.map((r) => [r.left?.text ?? null, r.right?.text ?? null])).toEqual([
      ['const a = 1;', 'const a = 1;'],
      ['const b = 2;', 'const b = 3;'],
      [null, 'const c = 4;'],
      ['return a;', 'return a;'],
    ]);
  });
});

describe('tokenize', () => {
  it('colours keywords, strings, numbers and comments, and loses no character', () => {
    const line = "export const x = 'a\\'b' + 42; // note";
    const tokens = tokenize(line, languageOf('src/x.ts'));
    expect(tokens.map((t) => t.text).join('')).toBe(line);
    expect(tokens.filter((t) => t.kind === 'kw').map((t) => t.text)).toEqual(['export', 'const']);
    expect(tokens.find((t) => t.kind === 'str')?.text).toBe("'a\\'b'");
    expect(tokens.find((t) => t.kind === 'num')?.text).toBe('42');
    expect(tokens.at(-1)).toEqual({ kind: 'com', text: '// note' });
  });

  it('tells JSON keys from values and leaves unknown languages plain', () => {
    const tokens = tokenize('  "name": "x",', languageOf('package.json'));
    expect(tokens.filter((t) => t.kind !== 'plain').map((t) => t.kind)).toEqual(['key', 'str']);
    expect(tokenize('whatever # x', languageOf('notes.txt'))).toEqual([{ kind: 'plain', text: 'whatever # x' }]);
  });
});

describe('parseUnifiedDiff with hunk counts', () => {
  it('reads a deleted line starting with "-- " as content and the next plain file header as a new file', () => {
    const patch = '--- a/q.sql\n+++ b/q.sql\n@@ -1,2 +1,1 @@\n--- a comment\n select 1;\n--- a/r.sql\n+++ b/r.sql\n@@ -1 +1 @@\n-x\n+y\n';
    const files = parseUnifiedDiff(patch);
    expect(files.map((f) => f.path)).toEqual(['q.sql', 'r.sql']);
    expect(files[0].hunks[0].lines[0]).toMatchObject({ kind: 'del', text: '-- a comment' });
  });
});
