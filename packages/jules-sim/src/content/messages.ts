import type { Rng } from '../rng.ts';
import type { Topic } from './topic.ts';

/** Agent texts: questions, acknowledgements, status notes and failure reasons that fit the session's topic. */
export function questionFor(topic: Topic, rng: Rng): string {
  return rng.pick([
    `Before I change ${topic.name}: should the existing behaviour stay the default, or may I change it for all callers?`,
    `I found two places that implement ${topic.slug} logic. Should I consolidate them, or only change src/${topic.slug}?`,
    `The task says "${topic.subject}". Do you want tests for the error paths as well, or only the main flow?`,
    `Should I keep backwards compatibility for the old ${topic.name} API, or is a breaking change acceptable?`,
  ]);
}

export function acknowledgement(rng: Rng): string {
  return rng.pick([
    'Thanks, that clears it up. Continuing with the plan.',
    'Understood. I will take that into account and carry on.',
    'Got it, resuming work now.',
  ]);
}

export function statusNote(topic: Topic, rng: Rng): string {
  return rng.pick([
    `The ${topic.slug} tests pass locally; moving on to the next step.`,
    `I noticed ${topic.name} is also used in a second module; I will keep its signature unchanged.`,
    'The build is green after this step.',
  ]);
}

export function stuckReply(rng: Rng): string {
  return rng.pick([
    'The pull request is open and ready for review. Let me know if anything else is needed.',
    'I have already pushed the changes and opened the pull request.',
  ]);
}

export function failureReason(topic: Topic, rng: Rng): string {
  return rng.pick([
    'The environment setup failed: dependency installation exited with code 1.',
    `Unable to make the ${topic.slug} tests pass after several attempts.`,
    'The agent ran out of time before completing the task.',
    'Could not clone the repository: the starting branch was not found.',
  ]);
}

export function prDescription(topic: Topic, steps: string[]): string {
  return [`This change addresses: ${topic.subject}.`, '', ...steps.map((st) => `- ${st}`)].join('\n');
}
