import { createRng, mixSeed } from '../rng.ts';
import type { Rng } from '../rng.ts';
import type { Topic } from './topic.ts';

/**
 * Unified diffs, generated deterministically from (session seed, file index) so a cumulative patch can be
 * rebuilt on demand instead of being stored for every progress activity.
 */
export interface FileSpec { path: string; created: boolean }

/** The i-th file a session's agent touches. */
export function fileFor(topic: Topic, sessionSeed: number, i: number): FileSpec {
  const t = topic.slug;
  const pool: FileSpec[] = {
    docs: [
      { path: `docs/${t}.md`, created: true },
      { path: 'README.md', created: false },
      { path: `docs/examples/${t}-example.md`, created: true },
      { path: `src/${t}/index.ts`, created: false },
    ],
    deps: [
      { path: 'package.json', created: false },
      { path: `src/${t}/client.ts`, created: false },
      { path: 'CHANGELOG.md', created: false },
      { path: `src/${t}/compat.ts`, created: true },
    ],
  }[topic.kind as 'docs' | 'deps'] ?? [
    { path: `src/${t}/${t}.ts`, created: topic.kind === 'feature' },
    { path: `src/${t}/${t}.test.ts`, created: true },
    { path: `src/${t}/helpers.ts`, created: true },
    { path: `src/${t}/index.ts`, created: false },
    { path: `docs/${t}.md`, created: true },
    { path: 'CHANGELOG.md', created: false },
  ];
  if (i < pool.length) return pool[i];
  const rng = createRng(mixSeed(sessionSeed, 0xf11e, i));
  return { path: `src/${t}/part-${i}-${rng.hex(4)}.ts`, created: true };
}

function codeLines(topic: Topic, path: string, rng: Rng, count: number): string[] {
  const md = path.endsWith('.md');
  const json = path.endsWith('.json');
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    if (md) out.push(k === 0 ? `## ${topic.name}` : rng.pick([
      `${topic.name} now handles this case explicitly.`, '', `See \`src/${topic.slug}\` for details.`,
      `- ${topic.subject}`, 'Run `npm test` to check the change locally.',
    ]));
    else if (json) out.push(`    "${topic.slug}${k ? `-${k}` : ''}": "^${rng.int(1, 9)}.${rng.int(0, 20)}.${rng.int(0, 9)}",`);
    else out.push(rng.pick([
      `export function ${topic.slug.replace(/-/g, '')}Step${k}(input: string): string {`,
      `  const value = input.trim();`, `  if (!value) throw new Error('${topic.slug}: empty input');`,
      `  return value;`, '}', '', `// ${topic.name}: keep behaviour stable for existing callers.`,
      `import { ${topic.name}Options } from './types';`, `  expect(${topic.slug.replace(/-/g, '')}Step${k}(' x ')).toBe('x');`,
    ]));
  }
  return out;
}

/** One file's diff (git format) for the i-th file of a session. */
export function fileDiff(topic: Topic, sessionSeed: number, i: number): string {
  const f = fileFor(topic, sessionSeed, i);
  const rng = createRng(mixSeed(sessionSeed, 0xd1ff, i));
  const idx = `${rng.hex(7)}..${rng.hex(7)}`;
  if (f.created) {
    const lines = codeLines(topic, f.path, rng, rng.int(4, 14));
    return [
      `diff --git a/${f.path} b/${f.path}`, 'new file mode 100644', `index 0000000..${idx.slice(9)}`,
      '--- /dev/null', `+++ b/${f.path}`, `@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`),
    ].join('\n');
  }
  const start = rng.int(1, 120);
  const before = codeLines(topic, f.path, rng, 3);
  const removed = codeLines(topic, f.path, rng, rng.int(0, 3));
  const added = codeLines(topic, f.path, rng, rng.int(1, 6));
  const after = codeLines(topic, f.path, rng, 2);
  const oldCount = before.length + removed.length + after.length;
  const newCount = before.length + added.length + after.length;
  return [
    `diff --git a/${f.path} b/${f.path}`, `index ${idx} 100644`, `--- a/${f.path}`, `+++ b/${f.path}`,
    `@@ -${start},${oldCount} +${start},${newCount} @@`,
    ...before.map((l) => ` ${l}`), ...removed.map((l) => `-${l}`), ...added.map((l) => `+${l}`),
    ...after.map((l) => ` ${l}`),
  ].join('\n');
}

/** The cumulative patch over a session's first `files` files, ending with a newline as git emits it. */
export function cumulativePatch(topic: Topic, sessionSeed: number, files: number): string {
  const parts: string[] = [];
  for (let i = 0; i < files; i++) parts.push(fileDiff(topic, sessionSeed, i));
  return parts.length ? `${parts.join('\n')}\n` : '';
}

/** A conventional-commit message for the change. */
export function commitMessage(topic: Topic): string {
  const type = { bug: 'fix', test: 'test', refactor: 'refactor', docs: 'docs', deps: 'chore(deps)', feature: 'feat' }[topic.kind];
  const subject = topic.subject.charAt(0).toLowerCase() + topic.subject.slice(1);
  return `${type}: ${subject}`;
}
