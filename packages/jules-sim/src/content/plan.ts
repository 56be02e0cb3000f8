import type { Rng } from '../rng.ts';
import type { Topic, TaskKind } from './topic.ts';

/** A plan step before ids and timestamps are attached. */
export interface StepDraft { title: string; description: string }

type Template = (t: Topic) => StepDraft;
const s = (title: string, description: string): StepDraft => ({ title, description });

// Eight steps per task kind, most essential first: a plan of n steps takes the first n (n in 3..8).
const TEMPLATES: Record<TaskKind, Template[]> = {
  bug: [
    (t) => s(`Reproduce the ${t.slug} problem`, `Write a failing check that shows: ${t.subject}.`),
    (t) => s(`Find the root cause in the ${t.slug} module`, `Trace the failing path through src/${t.slug}.`),
    (t) => s(`Fix ${t.name} handling`, `Change the faulty logic in src/${t.slug}/${t.slug}.ts.`),
    (t) => s('Add a regression test', `Cover the case from the report in src/${t.slug}/${t.slug}.test.ts.`),
    () => s('Run the full test suite', 'Make sure nothing else depends on the old behaviour.'),
    (t) => s('Check related call sites', `Search for other users of ${t.name} that may share the bug.`),
    () => s('Update the changelog', 'Describe the fix for the next release notes.'),
    () => s('Submit the change', 'Summarise the fix and open it for review.'),
  ],
  test: [
    (t) => s(`Survey existing tests for ${t.slug}`, `List what ${t.name} does and which paths lack tests.`),
    (t) => s('Add unit tests for the main paths', `Create src/${t.slug}/${t.slug}.test.ts with focused cases.`),
    () => s('Cover edge cases', 'Empty input, invalid values and error branches.'),
    () => s('Remove flakiness', 'Replace real timers and network calls with fakes.'),
    () => s('Run the suite and check coverage', 'Confirm the new tests pass and raise coverage.'),
    (t) => s('Add test helpers', `Extract shared fixtures into src/${t.slug}/fixtures.ts.`),
    () => s('Document how to run the tests', 'Add a short note to the README.'),
    () => s('Submit the change', 'Open the new tests for review.'),
  ],
  refactor: [
    (t) => s(`Map the current ${t.slug} structure`, `Read src/${t.slug} and note responsibilities and callers.`),
    (t) => s(`Extract ${t.name} helpers`, `Move shared logic into src/${t.slug}/helpers.ts.`),
    () => s('Update call sites', 'Switch callers to the new functions without changing behaviour.'),
    () => s('Remove dead code', 'Delete the code paths that are no longer used.'),
    () => s('Run tests and the type checker', 'Verify the refactor is behaviour-preserving.'),
    (t) => s('Tidy the public surface', `Export only what other modules need from src/${t.slug}/index.ts.`),
    () => s('Update documentation', 'Reflect the new structure in the docs.'),
    () => s('Submit the change', 'Describe the refactor for reviewers.'),
  ],
  docs: [
    (t) => s(`Review the current ${t.slug} documentation`, 'Find gaps, outdated statements and broken links.'),
    (t) => s(`Write the ${t.name} guide`, `Create docs/${t.slug}.md covering: ${t.subject}.`),
    () => s('Add examples', 'Include short, runnable examples.'),
    () => s('Update the README', 'Link the new guide from the README.'),
    () => s('Check links and formatting', 'Run the markdown linter and fix warnings.'),
    () => s('Add API reference comments', 'Document exported functions with TSDoc.'),
    () => s('Proofread', 'Tighten wording and fix typos.'),
    () => s('Submit the change', 'Open the documentation update for review.'),
  ],
  deps: [
    (t) => s(`Read the ${t.slug} changelog`, 'List breaking changes between the current and target versions.'),
    (t) => s(`Bump ${t.slug} in package.json`, 'Update the version range and the lock file.'),
    () => s('Adapt code to breaking changes', 'Update imports and changed call signatures.'),
    () => s('Run the build and tests', 'Fix failures caused by the upgrade.'),
    () => s('Check for deprecation warnings', 'Replace deprecated APIs with their successors.'),
    () => s('Update related dependencies', 'Align peer dependencies with the new version.'),
    () => s('Note the upgrade in the changelog', 'Mention the new version and any behaviour changes.'),
    () => s('Submit the change', 'Open the upgrade for review.'),
  ],
  feature: [
    (t) => s(`Explore the code around ${t.slug}`, `Find where ${t.subject.toLowerCase()} fits in the codebase.`),
    (t) => s(`Implement ${t.name}`, `Add the core logic in src/${t.slug}/${t.slug}.ts.`),
    (t) => s('Wire it into the application', `Export ${t.name} and connect it to its callers.`),
    (t) => s('Add tests', `Cover the new behaviour in src/${t.slug}/${t.slug}.test.ts.`),
    () => s('Handle errors and edge cases', 'Validate inputs and report failures clearly.'),
    () => s('Run the test suite', 'Make sure the new feature and existing ones pass.'),
    (t) => s('Document the feature', `Describe ${t.name} in docs/${t.slug}.md.`),
    () => s('Submit the change', 'Summarise the feature and open it for review.'),
  ],
};

/** Builds a plan of 3 to 8 steps that relates to the prompt's topic. */
export function draftPlan(topic: Topic, rng: Rng, steps?: number): StepDraft[] {
  const n = Math.max(1, Math.min(8, steps ?? rng.int(3, 8)));
  return TEMPLATES[topic.kind].slice(0, n).map((f) => f(topic));
}

/** Extra steps an agent does after being woken by a follow-up message on a finished session. */
export function followUpStep(topic: Topic, message: string, i: number): StepDraft {
  const ask = message.length > 60 ? `${message.slice(0, 57)}...` : message;
  return i === 0
    ? s('Address the follow-up request', `Apply the requested change: ${ask}`)
    : s(`Polish the ${topic.slug} change`, 'Re-run the tests and tidy the patch.');
}
