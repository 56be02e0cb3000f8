import { execFile } from 'node:child_process';

/** A GitHub (or GitHub Enterprise) repository as a git remote names it. */
export interface RemoteRepo {
  /** The host, lower-cased, without port or credentials: `github.com` or an Enterprise host. */
  host: string;
  owner: string;
  repo: string;
}

/** What "start a Jules session on this repo" needs: the repository and the branch checked out. */
export interface RepoContext extends RemoteRepo {
  /** null when HEAD is detached (no branch to start from). */
  branch: string | null;
}

const OWNER = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

function ownerRepo(host: string, path: string): RemoteRepo | null {
  const parts = path.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/i, '').split('/');
  // GitHub Enterprise may sit under a path prefix (https://host/git/owner/repo): owner/repo are the last two.
  if (parts.length < 2) return null;
  const owner = parts[parts.length - 2];
  const repo = parts[parts.length - 1];
  if (!OWNER.test(owner) || !REPO.test(repo) || repo === '.' || repo === '..') return null;
  return { host: host.toLowerCase(), owner, repo };
}

/**
 * Parses `git config remote.origin.url` into host, owner and repo. Accepts the https form (with or without
 * credentials, `.git`, a port or a trailing slash), `ssh://[user@]host[:port]/owner/repo(.git)`, `git://` and the
 * scp-like `user@host:owner/repo(.git)` form, on github.com or any Enterprise host. Credentials in the URL are
 * dropped, never returned. Anything else (a local path, a file:// URL, a malformed owner) is null.
 */
export function parseGitRemote(raw: string): RemoteRepo | null {
  const url = raw.trim();
  if (!url) return null;
  // scp-like syntax: [user@]host:path, where the path does not start with a slash and there is no scheme.
  const scp = /^(?:[^@/\s]+@)?([A-Za-z0-9.-]+):(?!\/\/)([^\s]+)$/.exec(url);
  if (scp && !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) return ownerRepo(scp[1], scp[2]);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (!['https:', 'http:', 'ssh:', 'git:', 'git+ssh:', 'ssh+git:'].includes(u.protocol) || !u.hostname) return null;
  return ownerRepo(u.hostname, decodeURIComponent(u.pathname));
}

/** `source` for POST /api/sessions: `owner/repo` (Jules's sources are GitHub repositories). */
export const sourceOf = (r: RemoteRepo) => `${r.owner}/${r.repo}`;

function git(cwd: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 10_000, windowsHide: true }, (err, stdout) => resolve(err ? null : stdout.trim()));
  });
}

/**
 * Reads the repository of a working folder: its `origin` remote (parsed with parseGitRemote) and current branch.
 * Throws an Error saying what is missing (not a git repository, no origin, an origin that is not a GitHub repo).
 */
export async function detectRepo(cwd: string): Promise<RepoContext> {
  const url = await git(cwd, ['config', '--get', 'remote.origin.url']);
  if (url === null) throw new Error('This folder has no git remote "origin" (git config remote.origin.url is empty).');
  const remote = parseGitRemote(url);
  if (!remote) throw new Error('The git remote "origin" is not a GitHub repository URL (https or ssh, owner/repo).');
  const branch = await git(cwd, ['rev-parse', '--abbrev-ref', 'HEAD']);
  return { ...remote, branch: branch && branch !== 'HEAD' ? branch : null };
}
