/**
 * @autopilot/github-sim: a GitHub REST API simulator (pulls, checks, Actions, merges, webhooks, rate limits) for
 * tests, demo mode and benchmarks. See README.md.
 */
export { createGitHubSimulator, splitRepo } from './simulator.ts';
export type { GitHubSimulator, GitHubSimulatorOptions, ListeningGitHubSimulator, PullOptions } from './simulator.ts';
export type { RepoSpec, FileChanges } from './state.ts';
export type { LogEntry } from './log.ts';
export type { Delivery } from './webhooks.ts';
export { signBody } from './webhooks.ts';
export type { Annotation, CiOutcome, MergeMethod, Protection } from './types.ts';
export { DEFAULT_CI } from './ci.ts';
export type { AppSpec, IssuedToken } from './routes/apps.ts';
export { loadGitHubSnapshot, parseGitHubSnapshot, persistGitHubSimulator } from './snapshot.ts';
export type { GitHubPersister, GitHubSimSnapshot, LoadedSnapshot } from './snapshot.ts';
