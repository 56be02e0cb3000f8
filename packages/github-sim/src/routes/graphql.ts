import type { Context, Hono } from 'hono';
import { isoSeconds } from '../clock.ts';
import { readBody, type ApiHandler } from '../http.ts';
import type { GitHubState } from '../state.ts';
import type { IssueRec, MergeMethod, Repo } from '../types.ts';
import { wireUser } from '../wire.ts';

type Api = (route: string, h: ApiHandler) => any;

/** An error in GitHub's GraphQL shape (answered with HTTP 200 and `data: null`, as api.github.com does). */
class GqlError extends Error {
  constructor(message: string, readonly type: string, readonly path: string[]) {
    super(message);
  }
}

const METHODS: Record<string, MergeMethod> = { MERGE: 'merge', SQUASH: 'squash', REBASE: 'rebase' };
const METHOD_WORDS: Record<MergeMethod, string> = { merge: 'Merge commits', squash: 'Squash merging', rebase: 'Rebase merging' };

/**
 * `POST /graphql`, as `octokit.graphql(query, variables)` sends it (`{ query, variables }`), for the three
 * operations the orchestrator needs: `enablePullRequestAutoMerge(input: { pullRequestId, mergeMethod })`,
 * `disablePullRequestAutoMerge(input: { pullRequestId })` and `repository(owner, name) { pullRequest(number) { id
 * autoMergeRequest } }`.
 *
 * This is not a GraphQL engine: the query text only tells which operation is meant; the values are read from
 * `variables` (literals inlined in the query are not parsed), and the answer carries a fixed set of fields (id,
 * number, state, autoMergeRequest) whatever the selection. Anything else is answered with GitHub's error shape.
 */
export function registerGraphqlRoutes(app: Hono, api: Api, s: GitHubState, user: (c: Context) => string): void {
  app.post('/graphql', api('/graphql', async (c) => {
    const b = await readBody(c);
    if (typeof b.query !== 'string' || !b.query.trim()) {
      return { body: { errors: [{ message: 'A query attribute must be specified and must be a string.' }] } };
    }
    const vars = b.variables && typeof b.variables === 'object' && !Array.isArray(b.variables) ? (b.variables as Record<string, unknown>) : {};
    try {
      return { body: { data: run(b.query, vars, user(c)) } };
    } catch (e) {
      if (!(e instanceof GqlError)) throw e;
      return { body: { data: null, errors: [{ type: e.type, path: e.path, locations: [{ line: 1, column: 1 }], message: e.message }] } };
    }
  }));

  function run(query: string, vars: Record<string, unknown>, login: string): Record<string, unknown> {
    const op = /\b(enablePullRequestAutoMerge|disablePullRequestAutoMerge)\s*\(/.exec(query)?.[1];
    if (op) {
      // `input: $input` (one input object) or `input: { pullRequestId: $id, mergeMethod: $method }`.
      const input = (vars.input && typeof vars.input === 'object' ? vars.input : vars) as Record<string, unknown>;
      const id = input.pullRequestId ?? vars.pullRequestId;
      if (typeof id !== 'string' || !id) throw new GqlError(`Variable $pullRequestId of type ID! was provided invalid value`, 'INVALID_VARIABLE', [op]);
      const { r, i } = byNodeId(id, op);
      if (op === 'enablePullRequestAutoMerge') enable(r, i, input.mergeMethod ?? vars.mergeMethod, login, op);
      else disable(r, i, login);
      return { [op]: { clientMutationId: null, pullRequest: gqlPull(r, i) } };
    }
    if (/\brepository\s*\(/.test(query) && /\bpullRequest\s*\(/.test(query)) {
      const owner = vars.owner;
      const name = vars.name ?? vars.repo;
      const number = Number(vars.number);
      if (typeof owner !== 'string' || typeof name !== 'string') throw new GqlError('Variables $owner and $name (String!) are required', 'INVALID_VARIABLE', ['repository']);
      let r: Repo;
      try {
        r = s.repo(owner, name);
      } catch {
        throw new GqlError(`Could not resolve to a Repository with the name '${owner}/${name}'.`, 'NOT_FOUND', ['repository']);
      }
      const i = r.issues.get(number);
      if (!i?.pull) throw new GqlError(`Could not resolve to a PullRequest with the number of ${vars.number}.`, 'NOT_FOUND', ['repository', 'pullRequest']);
      return { repository: { id: `R_${r.id}`, nameWithOwner: `${r.owner}/${r.name}`, autoMergeAllowed: r.allowAutoMerge, pullRequest: gqlPull(r, i) } };
    }
    const field = /^\s*(?:query|mutation)?[^{]*\{\s*(\w+)/.exec(query)?.[1] ?? 'query';
    throw new GqlError(`Field '${field}' doesn't exist on type 'Query' (this simulator answers only enablePullRequestAutoMerge, disablePullRequestAutoMerge and repository.pullRequest)`, 'undefinedField', ['query', field]);
  }

  function byNodeId(id: string, op: string): { r: Repo; i: IssueRec } {
    const m = /^PR_(\d+)$/.exec(id);
    if (m) {
      for (const r of s.repos.values()) for (const i of r.issues.values()) if (i.pull && i.id === Number(m[1])) return { r, i };
    }
    throw new GqlError(`Could not resolve to a node with the global id of '${id}'`, 'NOT_FOUND', [op]);
  }

  function enable(r: Repo, i: IssueRec, rawMethod: unknown, login: string, op: string): void {
    const p = i.pull!;
    const method = rawMethod === undefined ? 'merge' : METHODS[String(rawMethod)];
    if (!method) throw new GqlError(`Argument 'mergeMethod' on InputObject 'EnablePullRequestAutoMergeInput' has an invalid value (${String(rawMethod)}). Expected type 'PullRequestMergeMethod'.`, 'argumentLiteralsIncompatible', [op]);
    const refuse = (why: string) => new GqlError(`Pull request ${why}`, 'UNPROCESSABLE', [op]);
    if (!r.allowAutoMerge) throw refuse('Auto merge is not allowed for this repository');
    if (i.state !== 'open') throw refuse('Pull request is closed');
    if (!r.mergeMethods[method]) throw refuse(`${METHOD_WORDS[method]} is not allowed on this repository`);
    // GitHub enables auto-merge only on a PR that cannot merge yet: one that could merge now must be merged.
    const state = s.mergeableState(r, i);
    if (state === 'clean') throw refuse('Pull request is in clean status');
    if (p.autoMerge?.method === method) return;
    p.autoMerge = { method, by: login, at: s.clock.now() };
    i.updatedAt = s.clock.now();
    s.emitPull(r, i, 'auto_merge_enabled', {}, login);
  }

  function disable(r: Repo, i: IssueRec, login: string): void {
    if (!i.pull!.autoMerge) return;
    i.pull!.autoMerge = null;
    i.updatedAt = s.clock.now();
    s.emitPull(r, i, 'auto_merge_disabled', {}, login);
  }

  function gqlPull(r: Repo, i: IssueRec) {
    const p = i.pull!;
    const am = p.autoMerge;
    return {
      id: `PR_${i.id}`, number: i.number, url: `${s.origin.replace(/\/$/, '')}/${r.owner}/${r.name}/pull/${i.number}`,
      state: p.merged ? 'MERGED' : i.state === 'open' ? 'OPEN' : 'CLOSED', headRefOid: p.headSha,
      autoMergeRequest: am ? { enabledAt: isoSeconds(am.at ?? i.updatedAt), mergeMethod: am.method.toUpperCase(), enabledBy: { login: wireUser(s, am.by).login } } : null,
    };
  }
}
