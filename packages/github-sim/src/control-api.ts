import type { Bucket } from './limits.ts';
import type { LogEntry } from './log.ts';
import type { mergePull } from './merge.ts';
import type { FileChanges, GitHubState, RepoSpec } from './state.ts';
import type { CiOutcome, MergeMethod, Review } from './types.ts';
import type { Delivery } from './webhooks.ts';
import type { wireRepo } from './wire.ts';

export type PullOptions = { branch: string; base?: string; title?: string; body?: string; files?: FileChanges; user?: string; draft?: boolean; message?: string };
type WirePull = ReturnType<GitHubState['wirePull']>;

/**
 * The simulator's control methods (also served under /_sim by routes/control.ts). Declared here, apart from
 * simulator.ts, so the control routes can name them without an import cycle.
 */
export interface ControlApi {
  createRepo(spec: RepoSpec): ReturnType<typeof wireRepo>;
  /** Commits files on a branch (new or existing) without a PR; returns the new head SHA. */
  pushBranch(full: string, branch: string, files: FileChanges, message?: string): string;
  /** Pushes `files` on a new branch and opens a PR from it (emits push, then pull_request opened). */
  openPull(full: string, o: PullOptions): WirePull;
  /** A new commit on the PR's head (pull_request synchronize); returns the new head SHA. */
  pushToPull(full: string, n: number, files: FileChanges, message?: string): string;
  setCi(full: string, ci: Partial<CiOutcome>, n?: number): CiOutcome;
  setMergeable(full: string, n: number, mergeable: boolean | null): WirePull;
  addReview(full: string, n: number, o: { user: string; state: Review['state']; body?: string; comments?: { path: string; line: number; body: string }[] }): WirePull;
  addLabels(full: string, n: number, labels: string[]): string[];
  comment(full: string, n: number, body: string, user?: string): ReturnType<GitHubState['comment']>;
  closePull(full: string, n: number): WirePull;
  mergePull(full: string, n: number, o?: { method?: MergeMethod; sha?: string }): ReturnType<typeof mergePull>;
  /** GitHub's auto-merge (a GraphQL mutation there): merges once the PR is clean. */
  enableAutoMerge(full: string, n: number, method?: MergeMethod, user?: string): WirePull;
  pull(full: string, n: number): WirePull;
  addHook(full: string, h: { url: string; secret: string; events?: string[] }): { id: number; url: string; secret: string; events: string[] };
  advance(seconds: number): string;
  setRateLimit(o: { token?: string; limit?: number; remaining?: number; resetInSeconds?: number }): Bucket[];
  log(o?: { since?: string; route?: string }): LogEntry[];
  deliveries(o?: { event?: string }): Delivery[];
  redeliver(id: string): Delivery;
  /** Waits until every webhook delivery in flight has been answered (or failed). */
  webhooksIdle(): Promise<void>;
  reset(): void;
}
