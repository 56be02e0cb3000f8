/**
 * Typed failures of the GitHub API, so callers decide by type (re-authenticate, skip, wait, retry later). Messages
 * name the operation and the status, never the token and never GitHub's body (it may echo what we sent).
 */
export class GitHubError extends Error {
  constructor(
    message: string,
    /** `GET /repos/{owner}/{repo}/pulls/{pull_number}`: the route, without values. */
    readonly op: string,
    /** HTTP status when one was received. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** 401 (bad or expired token) or 403 that is not a rate limit (the token lacks a permission). */
export class GitHubAuthError extends GitHubError {}

/** 404: the resource does not exist, or the token may not see it (GitHub answers 404 for both). */
export class GitHubNotFound extends GitHubError {}

/** The rate limit is spent and the wait until `resetAt` (epoch ms) is longer than the caller accepts. */
export class GitHubRateLimited extends GitHubError {
  constructor(
    message: string,
    op: string,
    readonly resetAt: number,
    status?: number,
  ) {
    super(message, op, status);
  }
}

/** 5xx, a timeout, or no connection (refused by the outbound guard, DNS, connection refused). */
export class GitHubUnavailable extends GitHubError {}

/** Any other 4xx GitHub answered (422 validation, 405 not mergeable, 409 conflict). */
export class GitHubRequestFailed extends GitHubError {}
