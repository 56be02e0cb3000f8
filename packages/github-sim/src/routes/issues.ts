import type { Context, Hono } from 'hono';
import { invalidField } from '../errors.ts';
import { paginate, param, readBody, type ApiHandler } from '../http.ts';
import type { GitHubState } from '../state.ts';
import { wireIssueComment, wireLabel } from '../wire.ts';

type Api = (route: string, h: ApiHandler) => any;

/** Issue comments and labels (a PR's number works here too, as on GitHub). */
export function registerIssueRoutes(app: Hono, api: Api, s: GitHubState, user: (c: Context) => string): void {
  const C = '/repos/:owner/:repo/issues/:number/comments';
  app.get(C, api(C, (c) => {
    const r = s.repo(param(c, 'owner'), param(c, 'repo'));
    const i = s.issue(r, param(c, 'number'));
    const page = paginate(c, i.comments);
    return { body: page.items.map((x) => wireIssueComment(s, r, i, x)), headers: page.headers };
  }));
  app.post(C, api(C, async (c) => {
    const r = s.repo(param(c, 'owner'), param(c, 'repo'));
    const i = s.issue(r, param(c, 'number'));
    const b = await readBody(c);
    if (typeof b.body !== 'string' || !b.body) throw invalidField('IssueComment', 'body');
    return { status: 201, body: s.comment(r, i, b.body, user(c)) };
  }));
  const L = '/repos/:owner/:repo/issues/:number/labels';
  app.get(L, api(L, (c) => {
    const r = s.repo(param(c, 'owner'), param(c, 'repo'));
    const i = s.issue(r, param(c, 'number'));
    return { body: i.labels.map((l) => wireLabel(s, r, l)) };
  }));
  app.post(L, api(L, async (c) => {
    const r = s.repo(param(c, 'owner'), param(c, 'repo'));
    const i = s.issue(r, param(c, 'number'));
    const b = await readBody(c);
    const raw = Array.isArray(b.labels) ? b.labels : undefined;
    // GitHub takes names or { name } objects.
    const labels: unknown[] | undefined = raw?.map((l: unknown) => (typeof l === 'string' ? l : (l as { name?: unknown })?.name));
    if (!labels || !labels.length || labels.some((l) => typeof l !== 'string' || !l)) throw invalidField('Label', 'labels', 'invalid');
    s.addLabels(r, i, labels as string[], user(c));
    return { body: i.labels.map((l) => wireLabel(s, r, l)) };
  }));
  const D = `${L}/:name`;
  app.delete(D, api(D, (c) => {
    const r = s.repo(param(c, 'owner'), param(c, 'repo'));
    const i = s.issue(r, param(c, 'number'));
    s.removeLabel(r, i, decodeURIComponent(param(c, 'name')));
    return { body: i.labels.map((l) => wireLabel(s, r, l)) };
  }));
}
