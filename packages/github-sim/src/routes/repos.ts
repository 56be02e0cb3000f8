import type { Context, Hono } from 'hono';
import { param, type ApiHandler } from '../http.ts';
import type { GitHubState } from '../state.ts';
import { tarball } from '../tarball.ts';
import { wireRepo, wireUser } from '../wire.ts';

type Api = (route: string, h: ApiHandler) => any;

/** The authenticated user, repositories and their tarballs. */
export function registerRepoRoutes(app: Hono, api: Api, s: GitHubState, user: (c: Context) => string): void {
  app.get('/user', api('/user', (c) => ({ body: { ...wireUser(s, user(c)), name: user(c), email: null } })));
  const R = '/repos/:owner/:repo';
  app.get(R, api(R, (c) => ({ body: wireRepo(s, s.repo(param(c, 'owner'), param(c, 'repo'))) })));
  const T = '/repos/:owner/:repo/tarball/:ref{.+}';
  const tar = api('/repos/:owner/:repo/tarball/:ref', (c) => {
    const r = s.repo(param(c, 'owner'), param(c, 'repo'));
    const sha = s.resolve(r, param(c, 'ref') ?? r.defaultBranch);
    const commit = r.commits.get(sha)!;
    const root = `${r.owner}-${r.name}-${sha.slice(0, 7)}`;
    // GitHub answers 302 to codeload; the archive itself with 200 is what a client that follows it reads.
    return {
      raw: new Uint8Array(tarball(root, commit.files, commit.at)), type: 'application/x-gzip',
      headers: { 'content-disposition': `attachment; filename=${root}.tar.gz` },
    };
  });
  app.get(T, tar);
  app.get('/repos/:owner/:repo/tarball', tar);
}
