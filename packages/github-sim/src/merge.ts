import { GhError } from './errors.ts';
import type { GitHubState } from './state.ts';
import type { IssueRec, MergeMethod, Repo } from './types.ts';

const METHOD_NAMES: Record<MergeMethod, string> = { merge: 'Merge commits', squash: 'Squash commits', rebase: 'Rebase' };

/**
 * PUT /pulls/{n}/merge as GitHub decides it: 405 when the PR cannot be merged (closed, draft, conflict, method
 * off, branch protection unmet), 409 when `sha` is not the head any more. On success the base branch gets a
 * merge commit with the head's files, and pull_request closed (merged) and push are emitted.
 */
export function mergePull(s: GitHubState, r: Repo, i: IssueRec, o: { sha?: string; method?: MergeMethod; title?: string; user?: string }) {
  const p = i.pull!;
  const method = o.method ?? 'merge';
  if (i.state !== 'open') throw new GhError(405, 'Pull Request is not mergeable');
  if (o.sha && o.sha !== p.headSha) throw new GhError(409, 'Head branch was modified. Review and try the merge again.');
  if (!r.mergeMethods[method]) throw new GhError(405, `${METHOD_NAMES[method]} are not allowed on this repository.`);
  if (p.draft) throw new GhError(405, 'Pull Request is still a draft');
  if (p.mergeable !== true) throw new GhError(405, 'Pull Request is not mergeable');
  const blocked = s.protectionProblem(r, i);
  if (blocked) throw new GhError(405, `Repository rule violations found\n\n${blocked}`);
  const head = r.commits.get(p.headSha)!;
  const base = r.commits.get(r.branches.get(p.baseRef)!)!;
  const changes: Record<string, string | null> = {};
  for (const [path, content] of head.files) if (base.files.get(path) !== content) changes[path] = content;
  for (const path of base.files.keys()) if (!head.files.has(path)) changes[path] = null;
  const user = o.user ?? s.defaultUser;
  const sha = s.push(r, p.baseRef, changes, o.title ?? `Merge pull request #${i.number} from ${r.owner}/${p.headRef}`, user);
  const now = s.clock.now();
  Object.assign(p, { merged: true, mergedAt: now, mergeCommitSha: sha, mergedBy: user, autoMerge: null });
  i.state = 'closed';
  i.closedAt = now;
  i.updatedAt = now;
  s.emitPull(r, i, 'closed', {}, user);
  return { sha, merged: true, message: 'Pull Request successfully merged' };
}

/** Merges every PR with auto-merge on whose requirements are now met (GitHub does this when checks finish). */
export function runAutoMerges(s: GitHubState): number {
  let merged = 0;
  for (const r of s.repos.values()) {
    for (const i of r.issues.values()) {
      const am = i.pull?.autoMerge;
      if (!am || i.state !== 'open' || s.mergeableState(r, i) !== 'clean') continue;
      try {
        mergePull(s, r, i, { method: am.method, user: am.by });
        merged++;
      } catch (e) {
        if (!(e instanceof GhError)) throw e;
      }
    }
  }
  return merged;
}
