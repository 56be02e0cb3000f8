import type { Context, Hono } from 'hono';
import { GhError, invalidField } from '../errors.ts';
import { paginate, param, readBody, type ApiHandler } from '../http.ts';
import { mergePull } from '../merge.ts';
import type { GitHubState } from '../state.ts';
import type { MergeMethod } from '../types.ts';
import { wireReview, wireReviewComment } from '../wire.ts';

type Api = (route: string, h: ApiHandler) => any;

/** Pull requests: list/get/create/update, reviews, review comments, merge. */
export function registerPullRoutes(app: Hono, api: Api, s: GitHubState, user: (c: Context) => string): void {
  const P = '/repos/:owner/:repo/pulls';
  app.get(P, api(P, (c) => {
    const r = s.repo(param(c, 'owner'), param(c, 'repo'));
    const state = c.req.query('state') ?? 'open';
    if (!['open', 'closed', 'all'].includes(state)) throw invalidField('PullRequest', 'state', 'invalid');
    const head = c.req.query('head');
    const base = c.req.query('base');
    const list = [...r.issues.values()]
      .filter((i) => i.pull && (state === 'all' || i.state === state))
      .filter((i) => !head || `${r.owner}:${i.pull!.headRef}` === head || i.pull!.headRef === head)
      .filter((i) => !base || i.pull!.baseRef === base)
      .sort((a, b) => (c.req.query('direction') === 'asc' ? a.number - b.number : b.number - a.number));
    const page = paginate(c, list);
    return { body: page.items.map((i) => s.wirePull(r, i)), headers: page.headers };
  }));
  app.post(P, api(P, async (c) => {
    const r = s.repo(param(c, 'owner'), param(c, 'repo'));
    const b = await readBody(c);
    for (const f of ['title', 'head', 'base'] as const) if (typeof b[f] !== 'string' || !b[f]) throw invalidField('PullRequest', f);
    const head = String(b.head).includes(':') ? String(b.head).split(':')[1] : String(b.head);
    const i = s.openPull(r, { head, base: b.base, title: b.title, body: typeof b.body === 'string' ? b.body : '', draft: b.draft === true, user: user(c) });
    return { status: 201, body: s.wirePull(r, i) };
  }));
  const N = `${P}/:number`;
  app.get(N, api(N, (c) => {
    const r = s.repo(param(c, 'owner'), param(c, 'repo'));
    return { body: s.wirePull(r, s.pull(r, param(c, 'number'))) };
  }));
  app.patch(N, api(N, async (c) => {
    const r = s.repo(param(c, 'owner'), param(c, 'repo'));
    const i = s.pull(r, param(c, 'number'));
    const b = await readBody(c);
    if (b.state !== undefined && b.state !== 'open' && b.state !== 'closed') throw invalidField('PullRequest', 'state', 'invalid');
    if (b.title !== undefined && typeof b.title !== 'string') throw invalidField('PullRequest', 'title', 'invalid');
    if (typeof b.title === 'string') i.title = b.title;
    if (typeof b.body === 'string') i.body = b.body;
    if (b.state) s.setState(r, i, b.state);
    i.updatedAt = s.clock.now();
    return { body: s.wirePull(r, i) };
  }));
  const RV = `${N}/reviews`;
  app.get(RV, api(RV, (c) => {
    const r = s.repo(param(c, 'owner'), param(c, 'repo'));
    const i = s.pull(r, param(c, 'number'));
    const page = paginate(c, i.pull!.reviews);
    return { body: page.items.map((v) => wireReview(s, r, i, v)), headers: page.headers };
  }));
  const RC = `${N}/comments`;
  app.get(RC, api(RC, (c) => {
    const r = s.repo(param(c, 'owner'), param(c, 'repo'));
    const i = s.pull(r, param(c, 'number'));
    const page = paginate(c, i.pull!.reviewComments);
    return { body: page.items.map((v) => wireReviewComment(s, r, i, v)), headers: page.headers };
  }));
  const M = `${N}/merge`;
  app.get(M, api(M, (c) => {
    const r = s.repo(param(c, 'owner'), param(c, 'repo'));
    if (!s.pull(r, param(c, 'number')).pull!.merged) throw new GhError(404, 'Not Found');
    return { status: 204 };
  }));
  app.put(M, api(M, async (c) => {
    const r = s.repo(param(c, 'owner'), param(c, 'repo'));
    const i = s.pull(r, param(c, 'number'));
    const b = await readBody(c);
    if (b.merge_method !== undefined && !['merge', 'squash', 'rebase'].includes(b.merge_method)) throw invalidField('PullRequest', 'merge_method', 'invalid');
    if (b.sha !== undefined && typeof b.sha !== 'string') throw invalidField('PullRequest', 'sha', 'invalid');
    const out = mergePull(s, r, i, { sha: b.sha, method: b.merge_method as MergeMethod | undefined, title: typeof b.commit_title === 'string' ? b.commit_title : undefined, user: user(c) });
    return { body: out };
  }));
}
