export { createGitHubClient, GITHUB_API_URL, type GitHubClient, type GitHubClientOptions, type GitHubClientStatus, type GitHubRequestExtras } from './client';
export { GitHubAuthError, GitHubError, GitHubNotFound, GitHubRateLimited, GitHubRequestFailed, GitHubUnavailable } from './errors';
export type { GitHubRateStatus } from './rate-gate';
export { createInstallationAuth, InvalidAppPrivateKey, parseAppPrivateKey, signAppJwt, type InstallationAuth, type InstallationAuthOptions, type TokenSource } from './app-auth';
