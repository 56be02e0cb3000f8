import type { ArchiveFinishedBody, ArchiveFinishedResult, PullRequest, RepoAutomation, SessionDetail } from '@autopilot/contracts';
import { AppError } from '../../platform/errors';
import { GitHubRequestFailed, type GitHubClient } from '../../integrations/github';
import type { MergesFeatureDeps } from './merges.types';
import { conflictEscalation, rebaseAsk, redispatchPrompt, REDISPATCH_MARK, SUPERSEDED_MARK, supersededComment } from './merges.text';

/** What one evaluation of a PR did (or why it did nothing): the sweep logs it, tests read it. */
export interface MergeStep {
  action: 'none' | 'merge' | 'auto_merge' | 'rebase' | 'redispatch' | 'escalate' | 'archive';
  /** The ledger's outcome for the action taken (sent, failed, recorded, exists, skipped). */
  outcome?: string;
  reason: string;
}

/** Default wait, with the rebase asks used up and no new push, before a conflicting PR is re-dispatched (and again before escalating). */
export const DEFAULT_CONFLICT_GRACE_MS = 30 * 60_000;
/** The sweep's catch-up on archiving looks at PRs finished this recently (older ones: the bulk route). */
const ARCHIVE_SWEEP_WINDOW_MS = 3 * 24 * 3_600_000;

const key = (pr: Pick<PullRequest, 'repo' | 'number'>) => `${pr.repo}#${pr.number}`;
const split = (repo: string) => {
  const [owner, name] = repo.split('/');
  return { owner, repo: name };
};
const shaOf = (trigger: string) => trigger.slice(trigger.lastIndexOf('@') + 1);

/** GraphQL errors (HTTP 200 with `errors`) as Octokit's graphql throws them. */
function graphqlMessages(err: unknown): string[] | null {
  const errors = (err as { errors?: Array<{ message?: unknown }> } | null)?.errors;
  return Array.isArray(errors) ? errors.map((e) => String(e.message ?? '')).filter(Boolean) : null;
}

/** Why GitHub refused a merge, in plain words (its body is not kept by the client: it may echo what we sent). */
function mergeRefusal(err: unknown, pr: PullRequest): Error {
  if (err instanceof GitHubRequestFailed && err.status === 405) {
    return new Error(`GitHub refused to merge PR #${pr.number} (405: not mergeable: branch protection not met, a conflict, a draft, or the merge method is off on the repository)`);
  }
  if (err instanceof GitHubRequestFailed && err.status === 409) {
    return new Error(`GitHub refused to merge PR #${pr.number} (409: its head moved since it was checked; the new head is merged once it is green)`);
  }
  return err instanceof Error ? err : new Error(String(err));
}

export function createMergesService(deps: MergesFeatureDeps & { conflictGraceMs?: number }) {
  const { pulls, ledger, clock, log } = deps;
  const graceMs = deps.conflictGraceMs ?? DEFAULT_CONFLICT_GRACE_MS;

  async function client(ws: string): Promise<GitHubClient> {
    const c = await deps.github.clientFor(ws);
    if (!c) throw new AppError('bad_request', 'This workspace has no GitHub connection: connect one under Settings > GitHub', { field: 'github' });
    return c;
  }

  async function session(ws: string, id: string): Promise<SessionDetail | null> {
    try {
      return await deps.sessions.get(ws, id);
    } catch {
      return null;
    }
  }

  /** Whether the repository lets PRs auto-merge (`allow_auto_merge`: GitHub shows it to tokens that may push). */
  async function allowsAutoMerge(ws: string, repo: string): Promise<boolean> {
    const { data } = await (await client(ws)).octokit.rest.repos.get(split(repo));
    return (data as { allow_auto_merge?: boolean }).allow_auto_merge === true;
  }

  /** PUT /pulls/{n}/merge at the head we checked; "already merged" is success (a retried effect). */
  async function mergeNow(ws: string, pr: PullRequest, method: RepoAutomation['merge']['method']): Promise<string> {
    const gh = await client(ws);
    const current = (await gh.octokit.rest.pulls.get({ ...split(pr.repo), pull_number: pr.number })).data;
    if (current.merged) return `already merged (${current.merge_commit_sha ?? 'merge commit unknown'})`;
    try {
      const { data } = await gh.octokit.rest.pulls.merge({ ...split(pr.repo), pull_number: pr.number, sha: pr.headSha, merge_method: method });
      return `merged at ${pr.headSha.slice(0, 12)} by ${method} (${data.sha})`;
    } catch (err) {
      throw mergeRefusal(err, pr);
    }
  }

  /** Turns GitHub's auto-merge on (GraphQL); a PR that could merge now is merged through the API instead, as GitHub asks. */
  async function enableAutoMerge(ws: string, pr: PullRequest, method: RepoAutomation['merge']['method']): Promise<string> {
    const gh = await client(ws);
    const current = (await gh.octokit.rest.pulls.get({ ...split(pr.repo), pull_number: pr.number })).data;
    if (current.merged) return 'already merged';
    if (current.auto_merge && current.auto_merge.merge_method === method) return `auto-merge already on (${method})`;
    if (current.mergeable_state === 'clean') return mergeNow(ws, pr, method);
    try {
      await gh.octokit.graphql(
        'mutation($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod) { enablePullRequestAutoMerge(input: { pullRequestId: $pullRequestId, mergeMethod: $mergeMethod }) { pullRequest { id autoMergeRequest { mergeMethod } } } }',
        { pullRequestId: current.node_id, mergeMethod: method.toUpperCase() },
      );
      return `auto-merge on (${method}) at ${pr.headSha.slice(0, 12)}`;
    } catch (err) {
      const messages = graphqlMessages(err);
      // It turned clean between the read and the mutation: merge it ourselves.
      if (messages?.some((m) => /clean status/i.test(m))) return mergeNow(ws, pr, method);
      if (messages) throw new Error(`GitHub refused auto-merge for PR #${pr.number}: ${messages.join('; ').slice(0, 300)}`);
      throw err;
    }
  }

  /**
   * A review requesting changes after we turned auto-merge on: GitHub would still merge it when the repository does
   * not require reviews, so turn it off again (only ours: a person's auto-merge is theirs). Idempotent, no ledger
   * row (nothing is done to the session); the next green head enables it again under a new trigger.
   */
  async function disableAutoMergeIfOurs(ws: string, pr: PullRequest): Promise<boolean> {
    const ours = (await ledger.list(ws, { prefix: `merge:${key(pr)}@`, kinds: ['merge'] })).some((r) => r.status === 'sent' && (r.message ?? '').startsWith('auto-merge on'));
    if (!ours) return false;
    const gh = await client(ws);
    const current = (await gh.octokit.rest.pulls.get({ ...split(pr.repo), pull_number: pr.number })).data;
    if (!current.auto_merge || current.state !== 'open') return false;
    await gh.octokit.graphql('mutation($pullRequestId: ID!) { disablePullRequestAutoMerge(input: { pullRequestId: $pullRequestId }) { pullRequest { id } } }', { pullRequestId: current.node_id });
    log.info({ pr: key(pr), workspaceId: ws }, 'merges: auto-merge turned off (a review requests changes)');
    return true;
  }

  async function tryMerge(ws: string, pr: PullRequest, a: RepoAutomation, mayAct?: () => Promise<boolean>): Promise<MergeStep> {
    if (pr.draft) return { action: 'none', reason: 'draft' };
    if (pr.reviewDecision === 'changes_requested') {
      const off = await disableAutoMergeIfOurs(ws, pr);
      return { action: 'none', reason: off ? 'a review requests changes: auto-merge turned off again' : 'a review requests changes' };
    }
    if (pr.checks === 'failure') return { action: 'none', reason: 'checks are failing' };
    if (pr.checks === 'none') return { action: 'none', reason: 'no checks reported yet' };
    const auto = a.merge.useAutoMerge && (await allowsAutoMerge(ws, pr.repo));
    const clean = pr.checks === 'success' && pr.mergeableState === 'clean';
    if (!auto && !clean) return { action: 'none', reason: `waiting for green checks and branch protection (checks ${pr.checks}, ${pr.mergeableState ?? 'mergeability unknown'})` };
    if (auto && pr.mergeable === null) return { action: 'none', reason: 'GitHub is still computing mergeability' };
    const trigger = `merge:${key(pr)}@${pr.headSha}`;
    const res = await ledger.act(ws, {
      sessionId: pr.sessionId!, kind: 'merge', trigger, mayAct,
      reason: auto && !clean ? `auto-merge (${a.merge.method}) for ${key(pr)} at ${pr.headSha.slice(0, 12)}` : `checks green and protection met on ${key(pr)} at ${pr.headSha.slice(0, 12)}: merge (${a.merge.method})`,
      effect: () => (auto && !clean ? enableAutoMerge(ws, pr, a.merge.method) : mergeNow(ws, pr, a.merge.method)),
    });
    if (res.outcome === 'sent' || res.outcome === 'failed') await refresh(ws, pr);
    return { action: auto && !clean ? 'auto_merge' : 'merge', outcome: res.outcome, reason: res.error ?? trigger };
  }

  async function refresh(ws: string, pr: PullRequest): Promise<void> {
    try {
      await pulls.refresh(ws, pr.repo, pr.number);
    } catch (err) {
      log.warn({ err: (err as Error).message, pr: key(pr) }, 'could not refresh the PR after acting on it; the poller will');
    }
  }

  async function conflict(ws: string, pr: PullRequest, a: RepoAutomation, mayAct?: () => Promise<boolean>): Promise<MergeStep> {
    const now = clock.now();
    const s = await session(ws, pr.sessionId!);
    const fromRedispatch = !!s?.prompt.startsWith(REDISPATCH_MARK);
    const asks = await ledger.list(ws, { prefix: `conflict:${key(pr)}@`, kinds: ['rebase'] });
    const thisHead = asks.find((r) => shaOf(r.trigger) === pr.headSha);
    if (!thisHead && asks.length < a.merge.maxRebaseAsks) {
      const res = await ledger.act(ws, {
        sessionId: pr.sessionId!, kind: 'rebase', trigger: `conflict:${key(pr)}@${pr.headSha}`, mayAct,
        reason: `${key(pr)} conflicts with ${pr.baseRef} at ${pr.headSha.slice(0, 12)} (ask ${asks.length + 1} of ${a.merge.maxRebaseAsks})`,
        message: rebaseAsk(pr),
      });
      return { action: 'rebase', outcome: res.outcome, reason: res.error ?? 'asked to rebase' };
    }
    // The asks are used up (or the latest is still answered by no push): wait the grace period since the last ask
    // on this head, or since the PR last changed when it was pushed after the last ask.
    const lastAsk = asks[0];
    const since = lastAsk && shaOf(lastAsk.trigger) === pr.headSha ? Number(lastAsk.created_at) : Date.parse(pr.updatedAt);
    if (asks.length < a.merge.maxRebaseAsks || now - since < graceMs) return { action: 'none', reason: 'conflicting: waiting for the session to rebase' };
    // Exact trigger: a prefix `...#1` would also match `...#12`.
    const redispatch = (await ledger.list(ws, { prefix: `conflict-new:${key(pr)}`, kinds: ['redispatch'] })).find((r) => r.trigger === `conflict-new:${key(pr)}`);
    // A re-dispatch that failed for good (the ledger's attempts are spent) escalates too, without waiting.
    const spent = redispatch?.status === 'failed' && Number(redispatch.attempts) >= 3;
    if (fromRedispatch || redispatch?.status === 'sent' || spent) {
      if (!fromRedispatch && !spent && now - Number(redispatch!.created_at) < graceMs) return { action: 'none', reason: 're-dispatched: waiting for the new session' };
      const res = await ledger.act(ws, {
        sessionId: pr.sessionId!, kind: 'escalate', trigger: `conflict-cap:${key(pr)}`,
        reason: fromRedispatch ? `${key(pr)} conflicts again and its session is already a re-dispatch` : `${key(pr)} still conflicts after it was re-dispatched`,
        notify: { kind: 'conflict_escalated', ...conflictEscalation(pr, !fromRedispatch) },
      });
      return { action: 'escalate', outcome: res.outcome, reason: res.error ?? 'escalated' };
    }
    if (!s) return { action: 'none', reason: 'the session is not in the mirror: cannot quote its task' };
    const res = await ledger.act(ws, {
      sessionId: pr.sessionId!, kind: 'redispatch', trigger: `conflict-new:${key(pr)}`, mayAct,
      reason: `${key(pr)} still conflicts ${Math.round((now - since) / 60_000)} min after the last rebase ask: redo it on the current ${pr.baseRef}`,
      effect: async () => {
        const intent = await deps.dispatcher.submit(ws, {
          origin: { kind: 'github', id: `conflict-new:${key(pr)}` },
          idempotencyKey: `github:conflict-new:${key(pr)}`,
          priority: 5,
          request: { prompt: redispatchPrompt(pr, s.prompt), title: `Redo PR #${pr.number} on ${pr.baseRef}`.slice(0, 200), source: s.source ?? null, startingBranch: pr.baseRef, autoCreatePr: true },
        });
        await commentOnce(ws, pr, supersededComment(intent.id));
        return `dispatch intent ${intent.id}`;
      },
    });
    return { action: 'redispatch', outcome: res.outcome, reason: res.error ?? 're-dispatched' };
  }

  /** Comments once: a retried effect finds its own comment by the marker. */
  async function commentOnce(ws: string, pr: PullRequest, body: string): Promise<void> {
    const gh = await client(ws);
    const existing = await gh.octokit.paginate(gh.octokit.rest.issues.listComments, { ...split(pr.repo), issue_number: pr.number, per_page: 100 });
    if (existing.some((c) => (c.body ?? '').includes(SUPERSEDED_MARK))) return;
    await gh.octokit.rest.issues.createComment({ ...split(pr.repo), issue_number: pr.number, body });
  }

  /** Archives a finished PR's session on Jules (once; already archived = success). */
  async function archive(ws: string, pr: PullRequest, reason: string, mayAct?: () => Promise<boolean>): Promise<MergeStep & { error?: string }> {
    const s = await session(ws, pr.sessionId!);
    if (!s) return { action: 'none', reason: 'the session is not in the mirror' };
    if (s.archived || s.deleted) return { action: 'none', reason: s.deleted ? 'the session is deleted' : 'already archived' };
    const others = (await pulls.forSession(ws, s.id)).filter((p) => p.state === 'open' && p.id !== pr.id);
    if (others.length) return { action: 'none', reason: `the session still has an open PR (#${others[0].number})` };
    const res = await ledger.act(ws, {
      sessionId: s.id, kind: 'archive', trigger: `archive:${key(pr)}`, mayAct, reason,
      effect: async () => {
        const now = await session(ws, s.id);
        if (now?.archived) return 'already archived';
        try {
          await deps.sessions.archive(ws, s.id);
        } catch (err) {
          if (err instanceof AppError && err.code === 'conflict' && (await session(ws, s.id))?.archived) return 'already archived';
          throw err;
        }
        return 'archived on Jules';
      },
    });
    return { action: 'archive', outcome: res.outcome, reason: res.error ?? `${pr.state} PR ${key(pr)}`, ...(res.error ? { error: res.error } : {}) };
  }

  /** Looks at one PR now: archive when finished, conflicts, merge. Every action is a ledger row (exactly once). */
  async function evaluatePull(ws: string, pr: PullRequest, mayAct?: () => Promise<boolean>): Promise<MergeStep> {
    if (!pr.sessionId) return { action: 'none', reason: 'not linked to a session' };
    const a = await pulls.automation(ws, pr.repo);
    if (pr.labels.includes(a.optOutLabel)) return { action: 'none', reason: `opted out (label ${a.optOutLabel})` };
    if (pr.state !== 'open') {
      if (!a.archive.auto) return { action: 'none', reason: `${pr.state}; auto-archive is off` };
      return archive(ws, pr, `PR ${key(pr)} ${pr.state}: archive its session`, mayAct);
    }
    if (!a.merge.enabled) return { action: 'none', reason: 'merging is off for this repository' };
    if (pr.mergeable === false || pr.mergeableState === 'dirty') return conflict(ws, pr, a, mayAct);
    return tryMerge(ws, pr, a, mayAct);
  }

  async function guarded(ws: string, pr: PullRequest, mayAct?: () => Promise<boolean>): Promise<MergeStep> {
    try {
      return await evaluatePull(ws, pr, mayAct);
    } catch (err) {
      log.warn({ err: (err as Error).message, pr: key(pr), workspaceId: ws }, 'merges: evaluation failed; the next sweep tries again');
      return { action: 'none', reason: `error: ${(err as Error).message}` };
    }
  }

  return {
    /** One PR by its orchestrator id (404 when it is not this workspace's). */
    async evaluate(ws: string, pullId: string): Promise<MergeStep> {
      return evaluatePull(ws, await pulls.get(ws, pullId));
    },
    /** What the change listener calls; errors are logged, never thrown (the sweep catches up). */
    onPull: (ws: string, pr: PullRequest) => guarded(ws, pr),
    /** One sweep of a workspace: its open linked PRs, and PRs finished lately for auto-archive. */
    async sweep(ws: string, mayAct?: () => Promise<boolean>): Promise<MergeStep[]> {
      const out: MergeStep[] = [];
      for (const pr of await pulls.openLinked(ws)) out.push(await guarded(ws, pr, mayAct));
      const since = clock.now() - ARCHIVE_SWEEP_WINDOW_MS;
      for (const pr of await pulls.finishedLinked(ws)) {
        const at = Date.parse(pr.mergedAt ?? pr.closedAt ?? pr.updatedAt);
        if (at >= since) out.push(await guarded(ws, pr, mayAct));
      }
      return out;
    },
    /** POST /api/github/archive-finished: every unarchived session whose PRs are all merged or closed. */
    async archiveFinished(ws: string, body: ArchiveFinishedBody): Promise<ArchiveFinishedResult> {
      const finished = await pulls.finishedLinked(ws, body.repo);
      const bySession = new Map<string, PullRequest>();
      for (const pr of finished) if (pr.sessionId && !bySession.has(pr.sessionId)) bySession.set(pr.sessionId, pr);
      const targets: PullRequest[] = [];
      for (const [sid, pr] of bySession) {
        const s = await session(ws, sid);
        if (!s || s.archived || s.deleted) continue;
        if ((await pulls.forSession(ws, sid)).some((p) => p.state === 'open')) continue;
        targets.push(pr);
      }
      const result: ArchiveFinishedResult = { matched: targets.length, archived: 0, failed: [] };
      if (body.dryRun) return result;
      for (const pr of targets) {
        try {
          const step = await archive(ws, pr, `bulk archive by a person: PR ${key(pr)} ${pr.state}`);
          if (step.outcome === 'sent') result.archived++;
          else if (step.outcome === 'exists') result.failed.push({ sessionId: pr.sessionId!, error: 'archived by the autopilot once already (and unarchived since, or still in progress): archive it from its page' });
          else if (step.action === 'archive') result.failed.push({ sessionId: pr.sessionId!, error: step.error ?? `not archived (${step.outcome})` });
        } catch (err) {
          result.failed.push({ sessionId: pr.sessionId!, error: (err as Error).message.slice(0, 300) });
        }
      }
      return result;
    },
  };
}

export type MergesServiceImpl = ReturnType<typeof createMergesService>;
