import type { CiRun, PullRequest, RepoAutomation, SessionDetail } from '@autopilot/contracts';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import type { DispatcherService } from '../dispatch';
import type { GitHubService } from '../github';
import type { ExternalActions, ExternalKind, ExternalOutcome } from '../keeper';
import type { PullChange, PullsService } from '../pulls';
import type { SessionsFeatureService } from '../sessions';
import { diagnose, failingRuns } from './autofix.diagnose';
import { ciFixMessage, escalationBody, newSessionPrompt, reviewMessage, type Diagnosis } from './autofix.text';
import { triggers } from './autofix.triggers';

export interface AutofixServiceDeps {
  pulls: PullsService;
  github: Pick<GitHubService, 'clientFor'>;
  ledger: ExternalActions;
  sessions: Pick<SessionsFeatureService, 'get'>;
  dispatcher: Pick<DispatcherService, 'submit'>;
  clock: Clock;
  log: Logger;
}

/** What one pass decided for one concern (CI or review) of one PR. */
export type Step =
  | { action: 'none'; reason: string }
  | { action: ExternalKind; trigger: string; outcome: ExternalOutcome['outcome']; reason: string };

export interface Evaluation { pullId: string; ci: Step; review: Step[] }

/** A review found to route: from the change that reported it, or read from GitHub. */
export type ReviewSeen = NonNullable<PullChange['review']>;

/** What the dashboard shows of one PR's automation: attempts used against the caps, and the last action. */
export interface AutofixStatus {
  pullId: string;
  repo: string;
  number: number;
  optedOut: boolean;
  ciFix: { enabled: boolean; attempts: number; maxPerPr: number; repoToday: number; maxPerRepoPerDay: number; afterCap: RepoAutomation['ciFix']['afterCap']; redispatched: boolean; escalated: boolean };
  reviewFix: { enabled: boolean; attempts: number; maxPerPr: number; escalated: boolean };
  lastAction: { kind: string; trigger: string; status: string; reason: string; at: string } | null;
}

/** A failed ledger row this many times is not re-claimed (the ledger's own bound). */
const MAX_ATTEMPTS = 3;
const DAY_MS = 86_400_000;
const none = (reason: string): Step => ({ action: 'none', reason });

/** A session that can still be told something: not archived, not deleted, not FAILED. */
const takesMessages = (s: SessionDetail | null): boolean => !!s && !s.archived && !s.deleted && s.state !== 'FAILED';

/**
 * CI fixing and review routing for linked PRs. Every attempt is a row of the keeper's ledger, claimed before the
 * message is sent; every cap is counted from the ledger (never from memory), so a restart, a second instance or
 * a webhook seen twice can neither repeat an attempt nor refill a cap.
 */
export function createAutofixService(deps: AutofixServiceDeps) {
  const { pulls, ledger, clock } = deps;
  const log = deps.log;

  /** The ledger row of exactly this trigger (prefix listing, then exact match: `#1` is a prefix of `#12`). */
  async function row(ws: string, trigger: string, kind: ExternalKind) {
    return (await ledger.list(ws, { prefix: trigger, kinds: [kind] })).find((r) => r.trigger === trigger) ?? null;
  }
  /** Done = settled or in flight elsewhere; a failed row with attempts left is the ledger's to re-claim. */
  const done = (r: { status: string; attempts: number } | null) => !!r && !(r.status === 'failed' && Number(r.attempts) < MAX_ATTEMPTS);

  async function session(ws: string, id: string): Promise<SessionDetail | null> {
    try {
      return await deps.sessions.get(ws, id);
    } catch {
      return null;
    }
  }

  /** Start of the UTC day of the clock's now: the per-repository cap counts from there. */
  const dayStart = () => Math.floor(clock.now() / DAY_MS) * DAY_MS;

  async function repoToday(ws: string, repo: string) {
    const sinceMs = dayStart();
    const t = triggers(repo, 0);
    const [fixes, news] = await Promise.all([
      ledger.count(ws, { prefix: t.ciRepo, kinds: ['ci_fix'], sinceMs }),
      ledger.count(ws, { prefix: t.ciNewRepo, kinds: ['redispatch'], sinceMs }),
    ]);
    return fixes + news;
  }

  function skip(pull: PullRequest, what: string, reason: string): Step {
    log.debug({ repo: pull.repo, pr: pull.number, sessionId: pull.sessionId, what, reason }, 'autofix: not acting');
    return none(reason);
  }

  async function act(ws: string, pull: PullRequest, a: Parameters<ExternalActions['act']>[1], mayAct?: () => Promise<boolean>): Promise<Step> {
    const r = await ledger.act(ws, { ...a, ...(mayAct ? { mayAct } : {}) });
    log.debug({ repo: pull.repo, pr: pull.number, kind: a.kind, trigger: a.trigger, outcome: r.outcome, error: r.error }, 'autofix: ledger answered');
    return { action: a.kind, trigger: a.trigger, outcome: r.outcome, reason: a.reason };
  }

  /** Escalates once per PR, ever (trigger `<kind>-cap:<repo>#<n>`), with the diagnosis or the review. */
  async function escalate(ws: string, pull: PullRequest, what: 'ci' | 'review', why: string, body: () => Promise<string>, mayAct?: () => Promise<boolean>): Promise<Step> {
    const t = triggers(pull.repo, pull.number);
    const trigger = what === 'ci' ? t.ciCap : t.reviewCap;
    if (done(await row(ws, trigger, 'escalate'))) return skip(pull, what, `${why}; a person was told already`);
    return act(ws, pull, {
      sessionId: pull.sessionId!, kind: 'escalate', trigger, reason: why,
      notify: { kind: what === 'ci' ? 'ci_escalated' : 'review_escalated', title: `${what === 'ci' ? 'CI still fails' : 'Changes still requested'} on PR #${pull.number} (${pull.repo})`, body: await body() },
    }, mayAct);
  }

  /** Cap reached, or the session takes no more messages: afterCap (a new session once, then escalate). */
  async function afterCap(ws: string, pull: PullRequest, auto: RepoAutomation, s: SessionDetail | null, why: string, diag: () => Promise<Diagnosis>, attempts: number, dayFull: boolean, mayAct?: () => Promise<boolean>): Promise<Step> {
    const t = triggers(pull.repo, pull.number);
    if (auto.ciFix.afterCap === 'new_session') {
      const prev = await row(ws, t.ciNew, 'redispatch');
      const blocked =
        pull.linkedBy === 'dispatch' ? 'this PR is itself a re-dispatch of the GitHub loop (no chains of new sessions)'
          : dayFull ? `the repository's ${auto.ciFix.maxPerRepoPerDay} attempts of today are used (a new session counts as one)`
          : !s ? 'the session is not known any more (its account is needed)' : null;
      if (!done(prev) && !blocked) {
        const d = await diag();
        return act(ws, pull, {
          sessionId: pull.sessionId!, kind: 'redispatch', trigger: t.ciNew, reason: `${why}: a new session is asked to fix CI on PR #${pull.number}`,
          effect: async (actionId) => {
            const intent = await deps.dispatcher.submit(ws, {
              accountId: s!.accountId,
              origin: { kind: 'github', id: actionId },
              idempotencyKey: `github:${t.ciNew}`,
              priority: 5,
              request: { prompt: newSessionPrompt(d, attempts), title: `Fix CI on PR #${pull.number}`, source: `sources/github/${pull.repo}`, startingBranch: pull.headRef, autoCreatePr: true },
            });
            return `Dispatched a new session (intent ${intent.id}) for head ${pull.headSha}`;
          },
        }, mayAct);
      }
      // The new session works on the failure it was made for; escalate once this PR fails again on another commit.
      if (done(prev) && prev!.status !== 'failed' && prev!.message?.endsWith(`for head ${pull.headSha}`)) return skip(pull, 'ci', `${why}; a new session was dispatched for this commit`);
      if (blocked && !done(prev)) why = `${why}; no new session: ${blocked}`;
    }
    return escalate(ws, pull, 'ci', why, async () => escalationBody(await diag(), why), mayAct);
  }

  async function ciPass(ws: string, pull: PullRequest, auto: RepoAutomation, runs: CiRun[] | undefined, mayAct?: () => Promise<boolean>): Promise<Step> {
    if (!auto.ciFix.enabled) return skip(pull, 'ci', 'CI fixing is off for this repository');
    if (pull.checks !== 'failure') return skip(pull, 'ci', `the head's checks are ${pull.checks}`);
    const t = triggers(pull.repo, pull.number, pull.headSha);
    const prev = await row(ws, t.ci, 'ci_fix');
    if (done(prev)) return skip(pull, 'ci', `this commit was handled already (${prev!.status})`);
    const failed = failingRuns(runs ?? (await pulls.runsOf(ws, pull.repo, pull.headSha)), pull.headSha);
    if (!failed.length) return skip(pull, 'ci', 'no failing check run of the head is mirrored yet');
    let cached: Diagnosis | undefined;
    const diag = async () => (cached ??= await diagnose(await deps.github.clientFor(ws), pull, failed, log));
    const s = await session(ws, pull.sessionId!);
    const [attempts, today] = await Promise.all([ledger.count(ws, { prefix: t.ciPr, kinds: ['ci_fix'] }), repoToday(ws, pull.repo)]);
    const dayFull = today >= auto.ciFix.maxPerRepoPerDay;
    // A failed row of this very commit is already counted: retrying it is the same attempt.
    const why = !takesMessages(s) ? `the session no longer takes messages (${!s ? 'not found' : s.deleted ? 'deleted' : s.archived ? 'archived' : s.state})`
      : prev ? null
      : attempts >= auto.ciFix.maxPerPr ? `CI fixing used its ${auto.ciFix.maxPerPr} attempts on PR #${pull.number}`
      : dayFull ? `CI fixing used the repository's ${auto.ciFix.maxPerRepoPerDay} attempts of today (UTC)`
      : null;
    if (why) return afterCap(ws, pull, auto, s, why, diag, attempts, dayFull, mayAct);
    const d = await diag();
    return act(ws, pull, {
      sessionId: pull.sessionId!, kind: 'ci_fix', trigger: t.ci, message: ciFixMessage(d),
      reason: `checks failed on ${pull.headSha.slice(0, 7)} (${d.failed.map((f) => f.name).join(', ')}): attempt ${attempts + (prev ? 0 : 1)} of ${auto.ciFix.maxPerPr}`,
    }, mayAct);
  }

  /** CHANGES_REQUESTED reviews to route: the one the change reported, or the latest per reviewer read from GitHub. */
  async function reviewsToRoute(ws: string, pull: PullRequest, seen: ReviewSeen | undefined): Promise<ReviewSeen[]> {
    // The review just submitted; another kind of review (an approval) leaves the others to the decision below.
    if (seen?.state.toUpperCase() === 'CHANGES_REQUESTED') return [seen];
    if (pull.reviewDecision !== 'changes_requested') return [];
    const client = await deps.github.clientFor(ws);
    if (!client) return [];
    const [owner, repo] = pull.repo.split('/') as [string, string];
    const { data } = await client.octokit.rest.pulls.listReviews({ owner, repo, pull_number: pull.number, per_page: 100 });
    const latest = new Map<string, (typeof data)[number]>();
    for (const r of data) if (r.state !== 'COMMENTED' && r.state !== 'PENDING') latest.set(r.user?.login ?? `#${r.id}`, r);
    return [...latest.values()]
      .filter((r) => r.state === 'CHANGES_REQUESTED')
      .map((r) => ({ id: r.id, state: r.state, author: r.user?.login ?? null, body: r.body ?? '', submittedAt: r.submitted_at ?? null }));
  }

  async function reviewPass(ws: string, pull: PullRequest, auto: RepoAutomation, seen: ReviewSeen | undefined, mayAct?: () => Promise<boolean>): Promise<Step[]> {
    if (!auto.reviewFix.enabled) return [skip(pull, 'review', 'review routing is off for this repository')];
    const reviews = await reviewsToRoute(ws, pull, seen);
    if (!reviews.length) return [skip(pull, 'review', `no review requesting changes (decision ${pull.reviewDecision})`)];
    const out: Step[] = [];
    for (const r of reviews) {
      const t = triggers(pull.repo, pull.number, undefined, r.id);
      const prev = await row(ws, t.review, 'review_fix');
      if (done(prev)) {
        out.push(skip(pull, 'review', `review ${r.id} was routed already (${prev!.status})`));
        continue;
      }
      const s = await session(ws, pull.sessionId!);
      const attempts = await ledger.count(ws, { prefix: t.reviewPr, kinds: ['review_fix'] });
      const why = !takesMessages(s) ? 'the session no longer takes messages' : !prev && attempts >= auto.ciFix.maxPerPr ? `review routing used its ${auto.ciFix.maxPerPr} attempts on PR #${pull.number}` : null;
      if (why) {
        out.push(await escalate(ws, pull, 'review', why, async () => `${why}.\nReview ${r.id}${r.author ? ` by ${r.author.slice(0, 100)}` : ''} requests changes (quoted on the PR).`, mayAct));
        continue;
      }
      const comments = await reviewComments(ws, pull, r.id);
      out.push(await act(ws, pull, {
        sessionId: pull.sessionId!, kind: 'review_fix', trigger: t.review, message: reviewMessage({ number: pull.number, reviewId: r.id, author: r.author, body: r.body, comments }),
        reason: `review ${r.id} requests changes: attempt ${attempts + (prev ? 0 : 1)} of ${auto.ciFix.maxPerPr}`,
      }, mayAct));
    }
    return out;
  }

  async function reviewComments(ws: string, pull: PullRequest, reviewId: number) {
    const client = await deps.github.clientFor(ws);
    if (!client) return [];
    const [owner, repo] = pull.repo.split('/') as [string, string];
    try {
      const { data } = await client.octokit.rest.pulls.listReviewComments({ owner, repo, pull_number: pull.number, per_page: 100 });
      return data.filter((c) => c.pull_request_review_id === reviewId).map((c) => ({ path: c.path, line: c.line ?? c.original_line ?? null, body: c.body }));
    } catch (err) {
      log.debug({ repo: pull.repo, pr: pull.number, err: (err as Error).message }, 'autofix: review comments not read');
      return [];
    }
  }

  /** One pass over one PR: CI then reviews. `runs` when the caller has them (a detail read), `review` from a change. */
  async function evaluatePull(ws: string, pull: PullRequest, o: { runs?: CiRun[]; review?: ReviewSeen; mayAct?: () => Promise<boolean> } = {}): Promise<Evaluation> {
    const base = { pullId: pull.id };
    if (pull.state !== 'open') return { ...base, ci: skip(pull, 'all', `the PR is ${pull.state}`), review: [] };
    if (!pull.sessionId) return { ...base, ci: skip(pull, 'all', 'the PR is not linked to a session'), review: [] };
    const auto = await pulls.automation(ws, pull.repo);
    if (pull.labels.includes(auto.optOutLabel)) return { ...base, ci: skip(pull, 'all', `the PR carries the opt-out label ${auto.optOutLabel}`), review: [] };
    const ci = await ciPass(ws, pull, auto, o.runs, o.mayAct);
    const review = await reviewPass(ws, pull, auto, o.review, o.mayAct);
    return { ...base, ci, review };
  }

  return {
    evaluatePull,
    /** Looks at one PR now (reads it from the mirror first). */
    async evaluate(ws: string, pullId: string, o: { review?: ReviewSeen; mayAct?: () => Promise<boolean> } = {}): Promise<Evaluation> {
      const detail = await pulls.get(ws, pullId);
      return evaluatePull(ws, detail, { runs: detail.runs, ...o });
    },

    /** Attempts used against the caps, the escalations, and the last action on this PR (for the dashboard). */
    async status(ws: string, pullId: string): Promise<AutofixStatus> {
      const pull = await pulls.get(ws, pullId);
      const auto = await pulls.automation(ws, pull.repo);
      const t = triggers(pull.repo, pull.number);
      const [ci, reviews, today, ciNew, ciCap, reviewCap, rows] = await Promise.all([
        ledger.count(ws, { prefix: t.ciPr, kinds: ['ci_fix'] }),
        ledger.count(ws, { prefix: t.reviewPr, kinds: ['review_fix'] }),
        repoToday(ws, pull.repo),
        row(ws, t.ciNew, 'redispatch'),
        row(ws, t.ciCap, 'escalate'),
        row(ws, t.reviewCap, 'escalate'),
        Promise.all([ledger.list(ws, { prefix: t.ciPr, kinds: ['ci_fix'] }), ledger.list(ws, { prefix: t.reviewPr, kinds: ['review_fix'] })]),
      ]);
      const last = [...rows.flat(), ...[ciNew, ciCap, reviewCap].filter((r) => r !== null)].sort((a, b) => Number(b.created_at) - Number(a.created_at))[0];
      return {
        pullId: pull.id, repo: pull.repo, number: pull.number, optedOut: pull.labels.includes(auto.optOutLabel),
        ciFix: { enabled: auto.ciFix.enabled, attempts: ci, maxPerPr: auto.ciFix.maxPerPr, repoToday: today, maxPerRepoPerDay: auto.ciFix.maxPerRepoPerDay, afterCap: auto.ciFix.afterCap, redispatched: !!ciNew && ciNew.status === 'sent', escalated: !!ciCap },
        reviewFix: { enabled: auto.reviewFix.enabled, attempts: reviews, maxPerPr: auto.ciFix.maxPerPr, escalated: !!reviewCap },
        lastAction: last ? { kind: last.kind, trigger: last.trigger, status: last.status, reason: last.reason, at: new Date(Number(last.created_at)).toISOString() } : null,
      };
    },
  };
}
export type AutofixCore = ReturnType<typeof createAutofixService>;
