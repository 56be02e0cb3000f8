/**
 * Reads a prompt the way a plausible agent would: what kind of task it is and which module it is about.
 * Plans, diffs and messages are built from this so simulated sessions read as if they belong to their prompt.
 */
export type TaskKind = 'bug' | 'test' | 'refactor' | 'docs' | 'deps' | 'feature';

export interface Topic {
  kind: TaskKind;
  /** The prompt's first sentence, cleaned and shortened: used in titles and messages. */
  subject: string;
  /** A slug for the module the task is about, e.g. `login`: used in file paths. */
  slug: string;
  /** Identifier-style name, e.g. `Login`. */
  name: string;
}

const KIND_WORDS: [TaskKind, RegExp][] = [
  ['deps', /\b(upgrade|bump|dependenc|update .* to v?\d|migrate to)/i],
  ['bug', /\b(fix|bug|crash|error|broken|regression|issue|fails?)\b/i],
  ['test', /\b(tests?|coverage|spec|flaky)\b/i],
  ['docs', /\b(docs?|documentation|readme|comment|guide)\b/i],
  ['refactor', /\b(refactor|clean ?up|simplify|extract|rename|reorgani[sz]e)\b/i],
];

const STOP = new Set(
  ('the a an and or of to in on for with from into by at is are be this that it its as our your add fix make ' +
    'update use using should when please can all new some any more less bug tests test issue page code file ' +
    'files support improve write refactor docs readme implement create remove upgrade bump version document ' +
    'module handling behaviour behavior public function functions component components change changes separate').split(' '),
);

/** Removes `[sim:...]` control tags so they never leak into generated content. */
export function stripTags(prompt: string): string {
  return prompt.replace(/\[sim:[^\]]*\]/gi, '').replace(/\s+/g, ' ').trim();
}

/** Derives a {@link Topic} from a prompt. */
export function topicOf(prompt: string): Topic {
  const clean = stripTags(prompt);
  const kind = KIND_WORDS.find(([, re]) => re.test(clean))?.[0] ?? 'feature';
  const first = (clean.split(/(?<=[.!?])\s|\n/)[0] ?? clean).replace(/[.!?]+$/, '');
  const subject = first.length > 72 ? `${first.slice(0, 69).trimEnd()}...` : first || 'the requested change';
  const words = clean.toLowerCase().match(/[a-z][a-z0-9-]{2,}/g) ?? [];
  const candidates = words.filter((w) => !STOP.has(w));
  const slugWord = candidates.sort((a, b) => b.length - a.length)[0] ?? 'core';
  const slug = slugWord.replace(/-+$/, '').slice(0, 24) || 'core';
  const name = slug.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
  return { kind, subject, slug, name };
}

/** A session title the way Jules derives one from the prompt when none is given. */
export function titleFromPrompt(prompt: string): string {
  const clean = stripTags(prompt);
  const line = clean.split('\n')[0] ?? clean;
  return line.length > 80 ? `${line.slice(0, 77).trimEnd()}...` : line;
}
