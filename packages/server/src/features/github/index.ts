import type { Clock } from '../../platform/clock';
import type { SecretBox } from '../../platform/crypto';
import type { Db } from '../../platform/db';
import type { Feature } from '../../platform/feature';
import type { Logger } from '../../platform/logger';
import { createGitHubStore } from './github.store';
import { createGitHubService, type GitHubDeps, type GitHubService } from './github.service';
import { registerGitHubRoutes } from './github.routes';

export type { GitHubService } from './github.service';
export type { GitHubClient } from '../../integrations/github';

export interface GitHubFeatureDeps {
  db: Db;
  secrets: SecretBox;
  clock: Clock;
  log: Logger;
  outbound: GitHubDeps['outbound'];
  /** GITHUB_API_URL (config), demo mode's GitHub simulator, else https://api.github.com. */
  defaultApiUrl?: string;
  /** Demo mode: the default workspace is connected to the GitHub simulator with this token when it has no connection. */
  demo?: GitHubDeps['demo'];
  clientOptions?: GitHubDeps['clientOptions'];
}

/** The per-workspace GitHub connection (a token or a GitHub App installation, sealed) and a cached Octokit client per workspace. */
export function createGithubFeature(deps: GitHubFeatureDeps): Feature<GitHubService> {
  const service = createGitHubService({ ...deps, store: createGitHubStore(deps.db), log: deps.log.child({ feature: 'github' }) });
  return { service, routes: (app) => registerGitHubRoutes(app, { service }), loops: [] };
}

