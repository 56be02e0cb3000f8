import { Octokit } from '@octokit/rest';
import type { Clock } from '../../platform/clock';
import { systemClock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import { EtagCache } from './etag-cache';
import { GitHubAuthError, GitHubError, GitHubNotFound, GitHubRateLimited, GitHubRequestFailed, GitHubUnavailable } from './errors';
import { createRateGate, type GitHubRateStatus } from './rate-gate';
import type { TokenSource } from './app-auth';

export const GITHUB_API_URL = 'https://api.github.com';

export interface GitHubClientOptions {
  /** https://api.github.com, a GitHub Enterprise `/api/v3` URL, or the simulator. */
  baseUrl?: string;
  /** A token, or a source of tokens that change (a GitHub App installation's, app-auth.ts). */
  token: string | TokenSource;
  /** The way out: `outbound.fetch` for a user-supplied URL, `outbound.trusted.fetch` for the operator's. */
  fetch: typeof globalThis.fetch;
  clock?: Clock;
  log: Logger;
  /** How long a request may wait for the rate-limit reset before GitHubRateLimited (default: an hour, GitHub's window). */
  maxWaitMs?: number;
  /** URLs whose last answer is kept for conditional requests (default 5,000). */
  etagCapacity?: number;
}

/** Per-request extras, passed as Octokit's `request: { maxWaitMs }`. */
export interface GitHubRequestExtras {
  maxWaitMs?: number;
}

export interface GitHubClientStatus extends GitHubRateStatus {
  /** URLs with a cached answer, and answers served from a 304. */
  etagEntries: number;
  notModified: number;
}

type OctokitResponse = Awaited<ReturnType<Octokit['request']>>;

/** Octokit's RequestError (HttpError) by shape: @octokit/request-error is not a direct dependency. */
interface RequestError extends Error {
  status: number;
  response?: { headers: Record<string, string | number | undefined>; data?: unknown };
}
const isRequestError = (err: unknown): err is RequestError =>
  err instanceof Error && err.name === 'HttpError' && typeof (err as { status?: unknown }).status === 'number';

const isRateLimit = (err: RequestError) => {
  if (err.status !== 403 && err.status !== 429) return false;
  const headers = err.response?.headers ?? {};
  if (err.status === 429 || headers['x-ratelimit-remaining'] === '0' || headers['retry-after'] !== undefined) return true;
  const message = (err.response?.data as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && /rate limit/i.test(message);
};

/** GitHub's answer as one of our typed errors; the body is not copied (it may echo what we sent). */
function typed(err: unknown, op: string): unknown {
  if (err instanceof GitHubError) return err;
  if (!isRequestError(err)) return new GitHubUnavailable(`GitHub could not be reached (${op})`, op, undefined, { cause: err });
  const s = err.status;
  // Octokit reports a failed fetch (no answer at all) as a RequestError 500 without a response.
  if (!err.response) return new GitHubUnavailable(`GitHub could not be reached (${op})`, op, undefined, { cause: err });
  if (s === 401 || s === 403) return new GitHubAuthError(`GitHub refused the token (HTTP ${s}, ${op})`, op, s);
  if (s === 404) return new GitHubNotFound(`GitHub has no such resource, or the token may not see it (HTTP 404, ${op})`, op, s);
  if (s >= 500) return new GitHubUnavailable(`GitHub is unavailable (HTTP ${s}, ${op})`, op, s);
  return new GitHubRequestFailed(`GitHub refused the request (HTTP ${s}, ${op})`, op, s);
}

/**
 * An Octokit for one token, with two behaviours every caller gets through one request hook:
 * - conditional GETs: each GET carries the ETag last seen for its URL; a 304 (free of rate limit) answers the
 *   cached data, so polling an unchanged pull request costs nothing;
 * - the rate limit honoured: the budget is read from every answer, and once spent, requests wait for the reset.
 * Errors come out typed (errors.ts).
 */
export function createGitHubClient(opts: GitHubClientOptions) {
  const clock = opts.clock ?? systemClock;
  const defaultMaxWaitMs = opts.maxWaitMs ?? 3_600_000;
  const cache = new EtagCache<OctokitResponse>(opts.etagCapacity);
  const gate = createRateGate(clock);
  let notModified = 0;
  const log = opts.log;

  const octokit = new Octokit({
    baseUrl: (opts.baseUrl ?? GITHUB_API_URL).replace(/\/+$/, ''),
    // A changing token is set by the request hook below (Octokit without `auth` adds no authorization of its own).
    ...(typeof opts.token === 'string' ? { auth: opts.token } : {}),
    userAgent: 'jules-autopilot',
    request: { fetch: opts.fetch },
    // Octokit's own messages (deprecations) at debug: they carry no token, and nothing here needs a warning level.
    log: { debug: (m: string) => log.debug(m), info: (m: string) => log.debug(m), warn: (m: string) => log.warn(m), error: (m: string) => log.warn(m) },
  });

  octokit.hook.wrap('request', async (request, options) => {
    const op = `${options.method} ${options.url}`;
    const extras = (options.request ?? {}) as GitHubRequestExtras & { signal?: AbortSignal };
    const maxWaitMs = extras.maxWaitMs ?? defaultMaxWaitMs;
    const parsed = octokit.request.endpoint.parse(options);
    const key = parsed.method === 'GET' ? `${parsed.url}\n${parsed.headers.accept ?? ''}` : null;
    const source = typeof opts.token === 'string' ? null : opts.token;
    let reauthorized = false;
    // One retry after a rate-limit answer (once the reset has passed); a second one is the caller's to handle.
    for (let attempt = 0; ; attempt++) {
      await gate.before(op, maxWaitMs, extras.signal);
      const token = source ? await source.token() : null;
      if (token !== null) options.headers.authorization = `token ${token}`;
      const cached = key ? cache.get(key) : undefined;
      // Set on the options object itself: before-after-hook binds the inner hooks (auth) to this same object, so
      // options passed to request() would be ignored.
      if (cached) options.headers['if-none-match'] = cached.etag;
      else delete options.headers['if-none-match'];
      try {
        const res = (await request(options)) as OctokitResponse;
        gate.observe(res.headers as Record<string, string>);
        const etag = res.headers.etag;
        // JSON only: tarballs and job logs are fetched once and would make the 5,000 entries unbounded in bytes.
        const json = typeof res.data === 'object' && res.data !== null && !(res.data instanceof ArrayBuffer);
        if (key && typeof etag === 'string' && json) cache.set(key, etag, res);
        return res;
      } catch (err) {
        if (extras.signal?.aborted) throw err;
        if (isRequestError(err)) {
          gate.observe(err.response?.headers);
          if (err.status === 304 && cached) {
            notModified++;
            cache.hits++;
            return { ...cached.value, headers: { ...cached.value.headers, ...err.response?.headers } };
          }
          if (isRateLimit(err)) {
            gate.exhausted(err.response?.headers);
            if (attempt === 0) continue;
            const reset = gate.status().resetAt;
            throw new GitHubRateLimited(`GitHub rate limit exceeded (${op})`, op, reset ? Date.parse(reset) : clock.now(), err.status);
          }
          // A renewed token refused (revoked, or expired early): drop it and send once more with a new one.
          if (err.status === 401 && source && token !== null && !reauthorized) {
            source.invalidate(token);
            reauthorized = true;
            attempt--;
            continue;
          }
          if (err.status === 404 && key) cache.delete(key);
        }
        throw typed(err, op);
      }
    }
  });

  return {
    /** The Octokit (`octokit.rest.pulls.get(...)`, `octokit.request(...)`); pass `request: { maxWaitMs }` to bound a wait. */
    octokit,
    /** The login the token belongs to (`GET /user`), e.g. to check a token before it is stored. */
    async viewer(extras: GitHubRequestExtras = {}): Promise<{ login: string }> {
      const { data } = await octokit.rest.users.getAuthenticated({ request: extras });
      return { login: data.login };
    },
    /** The rate-limit budget and the conditional-request cache, for health. */
    status(): GitHubClientStatus {
      return { ...gate.status(), etagEntries: cache.size, notModified };
    },
  };
}
export type GitHubClient = ReturnType<typeof createGitHubClient>;
